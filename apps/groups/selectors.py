"""Read side of the groups context: what other contexts and the pages ask about groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from apps.accounts.selectors.authorization import Actor, scope_queryset
from apps.groups.models import (
    ConsortiumGroup,
    GroupRules,
    GroupState,
    Quota,
    QuotaObligation,
    QuotaStatus,
    QuotaVersion,
)

__all__ = [
    "effective_status",
    "group_has_members",
    "group_quotas",
    "groups",
    "is_sellable",
    "participation_history",
    "quota_obligations",
    "quota_status",
    "quota_versions",
    "rules_history",
    "rules_version",
    "scoped_quota_versions",
]


def groups() -> QuerySet[ConsortiumGroup]:
    """Every group with its rules in force, ordered by code."""
    return ConsortiumGroup.objects.select_related("current_rules").order_by("code")


def group_has_members(group: ConsortiumGroup) -> bool:
    """Whether the group has members, so its rules change only by versioned amendment.

    True once the group left formation or any of its quotas was ever sold (a version with a
    sale date exists, even if later excluded).
    """
    if group.state != GroupState.FORMATION:
        return True
    return QuotaVersion.objects.filter(quota__group=group, sold_at__isnull=False).exists()


def rules_history(group: ConsortiumGroup) -> QuerySet[GroupRules]:
    """Every rules version of the group, oldest first (old versions stay retrievable)."""
    return GroupRules.objects.filter(group=group).order_by("version")


def rules_version(group: ConsortiumGroup, version: int) -> GroupRules:
    """One rules version of the group; ``GroupRules.DoesNotExist`` when there is none."""
    return GroupRules.objects.get(group=group, version=version)


def quota_status(quota: Quota) -> str:
    """The quota's status as users see it (an expired reservation reads as ``available``)."""
    return effective_status(quota.current_version)


def group_quotas(group: ConsortiumGroup) -> QuerySet[Quota]:
    """The group's quota numbers with their current version, in number order."""
    return (
        Quota.objects.filter(group=group)
        .select_related("current_version", "current_version__member")
        .order_by("number")
    )


def quota_versions(quota: Quota) -> QuerySet[QuotaVersion]:
    """Every holding of the quota number, first sale first."""
    return QuotaVersion.objects.filter(quota=quota).select_related("member").order_by("version")


def participation_history(member_id: int) -> QuerySet[QuotaVersion]:
    """Every quota the member holds or held (not mere reservations), newest first."""
    return (
        QuotaVersion.objects.filter(member_id=member_id, sold_at__isnull=False)
        .select_related("quota", "quota__group", "contract")
        .order_by("-sold_at", "-pk")
    )


def scoped_quota_versions(actor: Actor) -> QuerySet[QuotaVersion]:
    """Quota versions inside the actor's ownership scope (its channel's or its own sales)."""
    qs = QuotaVersion.objects.select_related("quota", "quota__group", "member", "contract")
    return scope_queryset(qs, actor).order_by("-pk")


def quota_obligations(version: QuotaVersion) -> QuerySet[QuotaObligation]:
    """The fees recorded for a quota version, oldest first."""
    return QuotaObligation.objects.filter(quota_version=version).order_by("pk")


def effective_status(version: QuotaVersion | None, now: dt.datetime | None = None) -> str:
    """The status a user sees: an expired reservation reads as ``available``."""
    if version is None:
        return QuotaStatus.AVAILABLE
    if version.status == QuotaStatus.RESERVED:
        assert version.reserved_until is not None
        if version.reserved_until <= (now or timezone.now()):
            return QuotaStatus.AVAILABLE
    return str(version.status)


def is_sellable(quota: Quota, now: dt.datetime | None = None) -> bool:
    """Whether the quota may be reserved: never sold, excluded, cancelled or reservation expired."""
    status = effective_status(quota.current_version, now)
    return status in (QuotaStatus.AVAILABLE, QuotaStatus.EXCLUDED, QuotaStatus.CANCELLED)


def _held_quotas(prefix: str = "", now: dt.datetime | None = None) -> Q:
    """Quotas that cannot be sold now: sold, awarded, or under a reservation still running."""
    now = now or timezone.now()
    version = f"{prefix}current_version__"
    return Q(**{f"{version}status__in": [QuotaStatus.ACTIVE, QuotaStatus.AWARDED]}) | Q(
        **{f"{version}status": QuotaStatus.RESERVED, f"{version}reserved_until__gt": now}
    )


def free_quota_numbers(group: ConsortiumGroup) -> list[int]:
    """The numbers 1..Q of the group a seller may reserve now, in order."""
    held = set(Quota.objects.filter(_held_quotas(), group=group).values_list("number", flat=True))
    return [number for number in range(1, group.max_quotas + 1) if number not in held]


def sellable_groups(states: tuple[str, ...]) -> list[tuple[ConsortiumGroup, int]]:
    """Groups in ``states`` with at least one free quota, each with its free count (one query)."""
    rows = (
        groups()
        .filter(state__in=states)
        .annotate(held=Count("quotas", filter=_held_quotas("quotas__")))
    )
    return [
        (group, group.max_quotas - group.held) for group in rows if group.held < group.max_quotas
    ]


def group_counts_by_state() -> list[tuple[str, str, int]]:
    """``(state, label, count)`` for every lifecycle state in its order, zero if none."""
    rows = ConsortiumGroup.objects.order_by().values("state").annotate(count=Count("pk"))
    counts = {row["state"]: row["count"] for row in rows}
    return [(state.value, state.label, counts.get(state.value, 0)) for state in GroupState]


@dataclass(frozen=True)
class QuotaOccupancy:
    """A group's quotas: sold (active or awarded), under a live reservation, and free."""

    group_id: int
    code: str
    name: str
    state: str
    max_quotas: int
    sold: int
    reserved: int

    @property
    def free(self) -> int:
        """Numbers a seller could reserve now (never sold, excluded, cancelled or expired)."""
        return self.max_quotas - self.sold - self.reserved


def quota_occupancy(limit: int, now: dt.datetime | None = None) -> tuple[list[QuotaOccupancy], int]:
    """Sold, reserved and free quotas of the groups not yet closed, by code (one query).

    Returns the first ``limit`` groups and how many groups there are in all.
    """
    now = now or timezone.now()
    version = "quotas__current_version__"
    queryset = (
        ConsortiumGroup.objects.exclude(state=GroupState.CLOSED)
        .order_by("code")
        .annotate(
            sold=Count(
                "quotas",
                filter=Q(**{f"{version}status__in": [QuotaStatus.ACTIVE, QuotaStatus.AWARDED]}),
            ),
            reserved=Count(
                "quotas",
                filter=Q(
                    **{
                        f"{version}status": QuotaStatus.RESERVED,
                        f"{version}reserved_until__gt": now,
                    }
                ),
            ),
            total_groups=Window(Count("pk")),
        )
        .values("pk", "code", "name", "state", "max_quotas", "sold", "reserved", "total_groups")
    )
    rows = list(queryset[:limit])
    result = [
        QuotaOccupancy(
            group_id=row["pk"],
            code=row["code"],
            name=row["name"],
            state=row["state"],
            max_quotas=row["max_quotas"],
            sold=row["sold"],
            reserved=row["reserved"],
        )
        for row in rows
    ]
    return result, rows[0]["total_groups"] if rows else 0
