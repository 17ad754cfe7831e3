"""Properties of the assembly results (issue 12 §8), over random groups, delinquency and bids.

- no quota version ever holds two live awards (also across assemblies, lapsed bids and
  reserve promotions);
- no ineligible quota is awarded (in default, already awarded, excluded, vacant);
- the money used by the awards never exceeds the money available;
- results are a pure function of the recorded inputs: recomputing from the stored inputs
  gives the stored result.

The pure functions (award count, draws, tie-breaks) take many examples; the database
properties build a small group per example and take few.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.draws.services.award_count import Stage, count_awards
from apps.draws.services.draw_methods import (
    DrawMethod,
    ExcludedQuota,
    SearchDirection,
    SkipReason,
    Standing,
    draw_excluded,
    draw_quota,
    neighbour_order,
    search_from_key,
    tie_break_order,
)
from tests.draws.results_support import KINDS, Plan

CENT = Decimal("0.01")

# --- Strategies ------------------------------------------------------------------------------

reais = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
credits = st.decimals(min_value=1, max_value=1_000_000, places=2, allow_nan=False)
prizes = st.tuples(*[st.integers(0, 99_999).map(lambda n: f"{n:05d}")] * 5)
directions = st.sampled_from(list(SearchDirection))
methods = st.sampled_from(list(DrawMethod))
STANDINGS = list(Standing)


@st.composite
def standings_of(draw: st.DrawFn, max_quotas: int = 60) -> tuple[int, dict[int, Standing]]:
    """Q and a standing per quota number (absent numbers are vacant)."""
    quota_count = draw(st.integers(1, max_quotas))
    numbers = draw(st.sets(st.integers(1, quota_count), max_size=quota_count))
    standings = {number: draw(st.sampled_from(STANDINGS)) for number in sorted(numbers)}
    return quota_count, standings


# --- The award count (A7) --------------------------------------------------------------------


def reference_count(
    available: Decimal,
    credit: Decimal,
    draws: list[str],
    refunds: list[tuple[str, Decimal]],
    bids: list[tuple[str, Decimal]],
) -> list[tuple[str, Decimal]]:
    """A7 read literally: each stage in turn, stopping a stage at its first award that does not
    fit; a bid fits while money + its common-fund part covers the credit."""
    money, awarded = available, []
    for stage in (
        [(ref, credit) for ref in draws],
        refunds,
        [(ref, credit - part) for ref, part in bids],
    ):
        for ref, uses in stage:
            uses = max(uses, Decimal("0.00"))
            if money < uses:
                break
            awarded.append((ref, uses))
            money -= uses
    return awarded


@given(
    available=reais,
    credit=credits,
    draws=st.integers(0, 3),
    refunds=st.lists(reais, max_size=3),
    bids=st.lists(reais, max_size=8),
)
def test_the_awards_never_use_more_money_than_is_available(available, credit, draws, refunds, bids):
    draw_refs = [f"draw:{n}" for n in range(draws)]
    refund_items = [(f"refund:{n}", amount) for n, amount in enumerate(refunds)]
    bid_items = [(f"bid:{n}", part) for n, part in enumerate(bids)]

    count = count_awards(
        available=available,
        credit_value=credit,
        draw_winners=draw_refs,
        refunds=refund_items,
        bids=bid_items,
    )

    used = sum((award.uses for award in count.awards), Decimal("0.00"))
    assert used <= available
    assert count.carry_over == available - used >= 0
    assert count.used == used
    money = available
    for award in count.awards:  # each award checked against the money as it then stood
        assert award.money_before == money >= award.uses >= 0
        assert award.money_after == award.money_before - award.uses
        money = award.money_after
    assert [(a.ref, a.uses) for a in count.awards] == reference_count(
        available, credit, draw_refs, refund_items, bid_items
    )
    # Stages come in order: draws, then refunds, then bids.
    order = [Stage.DRAW, Stage.EXCLUDED_REFUND, Stage.BID]
    stages = [order.index(award.stage) for award in count.awards]
    assert stages == sorted(stages)
    for skipped in count.skipped:  # a stage stops only at an award that really did not fit
        assert skipped.uses > skipped.money


@given(available=reais, credit=credits, parts=st.lists(reais, min_size=1, max_size=8))
def test_a_bid_wins_only_while_the_money_and_its_common_fund_part_cover_the_credit(
    available, credit, parts
):
    parts = sorted(parts, reverse=True)  # the ranking: larger bids first
    count = count_awards(
        available=available,
        credit_value=credit,
        draw_winners=[],
        refunds=[],
        bids=[(f"bid:{n}", part) for n, part in enumerate(parts)],
    )

    money = available
    for award, part in zip(count.awards, parts, strict=False):
        assert money + part >= credit or award.uses == 0
        money -= award.uses
    won = len(count.awards)
    if won < len(parts):  # the first bid that lost did not fit, and none after it won
        assert money + parts[won] < credit
        assert count.skipped[-1].ref == f"bid:{won}"


# --- Draws (A6): only eligible quotas, never twice ------------------------------------------


@given(
    board=standings_of(),
    method=methods,
    prizes=prizes,
    direction=directions,
    draws=st.integers(1, 4),
)
def test_draws_award_only_eligible_quotas_and_never_the_same_quota_twice(
    board, method, prizes, direction, draws
):
    quota_count, standings = board
    taken: list[int] = []
    for _ in range(draws):  # several planned draws in one assembly
        result = draw_quota(
            method=method,
            prizes=prizes,
            quota_count=quota_count,
            standings=standings,
            direction=direction,
            taken=taken,
        )
        eligible_left = {
            n for n, s in standings.items() if s is Standing.ELIGIBLE and n not in taken
        }
        if result.winner is None:
            assert not eligible_left
            break
        assert result.winner in eligible_left
        # Every quota passed over before the winner had a reason not to win.
        for attempt in result.attempts[:-1]:
            assert attempt.outcome is not SkipReason.WON
            assert attempt.quota not in eligible_left
        searched = [a.quota for a in result.attempts if a.offset is not None]
        assert len(searched) == len(set(searched))  # each quota tried at most once
        taken.append(result.winner)
    assert len(taken) == len(set(taken))


@given(board=standings_of(), key_seed=st.integers(0, 10**6), direction=directions)
def test_the_neighbour_search_reaches_the_nearest_eligible_quota_first(board, key_seed, direction):
    quota_count, standings = board
    key = key_seed % quota_count + 1

    result = search_from_key(key, quota_count=quota_count, standings=standings, direction=direction)

    order = [quota for quota, _ in neighbour_order(key, quota_count, direction)]
    assert sorted(order) == list(range(1, quota_count + 1))
    eligible = [quota for quota in order if standings.get(quota) is Standing.ELIGIBLE]
    assert result.winner == (eligible[0] if eligible else None)
    tied = list(standings)
    assert tie_break_order(tied, key=key, quota_count=quota_count, direction=direction) == [
        quota for quota in order if quota in standings
    ]


@st.composite
def excluded_versions(draw: st.DrawFn) -> tuple[int, list[ExcludedQuota]]:
    quota_count = draw(st.integers(1, 40))
    entries = draw(
        st.lists(
            st.tuples(
                st.integers(1, quota_count),
                st.integers(1, 4),
                st.sampled_from([Standing.ELIGIBLE, Standing.ALREADY_DRAWN, Standing.NOT_ELIGIBLE]),
            ),
            max_size=15,
            unique_by=lambda entry: (entry[0], entry[1]),
        )
    )
    return quota_count, [ExcludedQuota(n, v, s) for n, v, s in entries]


@given(board=excluded_versions(), key_seed=st.integers(0, 10**6), direction=directions)
def test_the_excluded_draw_refunds_an_eligible_excluded_version_the_oldest_first(
    board, key_seed, direction
):
    quota_count, versions = board
    key = key_seed % quota_count + 1
    result = draw_excluded(key=key, quota_count=quota_count, excluded=versions, direction=direction)

    eligible = [v for v in versions if v.standing is Standing.ELIGIBLE]
    if not eligible:
        assert result.winner is None
        return
    assert result.winner in eligible
    order = [quota for quota, _ in neighbour_order(key, quota_count, direction)]
    first_number = min(eligible, key=lambda v: order.index(v.number)).number
    assert result.winner.number == first_number
    assert result.winner.version == min(v.version for v in eligible if v.number == first_number)


# --- Through the database: random groups, delinquency, bids, lapses, a second assembly ------

APRIL = dt.date(2026, 4, 10)  # the group's next assembly (Friday); cut-off Thursday 09/04
APRIL_CUTOFF = dt.date(2026, 4, 9)
# Few examples: each builds a group and computes two assemblies (a second or two each).
DB_EXAMPLES = max(4, hypothesis_settings().max_examples // 20)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """A small group: standings, free and embedded bids of eligible quotas, money, prizes."""
    count = draw(st.integers(3, 10))
    standings = {}
    for number in range(1, count + 1):
        kind = draw(st.sampled_from(("eligible", "eligible", *KINDS, "vacant")))
        if kind != "vacant":
            standings[number] = kind
    eligible = sorted(n for n, kind in standings.items() if kind == "eligible")
    bidders = draw(st.lists(st.sampled_from(eligible), unique=True)) if eligible else []
    bids = {}
    for number in bidders:
        fraction = draw(st.decimals(min_value="0.01", max_value="0.80", places=2))
        embedded = draw(st.sampled_from([Decimal(0), min(fraction, Decimal("0.25"))]))
        bids[number] = (fraction, embedded)
    fund = Decimal(draw(st.sampled_from([0, 60, 100, 180, 260, 400]))) * 1000
    rules = {
        "draws_per_assembly": draw(st.integers(1, 2)),
        "embedded_bid_allowed": True,
        "embedded_bid_max_fraction": Decimal("0.25"),
    }
    return Plan(count, standings, bids, fund, draw(prizes), rules)


def _next_assembly(scenario, actor, *, prizes, fund, bidders, fractions):
    """April's assembly of the same group: holders not in default pay through its cut-off,
    more money arrives, some quotas bid (the service refuses the ineligible ones)."""
    from django.utils import timezone

    from apps.draws.services import assemblies, bids
    from apps.groups.models import Quota
    from tests.draws.assembly_support import seed_fund
    from tests.draws.results_support import _mark_paid_through

    group = scenario.group
    paying = [n for n, kind in scenario.standings.items() if kind != "in_default"]
    _mark_paid_through(group, paying, APRIL_CUTOFF)
    if fund:
        seed_fund(group, fund, key="seed-april")
    (assembly,) = assemblies.generate_assemblies(group=group, start=dt.date(2026, 4, 1), count=1)
    assert assembly.date == APRIL
    opened = timezone.make_aware(dt.datetime(2026, 4, 2, 10, 0))
    assembly = assemblies.open_bidding(assembly=assembly, now=opened)
    for number, fraction in zip(bidders, fractions, strict=False):
        if number not in scenario.standings:
            continue
        with contextlib.suppress(bids.BidQuotaNotEligible):
            bids.place_bid(
                assembly=assembly,
                quota=Quota.objects.get(group=group, number=number),
                kind="free",
                fraction=fraction,
                actor=actor,
                now=opened,
            )
    closed = timezone.make_aware(dt.datetime(2026, 4, 10, 0, 5))
    assembly = assemblies.close_bidding(assembly=assembly, now=closed)
    return assemblies.record_extraction(
        assembly=assembly,
        concurso=5001,
        drawn_on=dt.date(2026, 4, 8),
        prizes=list(prizes),
        actor=None,
        confirm_unusual=True,
        today=APRIL,
    )


def _compute(assembly):
    """Compute through the real service, after reading the inputs it is about to read."""
    from apps.draws.services import results

    before = json.loads(json.dumps(results.gather_inputs(assembly)))
    result = results.compute_results(assembly=assembly)
    # The stored inputs are what was read, and the outcome is a function of them alone.
    assert result.inputs == before
    assert results.verify_result(result)
    stored = json.loads(json.dumps(result.inputs))
    assert results.recompute_from_inputs(stored) == result.outcome
    assert results.recompute_from_inputs(stored) == results.recompute_from_inputs(stored)
    return result


def _pay_bid(award) -> None:
    """The member pays the winning bid's charge on time; finance tells draws (the outbox)."""
    from apps.finance.models import Charge, PaymentSource
    from apps.finance.services import payments
    from consorcio.models.outbox import OutboxDelivery
    from consorcio.outbox import DeliveryOutcome, deliver

    charge = Charge.objects.get(pk=award.bid_charge_id)
    paid_on = dt.date(2026, 3, 12)
    payments.apply_payment(
        charge=charge,
        settlement_id=f"BID-{award.pk}",
        amount=charge.amount,
        paid_on=paid_on,
        credited_on=paid_on,
        source=PaymentSource.BANK_FILE,
    )
    for delivery in OutboxDelivery.objects.filter(
        subscriber__startswith="draws.", status=OutboxDelivery.Status.PENDING
    ).order_by("pk"):
        assert deliver(delivery.pk) is DeliveryOutcome.DELIVERED


def _awarded_standing(result, award) -> str | None:
    """The award's quota's standing in the inputs its result was computed from."""
    from apps.draws.models import AwardKind

    if award.kind == AwardKind.EXCLUDED_REFUND:
        rows = [
            r for r in result.inputs["excluded"] if r["quota_version_id"] == award.quota_version_id
        ]
        return "excluded" if rows and rows[0]["standing"] == "eligible" else None
    rows = [
        r for r in result.inputs["eligibility"] if r["quota_version_id"] == award.quota_version_id
    ]
    return rows[0]["standing"] if rows else None


def _check_awards(scenario, truths: dict[int, dict[int, str]]) -> None:
    """Over every award of the group so far (lapsed, promoted, confirmed included);
    ``truths``: per assembly, each number's standing as the test set it up."""
    from django.db.models import Count, Sum

    from apps.draws.models import LIVE_AWARD_STATES, AssemblyResult, Award, AwardKind

    awards = Award.objects.filter(assembly__group=scenario.group).select_related("quota")
    doubled = (
        awards.filter(state__in=LIVE_AWARD_STATES)
        .values("quota_version")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists(), list(doubled)
    for result in AssemblyResult.objects.filter(assembly__group=scenario.group):
        mine = [a for a in awards if a.assembly_id == result.assembly_id]
        for award in mine:
            wanted = "excluded" if award.kind == AwardKind.EXCLUDED_REFUND else "eligible"
            assert _awarded_standing(result, award) == wanted, award
            truth = truths[result.assembly_id]
            assert truth.get(award.quota.number) == wanted, (award, truth)
            assert 0 <= award.amount_used <= award.money_before
            assert award.money_after == award.money_before - award.amount_used >= 0
        live = Award.objects.filter(assembly_id=result.assembly_id, state__in=LIVE_AWARD_STATES)
        used = live.aggregate(total=Sum("amount_used"))["total"] or Decimal("0.00")
        assert used <= result.money_available
        assert result.money_used <= result.money_available
        assert result.carry_over == result.money_available - result.money_used >= 0


@pytest.mark.slow
@pytest.mark.django_db
@hypothesis_settings(
    max_examples=DB_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # Shrinking rebuilds groups for minutes: report the failing example as drawn.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    plan=plans(),
    lapses=st.integers(0, 2),
    confirm=st.booleans(),
    april_prizes=prizes,
    april_fund=st.sampled_from([Decimal(0), Decimal(100_000), Decimal(250_000)]),
    april_bidders=st.lists(st.integers(1, 10), unique=True, max_size=6),
    april_fractions=st.lists(
        st.decimals(min_value="0.01", max_value="0.80", places=2), min_size=6, max_size=6
    ),
)
def test_results_award_only_eligible_quotas_once_within_the_money_as_a_function_of_inputs(
    plan, lapses, confirm, april_prizes, april_fund, april_bidders, april_fractions
):
    from apps.draws.models import Award, AwardKind, AwardState
    from apps.draws.services import awards
    from tests.accounts.factories import UserFactory
    from tests.draws.results_support import build_scenario, result_violations

    actor = UserFactory()
    scenario = build_scenario(actor, plan=plan)
    _compute(scenario.assembly)
    assert result_violations(scenario) == []
    truths = {scenario.assembly.pk: scenario.standings}
    _check_awards(scenario, truths)

    # After the assembly: some winning bids are paid, the others lapse (a reserve, checked
    # against the money as it stood, may take the award), once or twice.
    pending = Award.objects.filter(assembly=scenario.assembly, state=AwardState.PENDING_PAYMENT)
    if confirm and pending.exists():
        _pay_bid(pending.order_by("rank").first())
    for day in (dt.date(2026, 3, 20), dt.date(2026, 3, 30))[:lapses]:
        awards.lapse_unpaid_bids(today=day)
    _check_awards(scenario, truths)

    # April: who holds a confirmed award (or a live one) is no longer eligible.
    truth = dict(scenario.standings)
    for award in Award.objects.filter(assembly=scenario.assembly).select_related("quota"):
        if award.state in (AwardState.CONFIRMED, AwardState.PENDING_PAYMENT):
            truth[award.quota.number] = (
                "refunded" if award.kind == AwardKind.EXCLUDED_REFUND else "awarded"
            )
    april = _next_assembly(
        scenario,
        actor,
        prizes=april_prizes,
        fund=april_fund,
        bidders=april_bidders,
        fractions=april_fractions,
    )
    truths[april.pk] = truth
    _compute(april)
    _check_awards(scenario, truths)

    from apps.draws.models import ResultEvent, ResultEventKind

    group_awards = Award.objects.filter(assembly__group=scenario.group)
    event(f"awards in March and April: {min(group_awards.count(), 4)}+")
    for kind in (ResultEventKind.BID_LAPSED, ResultEventKind.RESERVE_PROMOTED):
        if ResultEvent.objects.filter(assembly__group=scenario.group, kind=kind).exists():
            event(f"results event: {kind.value}")
    if group_awards.filter(kind=AwardKind.EXCLUDED_REFUND).exists():
        event("an excluded quota refunded")
    if group_awards.filter(assembly=scenario.assembly, state=AwardState.PENDING_PAYMENT).exists():
        event("a winning bid still unpaid at the next assembly")
