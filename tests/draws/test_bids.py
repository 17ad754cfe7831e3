"""Bids (A8): placed while bidding is open by eligible quotas, one live per quota version,
replaceable, converted from installments, typed by the group's rules, sealed until the close,
refused after it, each with a receipt over its canonical form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.draws import selectors
from apps.draws.models import Bid, BidExpression, BidKind, BidStatus
from apps.draws.selectors import BidsSealed
from apps.draws.services import bids
from apps.draws.services.bids import (
    BiddingClosed,
    BiddingNotOpen,
    BidIdempotencyConflict,
    BidInvalid,
    BidKindNotAllowed,
    BidQuotaNotEligible,
)
from tests.accounts.factories import UserFactory
from tests.draws.assembly_support import (
    BIDDING,
    close,
    eligible_holders,
    fresh_group,
    march_assembly,
    open_assembly,
)
from tests.finance.delinquency_support import holder

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff(db):
    return UserFactory()


@pytest.fixture
def group(staff):
    group = fresh_group(staff, fixed_bid_allowed=True, fixed_bid_fraction=D("0.25"))
    eligible_holders(group, [1, 2, 3])
    return group


@pytest.fixture
def assembly(group):
    return open_assembly(group)


def quota(group, number):
    return group.quotas.get(number=number)


def place(assembly, group, number, staff, **kwargs):
    kwargs.setdefault("kind", BidKind.FREE)
    return bids.place_bid(
        assembly=assembly, quota=quota(group, number), actor=staff, now=BIDDING, **kwargs
    )


def test_a_free_bid_in_percent_is_live_with_a_receipt_over_its_canonical_form(
    assembly, group, staff
):
    bid = place(assembly, group, 1, staff, fraction=D("0.45"))

    assert (bid.status, bid.kind, bid.expressed_as) == (
        BidStatus.LIVE,
        BidKind.FREE,
        BidExpression.PERCENT,
    )
    assert (bid.fraction, bid.cash_fraction, bid.embedded_fraction) == (D("0.45"), D("0.45"), 0)
    assert bid.receipt == hashlib.sha256(bid.canonical.encode()).hexdigest()
    assert bids.receipt_matches(bid)
    form = json.loads(bid.canonical)
    assert (form["quota"], form["fraction"], form["kind"]) == (1, "0.4500000000", "free")
    assert len(form["nonce"]) == 32  # the published receipt reveals nothing of the amount
    assert bid.created_by == staff


def test_a_bid_in_installments_converts_with_the_plan_s_installment_fraction(
    assembly, group, staff
):
    # Part B §4.1: 38 installments of 1.17% = 44.46% of the credit.
    bid = place(assembly, group, 1, staff, installments=38)

    assert bid.expressed_as == BidExpression.INSTALLMENTS
    assert (bid.installments, bid.installment_fraction) == (D("38"), D("0.0117"))
    assert bid.fraction == D("0.4446")


def test_a_new_bid_replaces_the_live_one(assembly, group, staff):
    first = place(assembly, group, 1, staff, fraction=D("0.30"))

    second = place(assembly, group, 1, staff, fraction=D("0.35"))

    first.refresh_from_db()
    assert first.status == BidStatus.REPLACED
    assert (second.status, second.replaces) == (BidStatus.LIVE, first)
    assert Bid.objects.filter(assembly=assembly, status=BidStatus.LIVE).count() == 1
    assert selectors.quota_live_bid(assembly, quota(group, 1)) == second


def test_a_quota_that_is_not_eligible_cannot_bid_and_nothing_is_stored(assembly, group, staff):
    holder(group, 4, sold_on=dt.date(2026, 3, 10))  # sold after the cut-off

    for number in (4, 5):  # 5 has no holder
        with pytest.raises(BidQuotaNotEligible) as refused:
            place(assembly, group, number, staff, fraction=D("0.3"))
        assert refused.value.code == "bid_quota_not_eligible"

    assert not Bid.objects.exists()


def test_the_group_decides_which_kinds_are_allowed(assembly, group, staff):
    with pytest.raises(BidKindNotAllowed):
        place(assembly, group, 1, staff, kind=BidKind.EMBEDDED, fraction=D("0.3"))

    assert not Bid.objects.exists()


def test_a_fixed_bid_is_at_the_group_s_fixed_percent(assembly, group, staff):
    bid = place(assembly, group, 2, staff, kind=BidKind.FIXED)

    assert bid.fraction == D("0.25")
    with pytest.raises(BidInvalid) as refused:
        place(assembly, group, 3, staff, kind=BidKind.FIXED, fraction=D("0.30"))
    assert refused.value.extra["errors"]["fraction"]


def test_an_embedded_bid_uses_the_credit_up_to_the_group_s_maximum_and_pays_the_rest(staff):
    group = fresh_group(staff, embedded_bid_allowed=True, embedded_bid_max_fraction=D("0.30"))
    eligible_holders(group, [1, 2])
    assembly = open_assembly(group)

    bid = place(assembly, group, 1, staff, kind=BidKind.EMBEDDED, fraction=D("0.45"))

    assert (bid.fraction, bid.embedded_fraction, bid.cash_fraction) == (
        D("0.45"),
        D("0.30"),
        D("0.15"),
    )
    with pytest.raises(BidInvalid):
        place(
            assembly,
            group,
            2,
            staff,
            kind=BidKind.EMBEDDED,
            fraction=D("0.45"),
            embedded_fraction=D("0.35"),
        )


@pytest.mark.parametrize("fraction", [D("0"), D("-0.1"), D("1.01")])
def test_a_bid_outside_0_to_100_percent_is_refused(assembly, group, staff, fraction):
    with pytest.raises(BidInvalid):
        place(assembly, group, 1, staff, fraction=fraction)


def test_bids_are_refused_after_the_close_with_bidding_closed(assembly, group, staff):
    live = place(assembly, group, 1, staff, fraction=D("0.3"))
    too_late = assembly.bid_closes_at + dt.timedelta(seconds=1)

    with pytest.raises(BiddingClosed) as by_clock:
        bids.place_bid(
            assembly=assembly,
            quota=quota(group, 2),
            kind="free",
            fraction=D("0.3"),
            actor=staff,
            now=too_late,
        )
    close(assembly)
    with pytest.raises(BiddingClosed) as by_state:
        place(assembly, group, 1, staff, fraction=D("0.5"))

    assert by_clock.value.code == by_state.value.code == "bidding_closed"
    assert by_state.value.status == 409
    assert list(Bid.objects.values_list("pk", "status", "fraction")) == [
        (live.pk, BidStatus.LIVE, D("0.3"))
    ]


def test_bids_wait_for_bidding_to_open(group, staff):
    assembly = march_assembly(group)

    with pytest.raises(BiddingNotOpen):
        place(assembly, group, 1, staff, fraction=D("0.3"))


def test_an_idempotency_key_replays_the_first_bid_and_refuses_another_body(assembly, group, staff):
    first = place(assembly, group, 1, staff, fraction=D("0.3"), idempotency_key="k-1")

    again = place(assembly, group, 1, staff, fraction=D("0.3"), idempotency_key="k-1")
    with pytest.raises(BidIdempotencyConflict):
        place(assembly, group, 1, staff, fraction=D("0.4"), idempotency_key="k-1")

    assert again == first
    assert Bid.objects.count() == 1


def test_bids_are_sealed_until_the_close_for_everyone(assembly, group, staff):
    place(assembly, group, 1, staff, fraction=D("0.3"))
    place(assembly, group, 2, staff, fraction=D("0.4"))

    with pytest.raises(BidsSealed) as sealed:
        selectors.sealed_bids(assembly)
    assert sealed.value.code == "bids_sealed"
    assert selectors.bid_count(assembly) == 2  # a count reveals no amount

    close(assembly)

    assert [b.quota.number for b in selectors.sealed_bids(assembly)] == [1, 2]


def test_a_bid_can_be_withdrawn_before_the_close(assembly, group, staff):
    bid = place(assembly, group, 1, staff, fraction=D("0.3"))

    bids.withdraw_bid(bid=bid, actor=staff, now=BIDDING)

    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN
    assert selectors.quota_live_bid(assembly, quota(group, 1)) is None


def test_the_receipt_finds_the_bid(assembly, group, staff):
    bid = place(assembly, group, 3, staff, fraction=D("0.3"))

    assert selectors.bid_by_receipt(bid.receipt.upper()) == bid
    assert timezone.is_aware(bid.created_at)


def test_the_admin_does_not_list_sealed_bids_even_to_a_superuser(
    assembly, group, staff, admin_client
):
    bid = place(assembly, group, 1, staff, fraction=D("0.3"))

    sealed = admin_client.get("/admin/draws/bid/")
    close(assembly)
    opened = admin_client.get("/admin/draws/bid/")

    assert sealed.status_code == opened.status_code == 200
    assert bid.receipt not in sealed.content.decode()
    assert bid.receipt in opened.content.decode()
