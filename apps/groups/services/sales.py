"""Selling quotas: reserve for a few minutes, confirm with the contract accepted, or cancel.

Two sellers racing for one quota: exactly one wins. The Redis lock ``quota:<pk>`` keeps the
losers from doing wasted work; correctness rests on the database (the quota row locked with
``SELECT … FOR UPDATE`` and the partial unique constraint "one live version per quota").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.selectors.authorization import ScopeKind, actor_scope, is_in_scope
from apps.groups import selectors
from apps.groups.events import QuotaObligationRecorded, QuotaSold
from apps.groups.lock_objects import lock_quotas
from apps.groups.models import (
    ConsortiumGroup,
    ObligationKind,
    Quota,
    QuotaObligation,
    QuotaStatus,
    QuotaVersion,
)
from apps.groups.services import contracts
from apps.groups.services import quotas as quota_services
from apps.groups.services.fractions import upfront_fee_reais
from apps.groups.services.plans import plan_terms
from apps.groups.services.quota_errors import (
    QuotaContractNotAccepted,
    QuotaInvalidTransition,
    QuotaNotAvailable,
    QuotaOutOfScope,
    QuotaReservationExpired,
)
from consorcio.locks import locked_atomic
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.members.models import Member

__all__ = ["cancel_reservation", "confirm_sale", "reserve_quota"]

_LOCK_WAIT = 5.0
_FREE_QUOTA_ATTEMPTS = 5


def _reservation_minutes() -> int:
    return int(settings.QUOTA_RESERVATION_MINUTES)


def _pick_free_quota(group: ConsortiumGroup, skip: set[int]) -> Quota | None:
    now = timezone.now()
    candidates = (
        Quota.objects.filter(group=group)
        .exclude(pk__in=skip)
        .exclude(
            current_version__status__in=[QuotaStatus.ACTIVE, QuotaStatus.AWARDED],
        )
        .exclude(
            current_version__status=QuotaStatus.RESERVED, current_version__reserved_until__gt=now
        )
        .order_by("number")
    )
    return candidates.first()


def reserve_quota(
    *, actor: User, group: ConsortiumGroup, member: Member, number: int | None = None
) -> QuotaVersion:
    """Reserve a quota of ``group`` for ``member`` for QUOTA_RESERVATION_MINUTES.

    ``number=None`` picks the lowest free number. Refused with ``quota_not_available`` when
    the quota is held (or no number is free). Ownership comes from the actor's scope. The
    reservation expires by itself: an expired one reads as available and is replaced.
    """
    if not is_in_scope(actor, member):
        raise QuotaOutOfScope()
    quota_services.ensure_quotas(group, actor=actor)
    if number is not None:
        quota = Quota.objects.filter(group=group, number=number).first()
        if quota is None:
            raise QuotaNotAvailable(f"O grupo não tem a cota {number}.")
        return _reserve(actor=actor, quota=quota, member=member)
    tried: set[int] = set()
    for _ in range(_FREE_QUOTA_ATTEMPTS):
        candidate = _pick_free_quota(group, tried)
        if candidate is None:
            break
        try:
            return _reserve(actor=actor, quota=candidate, member=member)
        except QuotaNotAvailable:
            tried.add(candidate.pk)
    raise QuotaNotAvailable("Não há cota disponível neste grupo.")


def _reserve(*, actor: User, quota: Quota, member: Member) -> QuotaVersion:
    scope = actor_scope(actor)
    with locked_atomic(f"quota:{quota.pk}", wait=_LOCK_WAIT):
        (locked,) = lock_quotas([quota.pk])
        now = timezone.now()
        quota_services.expire_reservation(locked, now)
        if not selectors.is_sellable(locked, now):
            raise QuotaNotAvailable(
                f"A cota {locked.number} não está disponível.", extra={"number": locked.number}
            )
        last = QuotaVersion.objects.filter(quota=locked).aggregate(m=Max("version"))["m"] or 0
        version = QuotaVersion(
            quota=locked,
            version=last + 1,
            member=member,
            status=QuotaStatus.RESERVED,
            reserved_until=now + dt.timedelta(minutes=_reservation_minutes()),
            reserved_by=actor,
            sales_channel_id=scope.channel_id if scope.kind is not ScopeKind.ALL else None,
            sales_representative_id=scope.representative_id,
        )
        try:
            with transaction.atomic():
                version.save()
        except IntegrityError:
            raise QuotaNotAvailable(
                f"A cota {locked.number} não está disponível.", extra={"number": locked.number}
            ) from None
        locked.current_version = version
        locked.save(update_fields=["current_version"])
    return version


def _locked_reservation(actor: User, reservation: QuotaVersion) -> tuple[Quota, QuotaVersion]:
    if not is_in_scope(actor, reservation):
        raise QuotaOutOfScope()
    (locked,) = lock_quotas([reservation.quota_id])
    current = locked.current_version
    if current is None or current.pk != reservation.pk:
        raise QuotaReservationExpired()
    if current.status != QuotaStatus.RESERVED:
        raise QuotaInvalidTransition(
            "A cota já não está reservada.", extra={"status": current.status}
        )
    return locked, current


def confirm_sale(
    *,
    actor: User,
    reservation: QuotaVersion,
    contract_accepted: bool,
    sold_at: dt.datetime | None = None,
) -> QuotaVersion:
    """Turn a live reservation into an active quota of its member (the sale).

    ``sold_at`` records a sale made before it was entered here (a holding brought from a
    previous system, the finance demo's history): the sale's moment and the up-front fee's
    due date follow it; never in the future. Default: now.

    Requires the contract accepted (``quota_contract_not_accepted``); an expired reservation is
    refused with ``quota_reservation_expired`` and changes nothing. Records the up-front fee
    of the plan as an obligation, publishes ``groups.quota.sold`` (and
    ``groups.quota.obligation_recorded``) and issues the contract of adhesion (a PDF stored
    as a document the version points to) in the same transaction: when the contract cannot
    be generated the sale is refused with ``quota_contract_not_issued`` and nothing changes.
    """
    if not contract_accepted:
        raise QuotaContractNotAccepted()
    with locked_atomic(f"quota:{reservation.quota_id}", wait=_LOCK_WAIT):
        quota, version = _locked_reservation(actor, reservation)
        now = timezone.now()
        if selectors.effective_status(version, now) != QuotaStatus.RESERVED:
            raise QuotaReservationExpired()
        if sold_at is not None and sold_at > now:
            raise ValueError("confirm_sale: sold_at is in the future")
        version.status = QuotaStatus.ACTIVE
        version.reserved_until = None
        version.sold_at = sold_at or now
        version.contract_accepted_at = sold_at or now
        version.save()
        assert version.member_id is not None
        group = quota.group
        publish(
            QuotaSold(
                quota_id=quota.pk,
                group_id=group.pk,
                number=quota.number,
                version=version.version,
                member_id=version.member_id,
                sales_channel_id=version.sales_channel_id,
                sales_representative_id=version.sales_representative_id,
            )
        )
        fee = upfront_fee_reais(plan_terms(group), group.reference_credit_value)
        if fee > 0:
            due = timezone.localdate(version.sold_at)
            record_obligation(version, ObligationKind.UPFRONT_FEE, fee, due)
        contracts.issue_contract(actor=actor, version=version)
    return version


def record_obligation(
    version: QuotaVersion, kind: str, amount: Decimal, due_date: dt.date
) -> QuotaObligation:
    """Record a fee owed for ``version`` and publish ``groups.quota.obligation_recorded``."""
    obligation = QuotaObligation.objects.create(
        quota_version=version, kind=kind, amount=amount, due_date=due_date
    )
    assert version.member_id is not None
    publish(
        QuotaObligationRecorded(
            quota_id=version.quota_id,
            obligation_id=obligation.pk,
            quota_version_id=version.pk,
            member_id=version.member_id,
            kind=kind,
            amount=obligation.amount,
            due_date=due_date,
        )
    )
    return obligation


def cancel_reservation(*, actor: User, reservation: QuotaVersion) -> None:
    """Cancel a reservation before confirmation; the quota is free again at once.

    A reservation already gone (expired and swept, or cancelled) is refused with
    ``quota_reservation_expired``.
    """
    with locked_atomic(f"quota:{reservation.quota_id}", wait=_LOCK_WAIT):
        quota, _ = _locked_reservation(actor, reservation)
        quota_services.release_reservation(quota)
