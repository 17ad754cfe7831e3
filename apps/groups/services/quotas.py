"""Quota numbers and the state machine of their versions (DOMAIN.md Part B §1).

A quota's status is its current version's, or ``available`` when it has none. A version moves
reserved → active → (excluded | awarded), awarded → excluded, and awarded → active only when the
award itself is cancelled (``revoke_award``); an expired or cancelled
reservation is removed (the quota falls back to its previous version, if any). An excluded
quota can be sold again: the new holder gets the next version number (§1.3). Only this
module and ``sales`` change versions; other contexts call ``exclude_quota``/``award_quota``/
``revoke_award``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.groups.lock_objects import lock_quotas
from apps.groups.models import ConsortiumGroup, Quota, QuotaStatus, QuotaVersion
from apps.groups.selectors import effective_status
from apps.groups.services.quota_errors import QuotaInvalidTransition
from consorcio.audit import record_batch_audit

__all__ = [
    "TRANSITIONS",
    "award_quota",
    "ensure_quotas",
    "exclude_quota",
    "expire_reservation",
    "expire_reservations",
    "revoke_award",
]

TRANSITIONS: dict[str, frozenset[str]] = {
    QuotaStatus.RESERVED: frozenset({QuotaStatus.ACTIVE}),
    QuotaStatus.ACTIVE: frozenset({QuotaStatus.EXCLUDED, QuotaStatus.AWARDED}),
    QuotaStatus.AWARDED: frozenset({QuotaStatus.EXCLUDED, QuotaStatus.ACTIVE}),
    QuotaStatus.EXCLUDED: frozenset(),
    QuotaStatus.TRANSFERRED: frozenset(),
    QuotaStatus.CANCELLED: frozenset(),
}


@transaction.atomic
def ensure_quotas(group: ConsortiumGroup, *, actor: AbstractBaseUser | None = None) -> int:
    """Create the group's missing quota numbers 1..max_quotas in one statement; how many.

    Idempotent and safe under concurrency (conflicting numbers are skipped).
    """
    existing = Quota.objects.filter(group=group).count()
    if existing >= group.max_quotas:
        return 0
    Quota.objects.bulk_create(
        [Quota(group=group, number=n) for n in range(1, group.max_quotas + 1)],
        ignore_conflicts=True,
    )
    count = Quota.objects.filter(group=group).count() - existing
    if count:
        record_batch_audit(
            actor=actor,
            action="groups.quotas.created",
            model=Quota,
            count=count,
            details={"group_id": group.pk, "max_quotas": group.max_quotas},
            operation="create",
        )
    return count


def expire_reservation(quota: Quota, now: dt.datetime | None = None) -> bool:
    """Remove the quota's expired reservation (quota row already locked); whether it did."""
    version = quota.current_version
    if version is None or version.status != QuotaStatus.RESERVED:
        return False
    if effective_status(version, now) != QuotaStatus.AVAILABLE:
        return False
    release_reservation(quota)
    return True


def release_reservation(quota: Quota) -> None:
    """Drop the quota's current reservation and point it back at its previous version."""
    version = quota.current_version
    assert version is not None
    assert version.status == QuotaStatus.RESERVED
    previous = (
        QuotaVersion.objects.filter(quota=quota).exclude(pk=version.pk).order_by("-version").first()
    )
    quota.current_version = previous
    quota.save(update_fields=["current_version"])
    version.delete()


def _transition(quota: Quota, to_status: str, **fields: object) -> QuotaVersion:
    (locked,) = lock_quotas([quota.pk])
    version = locked.current_version
    from_status = effective_status(version)
    if version is None or to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise QuotaInvalidTransition(
            f"A cota {locked.number} não pode passar de {from_status} para {to_status}.",
            extra={"from_status": from_status, "to_status": to_status},
        )
    version.status = to_status
    for name, value in fields.items():
        setattr(version, name, value)
    version.save()
    quota.current_version = version
    return version


@transaction.atomic
def exclude_quota(*, quota: Quota, reason: str) -> QuotaVersion:
    """Exclude the quota's holder (finance, after the default threshold); number re-sellable."""
    return _transition(
        quota, QuotaStatus.EXCLUDED, ended_at=timezone.now(), end_reason=reason[:200]
    )


@transaction.atomic
def award_quota(*, quota: Quota, assembly_ref: str) -> QuotaVersion:
    """Mark the quota's holder as awarded (contemplada) at an assembly (draws context)."""
    return _transition(quota, QuotaStatus.AWARDED, assembly_ref=assembly_ref[:60])


@transaction.atomic
def revoke_award(*, quota: Quota, assembly_ref: str) -> QuotaVersion:
    """Undo the mark of an award cancelled by the draws context: the holder is active again.

    Refused (``quota_invalid_transition``) unless the quota's holder is awarded at exactly
    ``assembly_ref``: a later award or an exclusion is never undone by an old cancellation.
    """
    (locked,) = lock_quotas([quota.pk])
    version = locked.current_version
    if version is None or version.assembly_ref != assembly_ref[:60]:
        raise QuotaInvalidTransition(
            f"A cota {locked.number} não está contemplada na assembleia {assembly_ref}.",
            extra={"assembly_ref": assembly_ref},
        )
    return _transition(quota, QuotaStatus.ACTIVE, assembly_ref="")


def expire_reservations(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Free every quota whose reservation ran out (the beat sweeper); how many were freed.

    Reads already treat expired reservations as free; this removes the leftovers. Quota rows
    are locked in pk order, batch by batch, and each one is re-checked under its lock, so a
    sale confirmed meanwhile is never touched.
    """
    moment = now or timezone.now()
    freed = 0
    while True:
        pks = list(
            Quota.objects.filter(
                current_version__status=QuotaStatus.RESERVED,
                current_version__reserved_until__lte=moment,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return freed
        with transaction.atomic():
            batch = sum(1 for quota in lock_quotas(pks) if expire_reservation(quota, moment))
            if batch:
                record_batch_audit(
                    actor=None,
                    action="groups.quotas.reservations_expired",
                    model=QuotaVersion,
                    count=batch,
                    details={"quota_ids": pks[:50]},
                    operation="delete",
                )
        freed += batch
        if len(pks) < batch_size:
            return freed
