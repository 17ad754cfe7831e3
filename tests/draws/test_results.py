"""Computing an assembly's results through the real services (issue 12 items 2-5): the
worked draw examples of DOMAIN.md §3.3, the awards they make, the refusal to compute twice and
the stored inputs that re-derive the result."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.draws import selectors
from apps.draws.models import (
    AssemblyResult,
    AssemblyState,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidStatus,
)
from apps.draws.services import assemblies, bids, results
from apps.draws.services.assemblies import AssemblyExtractionRequired, AssemblyInvalidTransition
from apps.draws.services.results import ResultsAlreadyComputed, ResultsNotComputed
from apps.finance.models import ExclusionProposal
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.services import delinquency, exclusions
from apps.groups.models import QuotaVersion
from tests.accounts.factories import UserFactory
from tests.draws.assembly_support import (
    BIDDING,
    close,
    draws_group,
    eligible_holders,
    fresh_group,
    holders,
    open_assembly,
    ready_assembly,
    record_prizes,
    seed_fund,
)
from tests.finance.delinquency_support import DUE, bill, events, holder, pay
from tools import verify_draw

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff(db):
    return UserFactory()


def aware(year, month, day):
    return timezone.make_aware(dt.datetime(year, month, day, 9, 0))


def place(assembly, group, number, staff, fraction):
    return bids.place_bid(
        assembly=assembly,
        quota=group.quotas.get(number=number),
        kind="free",
        fraction=D(fraction),
        actor=staff,
        now=BIDDING,
    )


def test_worked_example_3_method_a_key_102_passes_drawn_102_and_defaulting_103_to_101(
    staff, django_capture_on_commit_callbacks
):
    group = draws_group(staff, max_quotas=500)
    versions = holders(
        group, django_capture_on_commit_callbacks, eligible=[101], in_default=[103], awarded=[102]
    )
    seed_fund(group, "150000.00")
    assembly = ready_assembly(group)

    result = results.compute_results(assembly=assembly, actor=staff)

    outcome = result.outcome
    assert outcome["key"] == 102
    (draw,) = outcome["draws"]
    assert [(a["quota"], a["outcome"]) for a in draw["attempts"]] == [
        (102, "already_drawn"),
        (103, "in_default"),
        (101, "won"),
    ]
    assert draw["winner"] == 101
    assert "48602 ÷ 500 = 97.204000" in outcome["derivation_text"][0]
    award = Award.objects.get(assembly=assembly)
    assert (award.kind, award.state, award.quota.number) == (
        AwardKind.DRAW,
        AwardState.CONFIRMED,
        101,
    )
    assert award.credit_value == D("100000.00")
    assert QuotaVersion.objects.get(pk=versions[101].pk).status == "awarded"
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.RESULTS_COMPUTED
    assert ledger_selectors.account_balances(group_id=group.pk)["credit_payable"] == D("100000.00")


def test_magalu_s_example_prize_20282_with_600_quotas_draws_482(staff):
    group = fresh_group(staff, max_quotas=600)
    eligible_holders(group, [481, 482, 483])
    seed_fund(group, "100000.00")
    assembly = ready_assembly(group, ("20282", "57310", "04461", "91005", "13579"))

    outcome = results.compute_results(assembly=assembly).outcome

    assert outcome["key"] == 482
    assert outcome["derivation"]["fraction_times_count"] == "481.999800"
    assert outcome["draws"][0]["winner"] == 482


def test_method_c_discards_602_and_927_and_draws_187(staff):
    group = fresh_group(staff, max_quotas=500, draw_method="C")
    eligible_holders(group, [187, 300])
    seed_fund(group, "100000.00")

    outcome = results.compute_results(assembly=ready_assembly(group)).outcome

    (draw,) = outcome["draws"]
    assert [(a["quota"], a["outcome"]) for a in draw["attempts"]] == [
        (602, "out_of_range"),
        (927, "out_of_range"),
        (187, "won"),
    ]
    assert outcome["awards"][0]["quota"] == 187


def test_method_b_takes_486_from_the_first_prize_s_windows(staff):
    group = fresh_group(staff, max_quotas=500, draw_method="B")
    eligible_holders(group, [486])
    seed_fund(group, "100000.00")

    outcome = results.compute_results(assembly=ready_assembly(group)).outcome

    attempts = outcome["draws"][0]["attempts"]
    assert [(a["quota"], a["outcome"]) for a in attempts] == [
        (602, "out_of_range"),
        (860, "out_of_range"),
        (486, "won"),
    ]


def test_computing_twice_is_refused_and_changes_nothing(staff):
    group = fresh_group(staff)
    eligible_holders(group, [2, 5])
    seed_fund(group, "100000.00")
    assembly = ready_assembly(group)
    first = results.compute_results(assembly=assembly)

    with pytest.raises(ResultsAlreadyComputed) as refused:
        results.compute_results(assembly=assembly)

    assert refused.value.code == "results_already_computed"
    assert AssemblyResult.objects.get() == first
    assert Award.objects.count() == 1


def test_results_need_the_close_and_the_extraction(staff):
    group = fresh_group(staff)
    assembly = open_assembly(group)
    with pytest.raises(AssemblyInvalidTransition):
        results.compute_results(assembly=assembly)
    closed = close(assembly)
    with pytest.raises(AssemblyExtractionRequired):
        results.compute_results(assembly=closed)
    assert not AssemblyResult.objects.exists()


def test_recomputing_from_the_stored_inputs_gives_the_stored_result(staff):
    group = fresh_group(staff)
    eligible_holders(group, [1, 2, 3, 4, 5])
    seed_fund(group, "250000.00")
    assembly = open_assembly(group)
    for number, fraction in ((1, "0.45"), (3, "0.38"), (4, "0.45")):
        place(assembly, group, number, staff, fraction)
    assembly = record_prizes(close(assembly))

    result = results.compute_results(assembly=assembly)
    stored = AssemblyResult.objects.get(pk=result.pk)

    assert results.recompute_from_inputs(stored.inputs) == stored.outcome
    assert results.verify_result(stored)
    assert stored.inputs_sha256 == results.inputs_digest(stored.inputs)


def test_draw_then_bids_in_rank_order_while_the_money_lasts_the_rest_are_reserves(staff):
    # C = 100,000; 200,000 available: the draw uses 100,000; the 45% bids use
    # 100,000 - 38,461.54 = 61,538.46 each: the first fits (38,461.54 left), the second not.
    group = fresh_group(staff)
    eligible_holders(group, [1, 2, 3, 4, 5, 6])
    seed_fund(group, "200000.00")
    assembly = open_assembly(group)
    bids_by_quota = {
        number: place(assembly, group, number, staff, fraction)
        for number, fraction in ((1, "0.45"), (3, "0.45"), (5, "0.30"), (2, "0.50"))
    }
    assembly = record_prizes(close(assembly))  # key 48602 mod 12 = 2

    result = results.compute_results(assembly=assembly)

    outcome = result.outcome
    assert outcome["key"] == 2
    assert outcome["draws"][0]["winner"] == 2  # its own 50% bid no longer competes
    ranking = [(r["quota"], r["outcome"], r.get("rank")) for r in outcome["ranking"]]
    # Tie at 45%: the search from key 2 reaches 3 (key+1) before 1 (key-1).
    assert ranking == [(3, "won", 1), (1, "reserve", 2), (5, "reserve", 3), (2, "lost", None)]
    awards = list(selectors.assembly_awards(assembly))
    assert [(a.kind, a.quota.number, a.state) for a in awards] == [
        (AwardKind.DRAW, 2, AwardState.CONFIRMED),
        (AwardKind.BID, 3, AwardState.PENDING_PAYMENT),
    ]
    bid_award = awards[1]
    assert bid_award.amount_used == D("61538.46")
    assert (bid_award.money_before, bid_award.money_after) == (D("100000.00"), D("38461.54"))
    assert bid_award.payment_due == dt.date(2026, 3, 13)  # 3 business days after 10/03
    assert bid_award.bid_charge_id is not None
    assert (result.money_available, result.carry_over) == (D("200000.00"), D("38461.54"))
    statuses = {n: Bid.objects.get(pk=b.pk).status for n, b in bids_by_quota.items()}
    assert statuses == {
        1: BidStatus.RESERVE,
        2: BidStatus.LOST,
        3: BidStatus.WON,
        5: BidStatus.RESERVE,
    }
    assert [e["bid_id"] for e in events("draws.bid.won")] == [bids_by_quota[3].pk]


def test_without_money_for_a_credit_nothing_is_drawn_and_everything_carries_over(staff):
    group = fresh_group(staff)
    eligible_holders(group, [1, 2])
    seed_fund(group, "50000.00")
    assembly = ready_assembly(group)

    result = results.compute_results(assembly=assembly)

    assembly.refresh_from_db()
    assert assembly.had_no_funds
    assert result.outcome["draws"] == []
    assert result.carry_over == D("50000.00")
    assert not Award.objects.exists()


def test_publishing_the_results_publishes_the_event(staff):
    group = fresh_group(staff)
    assembly = ready_assembly(group)
    with pytest.raises(ResultsNotComputed):
        results.publish_results(assembly=assembly)
    results.compute_results(assembly=assembly)

    published = results.publish_results(assembly=assembly, actor=staff)

    assert published.state == AssemblyState.RESULTS_PUBLISHED
    assert [e["assembly_id"] for e in events("draws.assembly.results_published")] == [assembly.pk]


def test_a_verifiable_draw_is_checked_by_the_standard_library_script(staff):
    group = fresh_group(staff, electronic_draw_allowed=True)
    eligible_holders(group, [1, 4, 7, 10])
    seed_fund(group, "100000.00")
    assembly = close(open_assembly(group))
    assembly = record_prizes(
        assembly, ("20282", "57310", "04461", "91005", "13579"), drawn_on=dt.date(2026, 3, 11)
    )

    result = results.compute_results(assembly=assembly)

    document = result.outcome["verifiable"]
    assert document["snapshot"]["eligible"] == [1, 4, 7, 10]
    checks = verify_draw.verify(json.loads(json.dumps(document)))
    assert all(passed for _, passed, _ in checks), checks
    assert Award.objects.get().quota.number == document["winners"][0]


def test_the_excluded_quota_draw_uses_the_same_key_and_refunds_what_it_amortized(
    staff, django_capture_on_commit_callbacks
):
    # Quota 8 paid January only and was excluded when April's due date passed unpaid (third
    # in a row); the May assembly (11/05/2026, key 48602 mod 12 = 2) draws 2 among the active
    # quotas and 8 among the excluded ones, refunding its 1% of common fund (A10).
    group = draws_group(staff)
    for number in (2, 3, 8):
        holder(group, number)
    charges = {
        month: bill(group, month, django_capture_on_commit_callbacks) for month in (1, 2, 3, 4)
    }
    for month, by_number in charges.items():
        for number in (2, 3) if month > 1 else (2, 3, 8):
            pay(by_number[number], DUE[month])
    delinquency.mark_delinquency(as_of=dt.date(2026, 4, 13), group=group)
    proposal = ExclusionProposal.objects.get(quota_version__quota__number=8, state="proposed")
    exclusions.confirm_exclusion(proposal=proposal, actor=staff, on=dt.date(2026, 4, 13))
    # groups' exclude_quota stamps the wall clock; the story happens in April 2026.
    QuotaVersion.objects.filter(pk=proposal.quota_version_id).update(ended_at=aware(2026, 4, 13))
    seed_fund(group, "100000.00")
    (assembly,) = assemblies.generate_assemblies(group=group, start=dt.date(2026, 5, 1), count=1)
    assemblies.open_bidding(assembly=assembly, now=aware(2026, 5, 4))
    assemblies.close_bidding(assembly=assembly, now=aware(2026, 5, 11))
    assembly = record_prizes(assembly, drawn_on=dt.date(2026, 5, 9))

    result = results.compute_results(assembly=assembly)

    (excluded,) = result.outcome["excluded_draws"]
    assert excluded["key"] == 2
    assert excluded["winner"] == {"number": 8, "version": 1}
    quote = result.inputs["refund_quotes"][str(proposal.quota_version_id)]
    assert (quote["common_fund_fraction"], quote["amount"]) == ("0.0100000000", "1000.00")
    awards = list(selectors.assembly_awards(assembly))
    assert [(a.kind, a.quota.number, a.amount_used) for a in awards] == [
        (AwardKind.DRAW, 2, D("100000.00")),
        (AwardKind.EXCLUDED_REFUND, 8, D("1000.00")),
    ]
    assert awards[1].ledger_transaction_id is not None
    assert result.carry_over == result.money_available - D("101000.00")


def test_a_winning_bid_above_the_balance_its_quota_still_owes_loses_to_the_next(staff):
    group = fresh_group(staff)
    eligible_holders(group, [1, 4, 5])  # key 2: quota 1 is drawn
    seed_fund(group, "200000.00")
    assembly = open_assembly(group)
    first = place(assembly, group, 4, staff, "0.45")
    second = place(assembly, group, 5, staff, "0.30")
    result = results.compute_results(assembly=record_prizes(close(assembly)))
    # The winner's balance was checked and stored with the inputs (it owes 117%).
    assert result.inputs["bid_balances"] == {str(first.pk): "1.1700000000"}

    inputs = json.loads(json.dumps(result.inputs))
    inputs["bid_balances"][str(first.pk)] = "0.40"  # had it owed only 40%…
    outcome = results.recompute_from_inputs(inputs)

    ranking = {r["bid_id"]: (r["outcome"], r["reason"]) for r in outcome["ranking"]}
    assert ranking[first.pk] == ("lost", "lance supera o saldo a vencer")
    assert ranking[second.pk] == ("won", "contemplado")
