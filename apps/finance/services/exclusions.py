"""Exclusion of quota holders in default (DOMAIN.md A5, Part B §6, §7).

- ``sync_exclusion_proposals`` (called by the daily job, ``services.delinquency``, in each
  group's transaction): a non-awarded holder whose unpaid due dates (consecutive ones under
  Res. 285; alternate ones too where the old Circular's rules say so) reached the group's
  ``exclusion_threshold`` gets an ``ExclusionProposal`` and ``QuotaMarkedForExclusion``; an
  open proposal whose holder paid, was awarded or left is withdrawn (dismissed by nobody, with
  the reason, ``QuotaExclusionDismissed(automatic=True)``). A holder whose proposal staff
  dismissed is proposed again only when more due dates pass unpaid; one confirmed is never.
- ``confirm_exclusion`` (staff) re-checks the default as of the day of the decision and asks
  the groups context to exclude the quota (``apps.groups.services.quotas.exclude_quota``);
  ``dismiss_exclusion`` records staff's reason not to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from apps.finance.events import (
    QuotaExclusionConfirmed,
    QuotaExclusionDismissed,
    QuotaMarkedForExclusion,
)
from apps.finance.models import DelinquencyStatus, ExclusionProposal, ExclusionProposalState
from apps.finance.selectors import delinquency as delinquency_selectors
from apps.finance.selectors.delinquency import Overdue, unpaid_due_dates
from apps.groups import selectors as group_selectors
from apps.groups.services import quotas as quota_services
from consorcio.errors import DomainError
from consorcio.locks import locked_atomic
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup, GroupRules

__all__ = [
    "ExclusionError",
    "ExclusionJustificationRequired",
    "ExclusionNotApplicable",
    "ExclusionProposalDecided",
    "confirm_exclusion",
    "dismiss_exclusion",
    "sync_exclusion_proposals",
]

LOCK_WAIT_SECONDS = 10.0
DEFAULT_THRESHOLD = 3  # A5, when a group has no rules (never in practice)
_P = ExclusionProposalState

# --------------------------------------------------------------------------------------------
# Errors


class ExclusionError(DomainError):
    code: ClassVar[str] = "exclusion_error"
    title: ClassVar[str] = "Exclusão por inadimplência"


class ExclusionProposalDecided(ExclusionError):
    code: ClassVar[str] = "exclusion_proposal_decided"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Proposta já decidida"
    default_detail: ClassVar[str] = "Esta proposta de exclusão já foi confirmada ou descartada."


class ExclusionNotApplicable(ExclusionError):
    code: ClassVar[str] = "exclusion_not_applicable"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Exclusão não cabe mais"
    default_detail: ClassVar[str] = "A cota não está mais em condição de ser excluída."


class ExclusionJustificationRequired(ExclusionError):
    code: ClassVar[str] = "exclusion_justification_required"
    title: ClassVar[str] = "Justificativa obrigatória"
    default_detail: ClassVar[str] = "Informe por que a proposta de exclusão foi descartada."


# --------------------------------------------------------------------------------------------
# Exclusion proposals


@dataclass(frozen=True, slots=True)
class _Threshold:
    count: int
    counts_alternate: bool

    @classmethod
    def of(cls, rules: GroupRules | None) -> _Threshold:
        if rules is None:
            return cls(DEFAULT_THRESHOLD, counts_alternate=False)
        return cls(rules.exclusion_threshold, counts_alternate=rules.exclusion_counts_alternate)

    def unpaid(self, overdue: Overdue) -> int:
        return unpaid_due_dates(overdue, counts_alternate=self.counts_alternate)

    def is_reached(self, overdue: Overdue) -> bool:
        """A5: non-awarded holders only, once the threshold's due date passed unpaid."""
        return not overdue.is_awarded and self.unpaid(overdue) >= self.count


def sync_exclusion_proposals(
    *, group: ConsortiumGroup, as_of: dt.date, fresh: dict[int, Overdue]
) -> tuple[int, int]:
    """Propose the holders of ``fresh`` (the group's overdue holders on ``as_of``, by version)
    over the threshold and withdraw the open proposals no longer over it: (proposed,
    withdrawn). Runs in the daily job's transaction for the group (open proposals locked)."""
    threshold = _Threshold.of(delinquency_selectors.rules_in_force(group, as_of))
    due = {version: row for version, row in fresh.items() if threshold.is_reached(row)}
    open_proposals = {
        proposal.quota_version_id: proposal
        for proposal in ExclusionProposal.objects.select_for_update()
        .filter(group=group, state=_P.PROPOSED)
        .order_by("pk")
    }
    withdrawn = 0
    for version, proposal in open_proposals.items():
        if version not in due:
            _withdraw(proposal, _withdrawal_reason(fresh.get(version), threshold))
            withdrawn += 1
    blocked = _decided_versions(due.keys() - open_proposals.keys())
    proposed = 0
    for version, overdue in sorted(due.items()):
        if version in open_proposals or _is_blocked(blocked.get(version, []), overdue, threshold):
            continue
        _propose(group, as_of, overdue, threshold)
        proposed += 1
    return proposed, withdrawn


def _decided_versions(versions: Iterable[int]) -> dict[int, list[ExclusionProposal]]:
    """Confirmed proposals and staff dismissals of ``versions``."""
    decided: dict[int, list[ExclusionProposal]] = {}
    rows = ExclusionProposal.objects.filter(quota_version_id__in=list(versions)).filter(
        Q(state=_P.CONFIRMED) | Q(state=_P.DISMISSED, decided_by__isnull=False)
    )
    for proposal in rows:
        decided.setdefault(proposal.quota_version_id, []).append(proposal)
    return decided


def _is_blocked(decided: list[ExclusionProposal], overdue: Overdue, threshold: _Threshold) -> bool:
    """Whether staff already decided this default: confirmed, or dismissed with the same
    oldest due date and at least as many unpaid due dates (more passing re-proposes)."""
    return any(
        proposal.state == _P.CONFIRMED
        or (
            proposal.oldest_due_date == overdue.oldest_due_date
            and proposal.unpaid_due_dates >= threshold.unpaid(overdue)
        )
        for proposal in decided
    )


def _propose(
    group: ConsortiumGroup, as_of: dt.date, overdue: Overdue, threshold: _Threshold
) -> ExclusionProposal:
    proposal = ExclusionProposal.objects.create(
        group_id=group.pk,
        quota_id=overdue.quota_id,
        quota_version_id=overdue.quota_version_id,
        proposed_on=as_of,
        threshold=threshold.count,
        counts_alternate=threshold.counts_alternate,
        unpaid_due_dates=threshold.unpaid(overdue),
        oldest_due_date=overdue.oldest_due_date,
        overdue_amount=overdue.overdue_amount,
    )
    publish(
        QuotaMarkedForExclusion(
            proposal_id=proposal.pk,
            quota_id=overdue.quota_id,
            quota_version_id=overdue.quota_version_id,
            group_id=group.pk,
            number=overdue.number,
            member_id=overdue.member_id,
            proposed_on=as_of,
            unpaid_due_dates=proposal.unpaid_due_dates,
            threshold=threshold.count,
            overdue_amount=overdue.overdue_amount,
        )
    )
    return proposal


def _withdrawal_reason(overdue: Overdue | None, threshold: _Threshold) -> str:
    if overdue is None:
        return "Retirada automaticamente: parcelas vencidas pagas ou cota não mais com o titular."
    if overdue.is_awarded:
        return "Retirada automaticamente: cota contemplada não é excluída por inadimplência."
    return (
        f"Retirada automaticamente: {threshold.unpaid(overdue)} vencimento(s) em atraso, "
        f"abaixo do limite de {threshold.count} do grupo."
    )


def _withdraw(proposal: ExclusionProposal, reason: str) -> None:
    _dismiss(proposal, actor=None, reason=reason)


def _dismiss(proposal: ExclusionProposal, *, actor: AbstractBaseUser | None, reason: str) -> None:
    proposal.state = _P.DISMISSED
    proposal.decided_at = timezone.now()
    proposal.decided_by_id = actor.pk if actor is not None else None
    proposal.decision_note = reason
    proposal.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    number, member_id = _holder_of(proposal)
    publish(
        QuotaExclusionDismissed(
            proposal_id=proposal.pk,
            quota_id=proposal.quota_id,
            quota_version_id=proposal.quota_version_id,
            group_id=proposal.group_id,
            number=number,
            member_id=member_id,
            automatic=actor is None,
            reason=reason,
            dismissed_by_id=actor.pk if actor is not None else None,
        )
    )


def _holder_of(proposal: ExclusionProposal) -> tuple[int, int | None]:
    row = (
        ExclusionProposal.objects.filter(pk=proposal.pk)
        .values_list("quota__number", "quota_version__member_id")
        .get()
    )
    return int(row[0]), row[1]


# --------------------------------------------------------------------------------------------
# Staff decisions


def _locked_proposal(proposal: ExclusionProposal) -> ExclusionProposal:
    locked = (
        ExclusionProposal.objects.select_for_update(of=("self",))
        .select_related("group", "group__current_rules")
        .get(pk=proposal.pk)
    )
    if locked.state != _P.PROPOSED:
        raise ExclusionProposalDecided(
            f"A proposta de exclusão da cota já foi {locked.get_state_display().lower()}.",
            extra={"state": locked.state},
        )
    return locked


def confirm_exclusion(
    *,
    proposal: ExclusionProposal,
    actor: AbstractBaseUser,
    note: str = "",
    on: dt.date | None = None,
) -> ExclusionProposal:
    """Staff confirm a proposal: the groups context excludes the quota version (A5, §7).

    Re-checked under the quota's lock (the groups context's ``quota:<id>`` section and its
    row lock, taken first as the groups services do): the version must still hold the quota,
    be active (never awarded) and still have the threshold's unpaid due dates on ``on``
    (default today). Refused with ``exclusion_proposal_decided`` or
    ``exclusion_not_applicable``, changing nothing. Publishes ``QuotaExclusionConfirmed``.
    """
    day = on or timezone.localdate()
    with locked_atomic(f"quota:{proposal.quota_id}", wait=LOCK_WAIT_SECONDS):
        locked = _locked_proposal(proposal)
        group = locked.group
        quota = (
            group_selectors.group_quotas(group)
            .select_for_update(of=("self",))
            .get(pk=locked.quota_id)
        )
        current = quota.current_version
        if current is None or current.pk != locked.quota_version_id or current.status != "active":
            raise ExclusionNotApplicable(
                f"A cota {quota.number} não está mais ativa com este consorciado "
                "(contemplada, transferida ou encerrada): não pode ser excluída por "
                "inadimplência.",
                extra={"quota_id": quota.pk},
            )
        threshold = _Threshold.of(delinquency_selectors.rules_in_force(group, day))
        overdue = delinquency_selectors.overdue_by_holder(group, day, quota_version_id=current.pk)
        unpaid = threshold.unpaid(overdue[0]) if overdue else 0
        if unpaid < threshold.count:
            raise ExclusionNotApplicable(
                f"A cota {quota.number} tem {unpaid} vencimento(s) em atraso em "
                f"{day:%d/%m/%Y}, abaixo do limite de {threshold.count} do grupo: os atrasos "
                "foram pagos.",
                extra={"unpaid_due_dates": unpaid, "threshold": threshold.count},
            )
        excluded = quota_services.exclude_quota(
            quota=quota,
            reason=f"Inadimplência: {unpaid} vencimento(s) em atraso (proposta {locked.pk}).",
        )
        locked.state = _P.CONFIRMED
        locked.decided_at = timezone.now()
        locked.decided_by_id = actor.pk
        locked.decision_note = note.strip()
        locked.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
        DelinquencyStatus.objects.filter(quota_version_id=excluded.pk).delete()
        assert excluded.ended_at is not None
        publish(
            QuotaExclusionConfirmed(
                proposal_id=locked.pk,
                quota_id=quota.pk,
                quota_version_id=excluded.pk,
                group_id=group.pk,
                number=quota.number,
                member_id=excluded.member_id,
                excluded_at=excluded.ended_at,
                confirmed_by_id=actor.pk,
            )
        )
    return locked


def dismiss_exclusion(
    *, proposal: ExclusionProposal, actor: AbstractBaseUser, reason: str
) -> ExclusionProposal:
    """Staff decide not to exclude: the proposal is dismissed with their justification
    (mandatory, ``exclusion_justification_required``). The job proposes the quota again only
    when more due dates pass unpaid. Publishes ``QuotaExclusionDismissed``."""
    if not (reason or "").strip():
        raise ExclusionJustificationRequired()
    with locked_atomic(f"quota:{proposal.quota_id}", wait=LOCK_WAIT_SECONDS):
        locked = _locked_proposal(proposal)
        _dismiss(locked, actor=actor, reason=reason.strip())
    return locked
