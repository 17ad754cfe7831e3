"""Reads of the draws context: assemblies, sealed bids, results and awards.

Bids are sealed until bidding closes (A8): ``sealed_bids`` refuses (``bids_sealed``) to list
an assembly's bids before the close, to everyone, auditors included; only counts and one
quota's own bid (the bid entry page for that quota) are readable before then.
Results are listed by group and quota number, never by name (LGPD, §9).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from django.db.models import QuerySet

from apps.draws.models import (
    Assembly,
    AssemblyResult,
    AssemblyState,
    AssemblyTransition,
    Award,
    AwardState,
    Bid,
    BidStatus,
    ResultEvent,
)
from consorcio.errors import DomainError

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup, Quota

__all__ = [
    "BidsSealed",
    "assemblies",
    "assembly",
    "assembly_awards",
    "assembly_result",
    "assembly_transitions",
    "bid_by_receipt",
    "bid_count",
    "group_calendar",
    "pending_bid_awards",
    "quota_live_bid",
    "result_events",
    "sealed_bids",
]


class BidsSealed(DomainError):
    code: ClassVar[str] = "bids_sealed"
    status: ClassVar[int] = 403
    title: ClassVar[str] = "Lances lacrados"
    default_detail = "Os lances ficam lacrados até o encerramento do prazo de lances."


def assemblies(
    *, group: ConsortiumGroup | None = None, state: str | None = None
) -> QuerySet[Assembly]:
    """Assemblies (optionally of one group or in one state), by date then group."""
    qs = Assembly.objects.select_related("group").order_by("date", "group__code")
    if group is not None:
        qs = qs.filter(group=group)
    if state:
        qs = qs.filter(state=state)
    return qs


def assembly(pk: int) -> Assembly:
    """One assembly with its group (``Assembly.DoesNotExist`` when absent)."""
    return Assembly.objects.select_related("group", "minutes").get(pk=pk)


def group_calendar(group: ConsortiumGroup, start: dt.date | None = None) -> QuerySet[Assembly]:
    """The group's assemblies from ``start`` on (all when None), in date order."""
    qs = Assembly.objects.filter(group=group).order_by("date")
    return qs.filter(date__gte=start) if start is not None else qs


def sealed_bids(assembly: Assembly) -> QuerySet[Bid]:
    """The assembly's bids, only once bidding is closed (``BidsSealed`` before, for everyone)."""
    state = Assembly.objects.filter(pk=assembly.pk).values_list("state", flat=True).first()
    if state is None or state in (AssemblyState.SCHEDULED, AssemblyState.BIDDING_OPEN):
        raise BidsSealed(extra={"assembly_id": assembly.pk})
    return (
        Bid.objects.filter(assembly=assembly)
        .select_related("quota", "quota_version")
        .order_by("rank", "quota__number", "pk")
    )


def bid_count(assembly: Assembly) -> int:
    """How many live bids the assembly has (a count reveals no amount)."""
    return Bid.objects.filter(assembly=assembly, status=BidStatus.LIVE).count()


def quota_live_bid(assembly: Assembly, quota: Quota) -> Bid | None:
    """One quota's own live bid (its bid entry page); never a list of other quotas' bids."""
    return (
        Bid.objects.filter(assembly=assembly, quota=quota, status=BidStatus.LIVE)
        .order_by("-pk")
        .first()
    )


def bid_by_receipt(receipt: str) -> Bid | None:
    """The bid with this receipt (the bidder checks it against the minutes)."""
    return Bid.objects.select_related("assembly", "quota").filter(receipt=receipt.lower()).first()


def assembly_result(assembly: Assembly) -> AssemblyResult | None:
    """The computed result, if any."""
    return AssemblyResult.objects.filter(assembly=assembly).first()


def assembly_awards(assembly: Assembly) -> QuerySet[Award]:
    """The assembly's awards (all states) in rank order, with quota numbers."""
    return (
        Award.objects.filter(assembly=assembly)
        .select_related("quota", "bid")
        .order_by("rank", "pk")
    )


def result_events(assembly: Assembly) -> QuerySet[ResultEvent]:
    """Changes recorded on the results after they were computed, oldest first."""
    return (
        ResultEvent.objects.filter(assembly=assembly)
        .select_related("award", "bid")
        .order_by("at", "pk")
    )


def assembly_transitions(assembly: Assembly) -> QuerySet[AssemblyTransition]:
    """The assembly's state changes, oldest first."""
    return (
        AssemblyTransition.objects.filter(assembly=assembly)
        .select_related("actor")
        .order_by("at", "pk")
    )


def pending_bid_awards(on: dt.date | None = None) -> QuerySet[Award]:
    """Winning bids waiting for payment (due on or after ``on`` when given)."""
    qs = Award.objects.filter(state=AwardState.PENDING_PAYMENT).select_related("quota", "bid")
    return qs.filter(payment_due__gte=on) if on is not None else qs
