"""Row locks of the draws context, taken in primary-key order (no deadlocks)."""

from __future__ import annotations

from apps.draws.models import Assembly, Award, Bid

__all__ = ["lock_assembly", "lock_awards", "lock_bids"]


def lock_assembly(pk: int) -> Assembly:
    """``SELECT … FOR UPDATE`` one assembly (with its group); inside ``transaction.atomic``."""
    return Assembly.objects.select_for_update(of=("self",)).select_related("group").get(pk=pk)


def lock_awards(pks: list[int]) -> list[Award]:
    """Lock awards in pk order."""
    return list(
        Award.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(pks))).order_by("pk")
    )


def lock_bids(pks: list[int]) -> list[Bid]:
    """Lock bids in pk order."""
    return list(
        Bid.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(pks))).order_by("pk")
    )
