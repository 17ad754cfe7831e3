"""Awards after the count: starting them, confirming paid bids, lapses and reserves (A8).

- ``start_award`` (``start_awards`` for the awards ``results`` makes, the bid charges issued
  in one go): a draw is confirmed at once (quota version awarded through groups, credit
  posted through finance); an excluded-quota refund is posted; a winning bid waits for its
  payment (a finance bid charge for its cash part) unless it is wholly embedded, which is
  confirmed at once.
- ``confirm_bid_award`` (the ``BidPaid`` handler): the paid bid's award is confirmed, its
  embedded part applied, the credit posted and the quota version marked awarded.
- ``lapse_unpaid_bids`` (daily): a winning bid unpaid after its deadline lapses and the award
  passes to the next ranked bid (the reserve), checked against the money as it stood before
  the lapsed award and against what is left now; recorded as ``ResultEvent``s, never by
  recomputing the results.
- ``cancel_award``: a cancelled award (its ledger posting reversed).

Finance calls are idempotent on the refs ``bid:<bid pk>``, ``award:<award pk>`` and
``refund:<award pk>`` (INTERFACE12.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.draws.events import AwardLapsed, BidWon, QuotaContemplated
from apps.draws.lock_objects import lock_assembly, lock_awards
from apps.draws.models import (
    LIVE_AWARD_STATES,
    AssemblyResult,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidStatus,
    ResultEvent,
    ResultEventKind,
)
from apps.finance.services import awards as finance_awards
from apps.groups.services import calendar
from apps.groups.services.quotas import award_quota, revoke_award
from consorcio.errors import DomainError
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "AwardNotCancellable",
    "bid_ref",
    "business_days_after",
    "cancel_award",
    "confirm_bid_award",
    "lapse_award",
    "lapse_unpaid_bids",
    "start_award",
    "start_awards",
]


class AwardNotCancellable(DomainError):
    code = "award_not_cancellable"
    status = 409
    title = "Contemplação não pode ser cancelada"
    default_detail = "Só uma contemplação vigente pode ser cancelada."


def bid_ref(bid: Bid | int) -> str:
    """The opaque reference finance knows a bid by."""
    return f"bid:{bid if isinstance(bid, int) else bid.pk}"


def business_days_after(day: dt.date, days: int) -> dt.date:
    """The ``days``-th business day after ``day`` (A8: 3 business days to pay a bid)."""
    current = day
    for _ in range(days):
        current = calendar.next_business_day(current + dt.timedelta(days=1))
    return current


def _contemplated(award: Award) -> None:
    publish(
        QuotaContemplated(
            quota_id=award.quota_id,
            quota_version_id=award.quota_version_id,
            group_id=award.assembly.group_id,
            number=award.quota.number,
            assembly_id=award.assembly_id,
            award_id=award.pk,
            kind=award.kind,
            credit_value=award.credit_value,
        )
    )


def _mark_awarded(award: Award) -> None:
    quota = award.quota
    if quota.current_version_id != award.quota_version_id:
        raise DomainError(
            f"A cota {quota.number} mudou de titular desde a contemplação.",
            extra={"award_id": award.pk},
        )
    award_quota(quota=quota, assembly_ref=award.assembly.reference)


def _confirm(award: Award, *, now: dt.datetime) -> None:
    """Confirm a draw or a paid (or wholly embedded) bid: quota awarded, credit posted."""
    bid = award.bid
    embedded = bid.embedded_fraction if bid is not None else Decimal("0")
    if bid is not None and embedded > 0:
        finance_awards.apply_embedded_bid(
            bid_ref=bid_ref(bid),
            quota_version_id=award.quota_version_id,
            fraction=embedded,
            credit_value=award.credit_value,
            assembly_date=award.assembly.date,
        )
    _mark_awarded(award)
    award.ledger_transaction_id = finance_awards.post_award(
        award_ref=award.award_ref,
        quota_version_id=award.quota_version_id,
        credit_value=award.credit_value,
        embedded_fraction=embedded,
        assembly_date=award.assembly.date,
        # Part B §2.1: the reserve fund may complete the money of a planned draw only.
        allow_reserve=award.kind == AwardKind.DRAW,
    )
    award.state = AwardState.CONFIRMED
    award.confirmed_at = now
    award.save(update_fields=["state", "confirmed_at", "ledger_transaction_id"])
    _contemplated(award)


def start_award(*, award: Award, now: dt.datetime | None = None) -> Award:
    """Carry out a new award (inside the caller's transaction; see the module docstring)."""
    moment = now or timezone.now()
    if award.kind == AwardKind.DRAW:
        _confirm(award, now=moment)
    elif award.kind == AwardKind.EXCLUDED_REFUND:
        award.ledger_transaction_id = finance_awards.post_refund(
            refund_ref=award.refund_ref,
            quota_version_id=award.quota_version_id,
            assembly_date=award.assembly.date,
        )
        award.confirmed_at = moment
        award.save(update_fields=["ledger_transaction_id", "confirmed_at"])
        _contemplated(award)
    else:
        bid = award.bid
        assert bid is not None  # a bid award has its bid (a CHECK constraint)
        if not _waits_for_payment(award):
            _confirm(award, now=moment)
        else:
            item = _charge_item(award)
            award.bid_charge_id = finance_awards.issue_bid_charge(
                bid_ref=item.bid_ref,
                quota_version_id=item.quota_version_id,
                fraction=item.fraction,
                credit_value=item.credit_value,
                assembly_date=item.assembly_date,
                due_date=item.due_date,
            )
            award.save(update_fields=["bid_charge_id"])
        _bid_won(award)
    return award


def start_awards(*, awards: Sequence[Award], now: dt.datetime | None = None) -> None:
    """``start_award`` for each new award, in order, with the charges of the winning bids
    that wait for their payment issued first, in one go (finance ``issue_bid_charges``);
    those awards' charge ids written in one statement."""
    moment = now or timezone.now()
    waiting = [award for award in awards if _waits_for_payment(award)]
    charge_ids = finance_awards.issue_bid_charges([_charge_item(award) for award in waiting])
    charged = dict(zip((award.pk for award in waiting), charge_ids, strict=True))
    for award in awards:
        if award.pk in charged:
            award.bid_charge_id = charged[award.pk]
            _bid_won(award)
        else:
            start_award(award=award, now=moment)
    if charged:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Award._meta.db_table} AS a SET bid_charge_id = v.charge "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, charge) WHERE a.id = v.id",
                [list(charged), list(charged.values())],
            )


def _waits_for_payment(award: Award) -> bool:
    """A bid award with a cash part to pay by its deadline (not wholly embedded)."""
    bid = award.bid
    return (
        award.kind == AwardKind.BID
        and bid is not None
        and bid.cash_fraction != 0
        and award.payment_due is not None
    )


def _charge_item(award: Award) -> finance_awards.BidChargeItem:
    bid = award.bid
    assert bid is not None
    assert award.payment_due is not None
    return finance_awards.BidChargeItem(
        bid_ref=bid_ref(bid),
        quota_version_id=award.quota_version_id,
        fraction=bid.cash_fraction,
        credit_value=award.credit_value,
        assembly_date=award.assembly.date,
        due_date=award.payment_due,
    )


def _bid_won(award: Award) -> None:
    bid = award.bid
    assert bid is not None
    publish(
        BidWon(
            quota_id=award.quota_id,
            quota_version_id=award.quota_version_id,
            group_id=award.assembly.group_id,
            number=award.quota.number,
            assembly_id=award.assembly_id,
            award_id=award.pk,
            bid_id=bid.pk,
            fraction=bid.fraction,
            cash_fraction=bid.cash_fraction,
            payment_due=award.payment_due,
            charge_id=award.bid_charge_id,
        )
    )


def _bid_award(ref: str) -> Award:
    kind, _, pk = ref.partition(":")
    if kind != "bid" or not pk.isdigit():
        raise ValueError(f"not a bid reference: {ref!r}")
    return Award.objects.select_related("assembly", "quota", "bid").get(bid_id=int(pk))


def confirm_bid_award(
    *, bid_ref: str, charge_id: int | None = None, paid_on: dt.date | None = None
) -> Award:
    """A winning bid was paid: confirm its award (idempotent; a lapsed award stays lapsed)."""
    with transaction.atomic():
        award = _bid_award(bid_ref)
        lock_assembly(award.assembly_id)
        (locked,) = lock_awards([award.pk])
        if locked.state != AwardState.PENDING_PAYMENT:
            return locked
        award.refresh_from_db()
        _confirm(award, now=timezone.now())
        ResultEvent.objects.create(
            assembly_id=award.assembly_id,
            kind=ResultEventKind.AWARD_CONFIRMED,
            award=award,
            bid=award.bid,
            details={
                "charge_id": charge_id,
                "paid_on": paid_on.isoformat() if paid_on else None,
                "quota": award.quota.number,
            },
        )
    return award


def lapse_unpaid_bids(*, today: dt.date | None = None) -> int:
    """Daily: lapse every winning bid unpaid after its deadline; how many lapsed."""
    day = today or timezone.localdate()
    lapsed = 0
    for pk in (
        Award.objects.filter(state=AwardState.PENDING_PAYMENT, payment_due__lt=day)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        award = Award.objects.get(pk=pk)
        with transaction.atomic():
            if lapse_award(award=award, today=day) is not False:
                lapsed += 1
    return lapsed


def _live_money_used(result: AssemblyResult) -> Decimal:
    total = Award.objects.filter(
        assembly_id=result.assembly_id, state__in=LIVE_AWARD_STATES
    ).aggregate(total=Sum("amount_used"))["total"]
    return total or Decimal("0.00")


def _next_reserve(result: AssemblyResult) -> tuple[Bid, Decimal] | None:
    """The next ranked reserve bid still waiting, with what it would use."""
    for row in result.outcome["ranking"]:
        if row.get("outcome") != "reserve":
            continue
        bid = Bid.objects.select_related("quota").get(pk=row["bid_id"])
        if bid.status != BidStatus.RESERVE:
            continue
        return bid, Decimal(row["uses"])
    return None


def lapse_award(
    *,
    award: Award,
    today: dt.date | None = None,
    actor: User | None = None,
) -> Award | bool | None:
    """Lapse an unpaid winning bid and call the next reserve; returns the reserve's award,
    None when no reserve could take it, False when the award was not pending any more."""
    day = today or timezone.localdate()
    who = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        assembly = lock_assembly(award.assembly_id)
        (locked,) = lock_awards([award.pk])
        if locked.state != AwardState.PENDING_PAYMENT:
            return False
        lapsed = Award.objects.select_related("bid", "quota", "assembly").get(pk=locked.pk)
        lapsed.state = AwardState.LAPSED
        lapsed.ended_at = timezone.now()
        lapsed.end_reason = f"Lance não pago até {lapsed.payment_due:%d/%m/%Y}."
        lapsed.save(update_fields=["state", "ended_at", "end_reason"])
        bid = lapsed.bid
        assert bid is not None
        bid.status = BidStatus.LAPSED
        bid.status_changed_at = timezone.now()
        bid.save(update_fields=["status", "status_changed_at"])
        finance_awards.cancel_bid_charge(bid_ref=bid_ref(bid), reason="lance não pago no prazo")
        ResultEvent.objects.create(
            assembly=assembly,
            kind=ResultEventKind.BID_LAPSED,
            award=lapsed,
            bid=bid,
            actor=who,
            details={"quota": lapsed.quota.number, "payment_due": str(lapsed.payment_due)},
        )
        promoted = _promote_reserve(lapsed, day=day, actor=who)
        publish(
            AwardLapsed(
                quota_id=lapsed.quota_id,
                quota_version_id=lapsed.quota_version_id,
                group_id=assembly.group_id,
                number=lapsed.quota.number,
                assembly_id=assembly.pk,
                award_id=lapsed.pk,
                promoted_award_id=promoted.pk if promoted else None,
            )
        )
    return promoted


def _promote_reserve(lapsed: Award, *, day: dt.date, actor: User | None) -> Award | None:
    result = AssemblyResult.objects.get(assembly_id=lapsed.assembly_id)
    candidate = _next_reserve(result)
    if candidate is None:
        return None
    bid, uses = candidate
    left_now = result.money_available - _live_money_used(result)
    # A8: checked against the money as it stood before the lapsed award, and the awards
    # still standing must keep fitting (what is left now).
    fits = uses <= lapsed.money_before and uses <= left_now
    held = Award.objects.filter(
        quota_version_id=bid.quota_version_id, state__in=LIVE_AWARD_STATES
    ).exists()
    version_changed = bid.quota.current_version_id != bid.quota_version_id
    if not fits or held or version_changed:
        bid.status = BidStatus.LOST
        bid.status_changed_at = timezone.now()
        bid.save(update_fields=["status", "status_changed_at"])
        ResultEvent.objects.create(
            assembly_id=lapsed.assembly_id,
            kind=ResultEventKind.RESERVE_NOT_COVERED,
            award=lapsed,
            bid=bid,
            actor=actor,
            details={
                "quota": bid.quota.number,
                "uses": str(uses),
                "money_before": str(lapsed.money_before),
                "money_left": str(left_now),
                "reason": "sem recursos" if not fits else "cota indisponível",
            },
        )
        return None
    rules_days = int(result.inputs["rules"]["bid_payment_business_days"])
    promoted = Award.objects.create(
        assembly_id=lapsed.assembly_id,
        quota_id=bid.quota_id,
        quota_version_id=bid.quota_version_id,
        kind=AwardKind.BID,
        bid=bid,
        state=AwardState.PENDING_PAYMENT,
        credit_value=lapsed.credit_value,
        amount_used=uses,
        money_before=lapsed.money_before,
        money_after=lapsed.money_before - uses,
        rank=lapsed.rank,
        payment_due=business_days_after(day, rules_days),
        promoted_from=lapsed,
    )
    bid.status = BidStatus.WON
    bid.status_changed_at = timezone.now()
    bid.save(update_fields=["status", "status_changed_at"])
    promoted = Award.objects.select_related("assembly", "quota", "bid").get(pk=promoted.pk)
    start_award(award=promoted)
    ResultEvent.objects.create(
        assembly_id=lapsed.assembly_id,
        kind=ResultEventKind.RESERVE_PROMOTED,
        award=promoted,
        bid=bid,
        actor=actor,
        details={
            "quota": bid.quota.number,
            "replaces_award": lapsed.pk,
            "uses": str(uses),
            "money_before": str(lapsed.money_before),
            "payment_due": str(promoted.payment_due),
        },
    )
    return promoted


def cancel_award(*, award: Award, actor: User | None, reason: str) -> Award:
    """Cancel a live award (its ledger posting reversed, a pending bid's charge cancelled)."""
    who = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        lock_assembly(award.assembly_id)
        (locked,) = lock_awards([award.pk])
        if locked.state not in LIVE_AWARD_STATES:
            raise AwardNotCancellable()
        if locked.state == AwardState.PENDING_PAYMENT and locked.bid_id is not None:
            finance_awards.cancel_bid_charge(bid_ref=bid_ref(locked.bid_id), reason=reason)
        if locked.ledger_transaction_id is not None and locked.kind != AwardKind.EXCLUDED_REFUND:
            finance_awards.reverse_award(award_ref=locked.award_ref, reason=reason)
        if locked.state == AwardState.CONFIRMED and locked.kind != AwardKind.EXCLUDED_REFUND:
            # The holder was marked awarded at this assembly: active again (groups).
            revoke_award(
                quota=locked.quota,
                assembly_ref=locked.assembly.reference,
            )
        locked.state = AwardState.CANCELLED
        locked.ended_at = timezone.now()
        locked.end_reason = reason
        locked.save(update_fields=["state", "ended_at", "end_reason"])
        ResultEvent.objects.create(
            assembly_id=locked.assembly_id,
            kind=ResultEventKind.AWARD_CANCELLED,
            award=locked,
            actor=who,
            details={"reason": reason},
        )
    return locked
