"""Row locks of the groups context, always taken in primary-key order (no deadlocks)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.models import Quota

__all__ = ["lock_quotas"]


def lock_quotas(pks: list[int]) -> list[Quota]:
    """``SELECT … FOR UPDATE`` the quotas in pk order; call inside ``transaction.atomic``."""
    qs: QuerySet[Quota] = (
        Quota.objects.select_for_update(of=("self",))
        .select_related("group", "current_version")
        .filter(pk__in=sorted(set(pks)))
        .order_by("pk")
    )
    return list(qs)
