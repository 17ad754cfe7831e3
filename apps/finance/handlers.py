"""Reactions of the finance context to the groups context's domain events (via the outbox).

- a confirmed sale creates the quota's installment schedule;
- a fee the groups context recorded (up-front fee, transfer fee) becomes a charge;
- a sale cancelled within the cooling-off period cancels its schedule and open charges.

Each handler runs in its delivery's transaction and is idempotent (a schedule per sale, a
charge per obligation), so a redelivered event changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.finance.services import billing, installments
from apps.groups.events import QuotaObligationRecorded, QuotaSold, SaleCancelled
from consorcio.outbox import StoredEvent, subscribe


@subscribe(QuotaSold, name="finance.create_installment_schedule")
def create_installment_schedule(event: StoredEvent) -> None:
    """``groups.quota.sold``: the quota's installments from the plan and calendar."""
    payload = event.payload
    installments.create_schedule(
        group_id=int(payload["group_id"]),
        quota_id=int(payload["quota_id"]),
        version=int(payload["version"]),
    )


@subscribe(QuotaObligationRecorded, name="finance.charge_obligation")
def charge_obligation(event: StoredEvent) -> None:
    """``groups.quota.obligation_recorded``: a charge for the fee."""
    payload = event.payload
    billing.charge_obligation(
        obligation_id=int(payload["obligation_id"]),
        member_id=int(payload["member_id"]),
        quota_version_id=int(payload["quota_version_id"]),
        kind=str(payload["kind"]),
        amount=Decimal(str(payload["amount"])),
        due_date=dt.date.fromisoformat(str(payload["due_date"])),
    )


@subscribe(SaleCancelled, name="finance.cancel_installment_schedule")
def cancel_installment_schedule(event: StoredEvent) -> None:
    """``groups.sale.cancelled``: the schedule and the open charges of the sale end."""
    payload = event.payload
    installments.cancel_schedule(quota_id=int(payload["quota_id"]), version=int(payload["version"]))
