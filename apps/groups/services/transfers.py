"""After the sale: transfer to another member and the 7-day cooling-off cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from apps.accounts.selectors.authorization import is_in_scope
from apps.groups.events import QuotaTransferred, SaleCancelled
from apps.groups.lock_objects import lock_quotas
from apps.groups.models import ObligationKind, QuotaStatus, QuotaVersion
from apps.groups.services import contracts
from apps.groups.services.quota_errors import (
    QuotaCoolingOffOver,
    QuotaInvalidTransition,
    QuotaOutOfScope,
)
from apps.groups.services.sales import record_obligation
from consorcio.locks import locked_atomic
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.members.models import Member

__all__ = ["COOLING_OFF_DAYS", "cancel_sale", "transfer_quota"]

COOLING_OFF_DAYS = 7
_LOCK_WAIT = 5.0
_TRANSFERABLE = (QuotaStatus.ACTIVE, QuotaStatus.AWARDED)


def _locked_current(actor: User, version: QuotaVersion) -> QuotaVersion:
    if not is_in_scope(actor, version):
        raise QuotaOutOfScope()
    (quota,) = lock_quotas([version.quota_id])
    current = quota.current_version
    if current is None or current.pk != version.pk:
        raise QuotaInvalidTransition("Esta versão da cota não é mais a vigente.")
    return current


def transfer_quota(*, actor: User, version: QuotaVersion, to_member: Member) -> QuotaVersion:
    """Pass an active (or awarded) quota to ``to_member``: a new version, the old one ends.

    Records the group's transfer fee (rules ``transfer_fee``, in Reais) as an obligation of the
    new version when not zero, issues the new holder's contract of adhesion, and publishes
    ``groups.quota.transferred``.
    """
    if not is_in_scope(actor, to_member):
        raise QuotaOutOfScope()
    with locked_atomic(f"quota:{version.quota_id}", wait=_LOCK_WAIT):
        current = _locked_current(actor, version)
        if current.status not in _TRANSFERABLE or current.member_id == to_member.pk:
            raise QuotaInvalidTransition(
                "Só uma cota ativa ou contemplada pode ser transferida a outro consorciado.",
                extra={"status": current.status},
            )
        now = timezone.now()
        held_status = current.status
        current.status = QuotaStatus.TRANSFERRED
        current.ended_at = now
        current.end_reason = "Transferida"
        current.save()
        new = QuotaVersion.objects.create(
            quota_id=current.quota_id,
            version=current.version + 1,
            member=to_member,
            status=held_status,
            sales_channel_id=current.sales_channel_id,
            sales_representative_id=current.sales_representative_id,
            sold_at=now,
            contract_accepted_at=now,
            assembly_ref=current.assembly_ref,
        )
        quota = new.quota
        quota.current_version = new
        quota.save(update_fields=["current_version"])
        assert current.member_id is not None
        publish(
            QuotaTransferred(
                quota_id=quota.pk,
                group_id=quota.group_id,
                number=quota.number,
                from_member_id=current.member_id,
                to_member_id=to_member.pk,
                version=new.version,
            )
        )
        rules = quota.group.current_rules
        fee = rules.transfer_fee if rules is not None else Decimal("0")
        if fee > 0:
            record_obligation(new, ObligationKind.TRANSFER_FEE, fee, timezone.localdate())
        # The new holder signs their own contract of adhesion; no contract, no transfer.
        contracts.issue_contract(actor=actor, version=new)
    return new


def cancel_sale(
    *, actor: User, version: QuotaVersion, reason: str, now: dt.datetime | None = None
) -> QuotaVersion:
    """Cancel a sale within ``COOLING_OFF_DAYS`` of its confirmation; the quota is free again.

    After that the member leaves only by exclusion/withdrawal rules: refused with
    ``quota_cooling_off_over``. Publishes ``groups.sale.cancelled`` (finance reverses fees).
    """
    moment = now or timezone.now()
    with locked_atomic(f"quota:{version.quota_id}", wait=_LOCK_WAIT):
        current = _locked_current(actor, version)
        if current.status != QuotaStatus.ACTIVE or current.sold_at is None:
            raise QuotaInvalidTransition(
                "Só uma venda ativa pode ser cancelada.", extra={"status": current.status}
            )
        if moment > current.sold_at + dt.timedelta(days=COOLING_OFF_DAYS):
            raise QuotaCoolingOffOver()
        current.status = QuotaStatus.CANCELLED
        current.ended_at = moment
        current.end_reason = reason[:200]
        current.save()
        quota = current.quota
        assert current.member_id is not None
        publish(
            SaleCancelled(
                quota_id=quota.pk,
                group_id=quota.group_id,
                number=quota.number,
                version=current.version,
                member_id=current.member_id,
                reason=current.end_reason,
            )
        )
    return current
