"""After the results: a paid winning bid confirms its award; an unpaid one lapses and the award
passes to the next ranked bid (the reserve), checked against the money as it stood before the
lapsed award, all recorded as events on the results, never by recomputing them (A8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.draws.models import (
    AssemblyResult,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidStatus,
    ResultEvent,
    ResultEventKind,
)
from apps.draws.services import assemblies, awards, bids, results
from apps.draws.services.draw_methods import Standing
from apps.finance.models import Charge
from apps.finance.selectors.ledger import account_balances
from apps.groups.models import QuotaVersion
from consorcio.models.outbox import OutboxDelivery
from consorcio.outbox import DeliveryOutcome, deliver
from tests.accounts.factories import UserFactory
from tests.draws.assembly_support import (
    BIDDING,
    close,
    eligible_holders,
    fresh_group,
    open_assembly,
    record_prizes,
    seed_fund,
)
from tests.finance.delinquency_support import events, pay

pytestmark = pytest.mark.django_db
D = Decimal
DUE = dt.date(2026, 3, 13)  # 3 business days after 10/03/2026


@pytest.fixture
def staff(db):
    return UserFactory()


def computed(staff, fund: str, offers, **rules):
    """A 12-quota group whose key is 2 (48602 mod 12): quota 2 is drawn; ``offers`` are
    (quota, fraction) bids; returns the assembly and its bids by quota."""
    group = fresh_group(staff, **rules)
    eligible_holders(group, range(1, 8))
    seed_fund(group, fund)
    assembly = open_assembly(group)
    placed = {
        number: bids.place_bid(
            assembly=assembly,
            quota=group.quotas.get(number=number),
            kind=kind,
            fraction=D(fraction),
            actor=staff,
            now=BIDDING,
        )
        for number, fraction, kind in offers
    }
    assembly = record_prizes(close(assembly))
    results.compute_results(assembly=assembly)
    return assembly, placed


def bid_award(bid) -> Award:
    return Award.objects.get(bid=bid)


def deliver_draws_events() -> None:
    for delivery in OutboxDelivery.objects.filter(
        subscriber__startswith="draws.", status=OutboxDelivery.Status.PENDING
    ).order_by("pk"):
        outcome = deliver(delivery.pk)
        delivery.refresh_from_db()
        assert outcome is DeliveryOutcome.DELIVERED, delivery.last_error


def test_a_paid_winning_bid_confirms_its_award_and_awards_the_quota(staff):
    _assembly, placed = computed(staff, "200000.00", [(3, "0.45", "free")])
    award = bid_award(placed[3])
    charge = Charge.objects.get(pk=award.bid_charge_id)

    pay(charge, dt.date(2026, 3, 12))
    deliver_draws_events()

    award.refresh_from_db()
    assert award.state == AwardState.CONFIRMED
    assert award.ledger_transaction_id is not None
    assert QuotaVersion.objects.get(pk=award.quota_version_id).status == "awarded"
    event = ResultEvent.objects.get(kind=ResultEventKind.AWARD_CONFIRMED)
    assert (event.award, event.details["charge_id"]) == (award, charge.pk)
    # The same event delivered again changes nothing.
    assert awards.confirm_bid_award(bid_ref=f"bid:{placed[3].pk}").state == AwardState.CONFIRMED
    assert ResultEvent.objects.filter(kind=ResultEventKind.AWARD_CONFIRMED).count() == 1


def test_nothing_lapses_on_or_before_the_deadline(staff):
    _assembly, placed = computed(staff, "200000.00", [(3, "0.45", "free")])

    assert awards.lapse_unpaid_bids(today=DUE) == 0

    assert bid_award(placed[3]).state == AwardState.PENDING_PAYMENT


def test_an_unpaid_bid_lapses_and_the_next_ranked_bid_takes_the_award(staff):
    # Draw: 100,000 of 200,000. Bid 3 (45%, wins the tie from key 2) uses 61,538.46 with
    # 100,000 before it; reserve 1 (45%) is checked against those 100,000 and fits.
    assembly, placed = computed(
        staff, "200000.00", [(1, "0.45", "free"), (3, "0.45", "free"), (5, "0.30", "free")]
    )
    result_before = AssemblyResult.objects.values().get(assembly=assembly)
    lapsed = bid_award(placed[3])

    assert awards.lapse_unpaid_bids(today=DUE + dt.timedelta(days=1)) == 1

    lapsed.refresh_from_db()
    assert lapsed.state == AwardState.LAPSED
    assert Charge.objects.get(pk=lapsed.bid_charge_id).status == "cancelled"
    promoted = bid_award(placed[1])
    assert (promoted.state, promoted.promoted_from, promoted.rank) == (
        AwardState.PENDING_PAYMENT,
        lapsed,
        lapsed.rank,
    )
    assert (promoted.money_before, promoted.amount_used) == (D("100000.00"), D("61538.46"))
    assert promoted.payment_due == dt.date(2026, 3, 18)  # 3 business days after Sat 14/03
    assert promoted.bid_charge_id is not None
    assert {b: Bid.objects.get(pk=placed[b].pk).status for b in (1, 3, 5)} == {
        1: BidStatus.WON,
        3: BidStatus.LAPSED,
        5: BidStatus.RESERVE,
    }
    assert list(ResultEvent.objects.values_list("kind", flat=True).order_by("pk")) == [
        ResultEventKind.BID_LAPSED,
        ResultEventKind.RESERVE_PROMOTED,
    ]
    assert [e["promoted_award_id"] for e in events("draws.award.lapsed")] == [promoted.pk]
    # The results themselves are never recomputed.
    assert AssemblyResult.objects.values().get(assembly=assembly) == result_before


def test_a_reserve_the_money_before_the_lapsed_award_cannot_cover_does_not_win(staff):
    # 170,000: the draw leaves 70,000; bid 3 (45%) uses 61,538.46. Reserve 5 (30%) would use
    # 100,000 - 25,641.03 = 74,358.97 > the 70,000 that stood before the lapsed award.
    _assembly, placed = computed(staff, "170000.00", [(3, "0.45", "free"), (5, "0.30", "free")])

    promoted = awards.lapse_award(award=bid_award(placed[3]), today=DUE + dt.timedelta(days=1))

    assert promoted is None
    assert not Award.objects.filter(bid=placed[5]).exists()
    event = ResultEvent.objects.get(kind=ResultEventKind.RESERVE_NOT_COVERED)
    assert (event.bid_id, event.details["money_before"]) == (placed[5].pk, "70000.00")
    assert Bid.objects.get(pk=placed[5].pk).status == BidStatus.LOST


def test_a_wholly_embedded_winning_bid_needs_no_payment_and_is_confirmed_at_once(staff):
    _assembly, placed = computed(
        staff,
        "200000.00",
        [(3, "0.30", "embedded")],
        embedded_bid_allowed=True,
        embedded_bid_max_fraction=D("0.30"),
    )

    award = bid_award(placed[3])

    assert (award.kind, award.state, award.bid_charge_id) == (
        AwardKind.BID,
        AwardState.CONFIRMED,
        None,
    )
    assert QuotaVersion.objects.get(pk=award.quota_version_id).status == "awarded"


def test_a_quota_whose_winning_bid_awaits_payment_stands_as_already_drawn(staff):
    assembly, placed = computed(staff, "200000.00", [(3, "0.45", "free")])
    assert bid_award(placed[3]).state == AwardState.PENDING_PAYMENT

    standing = {row.number: row.standing for row in assemblies.draw_standings(assembly)}

    # Not yet "awarded" in groups (that waits for the payment), yet never drawn or bid again.
    assert QuotaVersion.objects.get(pk=placed[3].quota_version_id).status == "active"
    assert standing[3] is Standing.ALREADY_DRAWN
    assert standing[4] is Standing.ELIGIBLE


def test_a_cancelled_award_has_its_credit_posting_reversed_and_is_recorded(staff):
    assembly, _ = computed(staff, "200000.00", [])
    drawn = Award.objects.get(assembly=assembly, kind=AwardKind.DRAW)
    payable_before = account_balances(group_id=assembly.group_id)["credit_payable"]

    cancelled = awards.cancel_award(award=drawn, actor=staff, reason="Decisão judicial")

    assert (cancelled.state, cancelled.end_reason) == (AwardState.CANCELLED, "Decisão judicial")
    # The holder is no longer contemplated (groups): active again, drawable later.
    assert QuotaVersion.objects.get(pk=drawn.quota_version_id).status == "active"
    assert payable_before == D("100000.00")
    assert account_balances(group_id=assembly.group_id)["credit_payable"] == D("0.00")
    event = ResultEvent.objects.get(kind=ResultEventKind.AWARD_CANCELLED)
    assert (event.award, event.actor) == (cancelled, staff)
    with pytest.raises(awards.AwardNotCancellable):
        awards.cancel_award(award=drawn, actor=staff, reason="De novo")
