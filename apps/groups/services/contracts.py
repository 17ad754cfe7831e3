"""The contract of adhesion (contrato de participação) of a quota, as a stored PDF.

On confirmation of a sale the contract is rendered from the group's rules **in force** and the
quota's holder, and stored through ``apps.documents`` as a version of a logical document
(kind ``contract``); the quota version points at it (documents knows nothing of quotas).
Re-issuing it (after an amendment, say) stores the next version of the **same** document, so
earlier versions stay retrievable.

Res. 285 requires the contract to show the first installment and each of its components in
Reais and in % (DOMAIN.md §9). Reais follow A1 (total ``round2(p x C)`` split by largest
remainder over the plan's exact terms); the % column is split the same way at 4 places, so
both columns sum exactly to the totals shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import structlog
from django.db import transaction
from django.utils import timezone

from apps.documents.services import links, pdf, storage
from apps.groups.lock_objects import lock_quotas
from apps.groups.models import GroupRules, QuotaStatus, QuotaVersion
from apps.groups.services import calendar
from apps.groups.services.fractions import (
    PlanTerms,
    exact_monthly_terms,
    installment_fractions,
    installment_reais,
    plan_total_fraction,
    upfront_fee_fraction,
    upfront_fee_reais,
)
from apps.groups.services.plans import plan_terms
from apps.groups.services.quota_errors import QuotaInvalidTransition
from apps.members import selectors as member_selectors
from consorcio.errors import DomainError
from consorcio.locks import locked_atomic
from consorcio.money import round_half_up, split_exact

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.documents.models import DocumentVersion

__all__ = [
    "CONTRACT_DOCUMENT_KIND",
    "CONTRACT_TEMPLATE",
    "ContractMissing",
    "ContractNotIssued",
    "FirstInstallment",
    "InstallmentPart",
    "contract_context",
    "contract_download_url",
    "contract_number",
    "first_installment",
    "issue_contract",
    "reissue_contract",
]

logger = structlog.get_logger(__name__)

# apps.documents' DocumentKind.CONTRACT ("Contrato de participação").
CONTRACT_DOCUMENT_KIND = "contract"
CONTRACT_TEMPLATE = "groups/contract/contract.html"
PERCENT_PLACES = 4
UPCOMING_ASSEMBLIES = 3
_LOCK_WAIT = 5.0

_COMPONENT_LABELS = {
    "common_fund": "Fundo comum",
    "reserve_fund": "Fundo de reserva",
    "admin_fee": "Taxa de administração",
    "insurance": "Seguro",
}


class ContractNotIssued(DomainError):
    """The contract could not be rendered or stored; the sale (or re-issue) did not happen."""

    code: ClassVar[str] = "quota_contract_not_issued"
    status: ClassVar[int] = 503
    title: ClassVar[str] = "Contrato não gerado"
    default_detail: ClassVar[str] = (
        "Não foi possível gerar o contrato de participação; a venda não foi confirmada e nada "
        "foi alterado. Tente novamente em instantes ou avise o suporte."
    )


class ContractMissing(DomainError):
    """The quota version has no contract (a reservation not yet confirmed)."""

    code: ClassVar[str] = "quota_contract_missing"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Cota sem contrato"
    default_detail: ClassVar[str] = (
        "Esta cota ainda não tem contrato de participação: confirme a venda primeiro."
    )


@dataclass(frozen=True)
class InstallmentPart:
    """One component of an installment: stored fraction, % shown and Reais shown."""

    component: str
    label: str
    fraction: Decimal
    percent: Decimal
    reais: Decimal


@dataclass(frozen=True)
class FirstInstallment:
    """The first installment as the contract shows it; parts sum exactly to the totals."""

    parts: tuple[InstallmentPart, ...]
    total_fraction: Decimal
    total_percent: Decimal
    total_reais: Decimal
    upfront_fee_percent: Decimal
    upfront_fee_reais: Decimal

    @property
    def first_payment_reais(self) -> Decimal:
        """What the member pays first: the up-front fee (if any) plus the first installment."""
        return self.total_reais + self.upfront_fee_reais


def first_installment(plan: PlanTerms, credit_value: Decimal) -> FirstInstallment:
    """Installment 1 of ``plan`` at ``credit_value``, each component in Reais and in %.

    Reais come from ``fractions.installment_reais`` (A1). The % total is ``p x 100`` rounded
    half-up to 4 places and split over the exact terms by largest remainder (ties: common fund,
    reserve fund, fee, insurance), so the % column sums to the total % shown. Insurance is
    listed only when the plan has it.
    """
    fractions = installment_fractions(plan, 1)
    reais = installment_reais(plan, 1, credit_value)
    terms = exact_monthly_terms(plan)
    total_percent = round_half_up(Fraction(fractions.total) * 100, PERCENT_PLACES)
    percents = split_exact(total_percent, list(terms.values()), places=PERCENT_PLACES)
    stored = fractions.as_dict()
    parts = tuple(
        InstallmentPart(
            component=name,
            label=_COMPONENT_LABELS[name],
            fraction=stored[name],
            percent=percent,
            reais=reais[name],
        )
        for (name, term), percent in zip(terms.items(), percents, strict=True)
        if term > 0 or name != "insurance"
    )
    return FirstInstallment(
        parts=parts,
        total_fraction=fractions.total,
        total_percent=total_percent,
        total_reais=reais["total"],
        upfront_fee_percent=round_half_up(
            Fraction(upfront_fee_fraction(plan)) * 100, PERCENT_PLACES
        ),
        upfront_fee_reais=upfront_fee_reais(plan, credit_value),
    )


def _percent(fraction: Decimal) -> Decimal:
    """A fraction of the credit as a percentage (0.15 → 15), exactly."""
    return fraction * 100


def _bid_types(rules: GroupRules) -> list[str]:
    kinds: list[str] = []
    if rules.free_bid_allowed:
        kinds.append("livre")
    if rules.fixed_bid_allowed:
        kinds.append(f"fixo de {_percent(rules.fixed_bid_fraction).normalize():f}% do crédito")
    if rules.embedded_bid_allowed:
        maximum = _percent(rules.embedded_bid_max_fraction).normalize()
        kinds.append(f"embutido de até {maximum:f}% do crédito")
    return kinds


def _upcoming_assemblies(version: QuotaVersion, today: dt.date) -> list[dt.date]:
    group = version.quota.group
    start = max(today, group.first_assembly_date or today)
    return calendar.assembly_dates(group, start, UPCOMING_ASSEMBLIES)


def contract_number(version: QuotaVersion) -> str:
    """The contract's number as printed: group code, quota number and quota version."""
    return f"{version.quota.group.code}-{version.quota.number:05d}-{version.version}"


def contract_context(version: QuotaVersion, *, issued_at: dt.datetime) -> dict[str, Any]:
    """Everything the contract template shows: parties, quota, rules in force, first installment.

    Rules are the group's version in force at ``issued_at`` (``current_rules``), named with
    their regime, contract version and rules version (A12).
    """
    quota = version.quota
    group = quota.group
    rules = group.current_rules
    member = version.member
    if rules is None or member is None:
        raise ValueError(f"quota version {version.pk} has no rules or no member")
    plan = plan_terms(group, rules)
    credit = group.reference_credit_value
    today = timezone.localdate(issued_at)
    return {
        "version": version,
        "quota": quota,
        "group": group,
        "rules": rules,
        "member": member,
        "member_document": member_selectors.format_document(member.document),
        "member_address": member_selectors.primary_address(member),
        "first": first_installment(plan, credit),
        "plan_total_percent": _percent(plan_total_fraction(plan)),
        "percents": {
            name: _percent(getattr(rules, name))
            for name in (
                "admin_fee_total",
                "admin_fee_upfront",
                "reserve_fund",
                "insurance",
                "late_fine",
                "late_interest_monthly",
                "late_group_share",
                "refund_penalty",
            )
        },
        "bid_types": _bid_types(rules),
        "assemblies": _upcoming_assemblies(version, today),
        "contract_number": contract_number(version),
        "issued_at": issued_at,
    }


def _render_and_store(*, actor: User | None, version: QuotaVersion) -> DocumentVersion:
    """Render the contract and store it (a new document, or the next version of the old one)."""
    quota = version.quota
    previous = version.contract
    issued_at = timezone.now()
    try:
        content = pdf.render_pdf(CONTRACT_TEMPLATE, contract_context(version, issued_at=issued_at))
        stored = storage.store_version(
            actor=actor,
            kind=CONTRACT_DOCUMENT_KIND,
            title=(
                f"Contrato de participação - grupo {quota.group.code}, cota {quota.number} "
                f"(versão {version.version} da cota)"
            ),
            filename=f"contrato-{quota.group.code}-cota-{quota.number}-v{version.version}.pdf",
            content=content,
            document=previous.document if previous is not None else None,
            declared_content_type="application/pdf",
            owner_channel_id=version.sales_channel_id,
            owner_representative_id=version.sales_representative_id,
        )
    except Exception as error:
        # Whatever failed (template, WeasyPrint, storage), the caller's transaction must roll
        # back: a sale is never confirmed without its contract. Staff read one clear message.
        logger.exception("contract_not_issued", quota_version_id=version.pk)
        raise ContractNotIssued() from error
    version.contract = stored
    version.save(update_fields=["contract"])
    logger.info(
        "contract_issued",
        quota_version_id=version.pk,
        document_id=stored.document_id,
        document_version=stored.number,
    )
    return stored


@transaction.atomic
def issue_contract(*, actor: User | None, version: QuotaVersion) -> DocumentVersion:
    """Generate the contract of a just-sold quota version and link it from the version.

    Called by ``sales.confirm_sale`` inside its transaction and quota lock, after the version
    became active: a failure raises ``quota_contract_not_issued`` and the sale rolls back.
    """
    return _render_and_store(actor=actor, version=version)


def reissue_contract(*, actor: User | None, version: QuotaVersion) -> DocumentVersion:
    """Issue the contract again from the rules now in force (e.g. after an amendment).

    Stores the next version of the same logical document and points the quota version at it;
    the previous versions stay retrievable. Only the current holding of a quota that is live
    and already has a contract may be re-issued (``quota_invalid_transition`` otherwise).
    """
    with locked_atomic(f"quota:{version.quota_id}", wait=_LOCK_WAIT):
        (quota,) = lock_quotas([version.quota_id])
        current = quota.current_version
        if (
            current is None
            or current.pk != version.pk
            or current.status not in (QuotaStatus.ACTIVE, QuotaStatus.AWARDED)
            or current.contract_id is None
        ):
            raise QuotaInvalidTransition(
                "Só o contrato de uma cota ativa ou contemplada, já emitido, pode ser reemitido."
            )
        return _render_and_store(actor=actor, version=current)


def contract_download_url(version: QuotaVersion, *, actor: User) -> str:
    """A fresh short-lived link to the quota version's contract (its latest issue).

    Refused with ``quota_contract_missing`` when the version has none; the documents context
    decides whether the actor may download it.
    """
    if version.contract is None:
        raise ContractMissing()
    return links.signed_download_url(version.contract, actor=actor)
