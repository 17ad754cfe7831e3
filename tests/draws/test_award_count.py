"""How many awards the money allows (A7, DOMAIN.md §3.2): the worked example with the
document's numbers, and the stage rules it leaves implicit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.draws.services.award_count import Stage, count_awards

D = Decimal
C = D("100000.00")


def test_worked_example_of_section_3_2_one_draw_one_refund_one_bid_and_26261_54_carried():
    # 190 paid on time (190,000) + carried over 12,000 + yield 800 = 202,800.
    available = D("190000.00") + D("12000.00") + D("800.00")

    count = count_awards(
        available=available,
        credit_value=C,
        draw_winners=["draw-1"],
        refunds=[("refund-1", D("15000.00"))],
        # 45%, 38%, 30% bids; their common-fund parts at 1 : 0.15 : 0.02.
        bids=[("45%", D("38461.54")), ("38%", D("32478.63")), ("30%", D("25641.03"))],
    )

    assert [(a.stage, a.ref) for a in count.awards] == [
        (Stage.DRAW, "draw-1"),
        (Stage.EXCLUDED_REFUND, "refund-1"),
        (Stage.BID, "45%"),
    ]
    draw, refund, bid = count.awards
    assert (draw.money_before, draw.money_after) == (D("202800.00"), D("102800.00"))
    assert (refund.money_before, refund.money_after) == (D("102800.00"), D("87800.00"))
    assert bid.uses == D("61538.46")  # C - 38,461.54
    assert bid.money_after == D("26261.54")
    # 38% does not fit: 26,261.54 + 32,478.63 < 100,000. Stop (30% is never tried).
    assert [(s.stage, s.ref, s.money) for s in count.skipped] == [(Stage.BID, "38%", D("26261.54"))]
    assert count.carry_over == D("26261.54")
    assert count.used == D("176538.46")


def test_a_draw_that_does_not_fit_is_skipped_and_bids_may_still_win():
    # §3.1: a bid may win when the draw could not be held for lack of money.
    count = count_awards(
        available=D("70000.00"),
        credit_value=C,
        draw_winners=[],
        refunds=[],
        bids=[("50%", D("42735.04"))],
    )

    assert count.refs(Stage.BID) == ["50%"]
    assert count.carry_over == D("70000.00") - (C - D("42735.04"))


def test_a_refund_that_does_not_fit_ends_its_stage_and_the_bids_are_tried():
    count = count_awards(
        available=D("110000.00"),
        credit_value=C,
        draw_winners=["d"],
        refunds=[("big", D("20000.00")), ("small", D("1000.00"))],
        bids=[("b", D("95000.00"))],
    )

    assert [a.ref for a in count.awards] == ["d", "b"]
    assert [s.ref for s in count.skipped] == ["big"]
    assert count.carry_over == D("5000.00")


def test_nothing_fits_everything_carries_over():
    count = count_awards(
        available=D("1000.00"),
        credit_value=C,
        draw_winners=[],
        refunds=[("r", D("5000.00"))],
        bids=[("b", D("10.00"))],
    )

    assert count.awards == ()
    assert count.carry_over == D("1000.00")
    assert count.as_dict()["carry_over"] == "1000.00"


def test_negative_money_or_a_zero_credit_is_refused():
    with pytest.raises(ValueError):
        count_awards(available=D("-1"), credit_value=C, draw_winners=[], refunds=[], bids=[])
    with pytest.raises(ValueError):
        count_awards(available=D("1"), credit_value=D("0"), draw_winners=[], refunds=[], bids=[])


def test_reserve_money_pays_only_the_planned_draws_what_they_leave_of_it_carries_over():
    # 90,000 of the fund's own money + 10,000 of reserve usable for the draw (§2.1).
    with_draw = count_awards(
        available=D("100000.00"),
        credit_value=C,
        draw_winners=["d"],
        refunds=[],
        bids=[],
        reserve_for_draws=D("10000.00"),
    )
    # The draw found no eligible quota: the reserve may not pay a bid.
    without_draw = count_awards(
        available=D("100000.00"),
        credit_value=C,
        draw_winners=[],
        refunds=[],
        bids=[("b", D("5000.00"))],  # uses 95,000: fits the 100,000, not the fund's 90,000
        reserve_for_draws=D("10000.00"),
    )

    assert with_draw.refs(Stage.DRAW) == ["d"]
    assert with_draw.carry_over == D("0.00")
    assert without_draw.awards == ()
    assert [(s.ref, s.money) for s in without_draw.skipped] == [("b", D("90000.00"))]
    assert without_draw.carry_over == D("100000.00")
