"""Money splitting over extreme values: a seeded stream of random splits for the whole budget,
and a Hypothesis run under the ``stress`` profile.

What a user would notice if the guarantees broke: installment parts that do not add up to
the bill, a part off by a cent or more from its share, or the leftover cent going to the
wrong component.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, seed
from hypothesis import strategies as st

from consorcio.money import bill_components, fraction_to_reais, split_exact

pytestmark = pytest.mark.stress

Weight = Decimal | Fraction | int


def random_weight(rng: random.Random, extreme: bool) -> Weight:
    """A weight: small ints and Decimals usually; from 1e-10 to 1e12, Fractions too, if extreme."""
    kind = rng.random()
    if kind < 0.05:
        return 0
    if not extreme:
        return rng.randint(1, 10**4) if kind < 0.5 else Decimal(rng.randint(1, 10**6)).scaleb(-4)
    if kind < 0.4:
        return rng.randint(1, 10**15)
    if kind < 0.7:
        scale = Fraction(10) ** rng.randint(-10, 12)
        return Fraction(rng.randint(1, 10**9), rng.randint(1, 10**9)) * scale
    return Decimal(rng.randint(1, 10 ** rng.randint(1, 18))).scaleb(-rng.randint(0, 10))


def random_split(rng: random.Random) -> tuple[Decimal, list[Weight], int]:
    """A total, its weights and its places: mostly bill-like, one in five extreme.

    Bill-like: 2 places, up to R$ 10 bi, 1-4 parts. Extreme: 0-10 places, totals up to
    10^17 units, up to 60 parts, weights spanning 22 orders of magnitude. One in five splits
    has all weights equal, forcing ties.
    """
    extreme = rng.random() < 0.2
    if extreme:
        places = rng.choice((0, 1, 2, 4, 10))
        units = rng.choice((rng.randint(-(10**17), 10**17), 0, 1, -1, rng.randint(-99, 99)))
        count = rng.choice((1, 2, 3, 7, rng.randint(1, 60)))
    else:
        places = 2
        units = rng.randint(-(10**12), 10**12)
        count = rng.randint(1, 4)
    if rng.random() < 0.2:
        weights: list[Weight] = [random_weight(rng, extreme) or 1] * count
    else:
        weights = [random_weight(rng, extreme) for _ in range(count)]
    if not any(weights):
        weights[rng.randrange(count)] = 1
    return Decimal(units).scaleb(-places), weights, places


def split_violations(total: Decimal, weights: list[Weight], places: int) -> list[str]:
    """Every broken promise of ``split_exact`` for one split (empty when all hold).

    Checked in integers: with the weights scaled to whole numbers ``w`` summing to ``W``, the
    exact share of part i is ``units * w_i / W`` units, its floor ``q_i`` and its remainder
    ``r_i`` (over ``W``). A part is ``q_i`` or, if its remainder is not zero, ``q_i + 1``;
    the parts rounded up are those with the largest remainders, ties to the earlier weight.
    A negative total is the mirror image of the positive one.
    """
    parts = split_exact(total, weights, places=places)
    broken = []
    if sum(parts) != total:
        broken.append("sum")
    if any(part.as_tuple().exponent != -places for part in parts):
        broken.append("places")
    fractions = [Fraction(weight) for weight in weights]
    scale = math.lcm(*(f.denominator for f in fractions))
    whole = [f.numerator * (scale // f.denominator) for f in fractions]
    weight_sum = sum(whole)
    units = abs(int(total.scaleb(places)))
    sign = -1 if total < 0 else 1
    up_ranks, down_ranks = [], []
    for index, (part, weight) in enumerate(zip(parts, whole, strict=True)):
        floor, remainder = divmod(units * weight, weight_sum)
        rounded_up = sign * int(part.scaleb(places)) - floor
        if rounded_up not in (0, 1) or (rounded_up and not remainder):
            broken.append("distance")
        if weight == 0 and part != 0:
            broken.append("zero_weight")
        (up_ranks if rounded_up else down_ranks).append((-remainder, index))
    if up_ranks and down_ranks and max(up_ranks) > min(down_ranks):
        broken.append("largest_remainder")
    return broken


def bill_violations(rng: random.Random) -> list[str]:
    """Broken promises of ``bill_components`` for a random plan (DOMAIN.md A1 shapes)."""
    credit = Decimal(rng.randint(1, 10**11)).scaleb(-2)
    months = rng.randint(1, 240)
    components = [
        ("common_fund", Fraction(1, months)),
        ("reserve_fund", Fraction(rng.randint(0, 500), 100 * 100 * months)),
        ("fee", Fraction(rng.randint(0, 2500), 100 * 100 * months)),
    ]
    bill = bill_components(components, credit)
    total = fraction_to_reais(sum((f for _, f in components), Fraction(0)), credit)
    broken = []
    if list(bill) != [name for name, _ in components]:
        broken.append("bill_names")
    if sum(bill.values()) != total:
        broken.append("bill_sum")
    if any(abs(Fraction(bill[name]) - f * Fraction(credit)) >= 1 for name, f in components):
        broken.append("bill_distance")
    return broken


BATCH = 500
BILL_EVERY = 10  # one random bill per this many splits


def run_stream(seed: str, seconds: float) -> tuple[dict[str, int], list[str]]:
    """One process's share of the campaign: its counts and its first few failures."""
    rng = random.Random(seed)
    counts = {"splits": 0, "bills": 0, "parts": 0, "ties_forced": 0, "zero_totals": 0}
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for step in range(BATCH):
            total, weights, places = random_split(rng)
            broken = split_violations(total, weights, places)
            counts["splits"] += 1
            counts["parts"] += len(weights)
            counts["ties_forced"] += len(weights) > 1 and len(set(weights)) == 1
            counts["zero_totals"] += total == 0
            if step % BILL_EVERY == 0:
                broken += bill_violations(rng)
                counts["bills"] += 1
            for name in broken:
                counts[f"broken_{name}"] = counts.get(f"broken_{name}", 0) + 1
                if len(failures) < 5:
                    failures.append(f"{name}: split_exact({total!r}, {weights!r}, places={places})")
    return counts, failures


def test_a_seeded_stream_of_random_splits_keeps_every_promise_of_the_exact_split(start_campaign):
    campaign = start_campaign("money")
    campaign.declare(
        "processes", "splits", "bills", "parts", "ties_forced", "zero_totals", "violations"
    )
    processes = os.cpu_count() or 1
    campaign.set("processes", processes)
    seeds = [f"{campaign.seed}:money:stream:{index}" for index in range(processes)]
    # Pure arithmetic: one forked process per core, each with a seeded stream of its own.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        results = list(pool.map(run_stream, seeds, [campaign.seconds] * processes))
    failures: list[str] = []
    for counts, found in results:
        for name, value in counts.items():
            campaign.add(name, value)
        failures += found
    campaign.set(
        "violations", sum(v for name, v in campaign.counts.items() if name.startswith("broken_"))
    )
    campaign.report()

    assert campaign["violations"] == 0, f"{failures}; {campaign.replay_hint()}"
    assert campaign["splits"] > 0


EXTREME_CENTS = st.one_of(
    st.integers(min_value=-(10**17), max_value=10**17),
    st.sampled_from([0, 1, -1, 10**17, -(10**17)]),
)
EXTREME_WEIGHT = st.one_of(
    st.just(0),
    st.integers(min_value=1, max_value=10**15),
    st.fractions(min_value=Fraction(1, 10**12), max_value=10**12, max_denominator=10**12),
    st.decimals(min_value=Decimal("1e-10"), max_value=Decimal("1e12"), places=10),
)


def test_extreme_splits_found_by_hypothesis_keep_every_promise(start_campaign):
    campaign = start_campaign("money_hypothesis", timed=False)
    campaign.declare("examples", "violations")

    # The stress profile sets how many examples; the campaign's seed makes them replayable.
    @seed(campaign.seed)
    @given(
        EXTREME_CENTS,
        st.lists(EXTREME_WEIGHT, min_size=1, max_size=80).filter(any),
        st.integers(min_value=0, max_value=10),
    )
    def check(units: int, weights: list[Weight], places: int) -> None:
        campaign.add("examples")
        broken = split_violations(Decimal(units).scaleb(-places), weights, places)
        campaign.add("violations", len(broken))
        assert broken == []

    try:
        check()
    finally:
        campaign.report()
