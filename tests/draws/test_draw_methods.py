"""Draw methods A, B and C, the neighbour search, the excluded-quota draw and bid ties (A6, A8).

The worked examples are DOMAIN.md §3.3 and §4.1 with the document's numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.draws.services.draw_methods import (
    Attempt,
    DrawMethod,
    ExcludedQuota,
    SearchDirection,
    SkipReason,
    Standing,
    derive_key,
    draw_excluded,
    draw_quota,
    neighbour_order,
    search_from_key,
    tie_break_order,
)

EXAMPLE_3 = ("48602", "01927", "82187", "34246", "68744")  # DOMAIN.md §3.3, worked example 3


def all_eligible(quota_count: int, **others: Standing) -> dict[int, Standing]:
    standings = dict.fromkeys(range(1, quota_count + 1), Standing.ELIGIBLE)
    standings.update({int(number[1:]): standing for number, standing in others.items()})
    return standings


# --- Worked examples -----------------------------------------------------------------------


def test_magalu_example_prize_20282_with_600_participants_gives_482() -> None:
    derivation = derive_key(DrawMethod.A, ("020282", None, None, None, None), 600)

    assert derivation.quotient == Decimal("33.803333")
    assert derivation.fraction_times_count == Decimal("481.9998")
    assert derivation.key == 482


def test_example_3_method_a_skips_the_drawn_102_and_the_defaulting_103_and_draws_101() -> None:
    standings = all_eligible(500, q102=Standing.ALREADY_DRAWN, q103=Standing.IN_DEFAULT)

    result = draw_quota(method="A", prizes=EXAMPLE_3, quota_count=500, standings=standings)

    assert result.key == 102
    assert result.derivation is not None
    assert result.derivation.quotient == Decimal("97.204000")
    assert result.attempts == (
        Attempt(102, SkipReason.ALREADY_DRAWN, 0),
        Attempt(103, SkipReason.IN_DEFAULT, 1),
        Attempt(101, SkipReason.WON, -1),
    )
    assert result.winner == 101
    assert result.describe()[-1] == "Cota 101 (chave -1): sorteada."


def test_example_3_method_c_discards_602_and_927_and_draws_187() -> None:
    result = draw_quota(method="C", prizes=EXAMPLE_3, quota_count=500, standings=all_eligible(500))

    assert result.derivation is not None
    assert [c.value for c in result.derivation.candidates] == [602, 927, 187, 246, 744]
    assert result.attempts == (
        Attempt(602, SkipReason.OUT_OF_RANGE),
        Attempt(927, SkipReason.OUT_OF_RANGE),
        Attempt(187, SkipReason.WON),
    )
    assert result.winner == 187


def test_method_c_moves_to_the_next_prize_when_187_is_not_eligible() -> None:
    # A6: "the first eligible candidate wins" (the contract's choice DOMAIN §3.3 leaves open).
    standings = all_eligible(500, q187=Standing.IN_DEFAULT)

    result = draw_quota(method="C", prizes=EXAMPLE_3, quota_count=500, standings=standings)

    assert result.winner == 246
    assert Attempt(187, SkipReason.IN_DEFAULT) in result.attempts


def test_method_c_searches_neighbours_of_the_first_candidate_in_range_when_none_is_eligible() -> (
    None
):
    standings = all_eligible(500, q187=Standing.IN_DEFAULT, q246=Standing.EXCLUDED)

    result = draw_quota(method="C", prizes=EXAMPLE_3, quota_count=500, standings=standings)

    assert result.key == 187
    assert result.attempts[-1] == Attempt(188, SkipReason.WON, 1)
    assert result.winner == 188


def test_example_3_method_b_first_prize_gives_602_860_486_and_draws_486() -> None:
    result = draw_quota(method="B", prizes=EXAMPLE_3, quota_count=500, standings=all_eligible(500))

    assert result.derivation is not None
    windows = [(c.first_digit, c.last_digit, c.digits) for c in result.derivation.candidates[:3]]
    assert windows == [(3, 5, "602"), (2, 4, "860"), (1, 3, "486")]
    assert len(result.derivation.candidates) == 15
    assert result.winner == 486


def test_method_b_uses_two_windows_per_prize_for_groups_up_to_10000() -> None:
    derivation = derive_key("B", EXAMPLE_3, 5000)

    assert derivation.digits == 4
    assert [c.digits for c in derivation.candidates[:4]] == ["8602", "4860", "1927", "0192"]
    assert derivation.key == 4860


def test_a_slice_of_zeros_is_quota_10_to_the_d() -> None:
    derivation = derive_key("C", ("12000", "00001", "00002", "00003", "00004"), 1000)

    assert derivation.candidates[0].value == 1000
    assert derivation.key == 1000


def test_with_no_candidate_in_range_the_search_starts_from_method_a_key() -> None:
    derivation = derive_key("C", EXAMPLE_3, 150)  # 602, 927, 187, 246, 744 all above 150

    assert derivation.fell_back_to_method_a
    assert derivation.key == 48602 % 150 == 2
    assert "método A" in derivation.describe()[-1]


def test_a_remainder_of_zero_is_quota_q() -> None:
    assert derive_key("A", ("48500", None, None, None, None), 500).key == 500


def test_down_first_tries_the_quota_below_before_the_one_above() -> None:
    standings = all_eligible(500, q102=Standing.ALREADY_DRAWN)

    result = draw_quota(
        method="A", prizes=EXAMPLE_3, quota_count=500, standings=standings, direction="down_first"
    )

    assert result.winner == 101
    up = draw_quota(method="A", prizes=EXAMPLE_3, quota_count=500, standings=standings)
    assert up.winner == 103


def test_the_search_wraps_around_from_q_to_1() -> None:
    assert list(neighbour_order(5, 5)) == [(5, 0), (1, 1), (4, -1), (2, 2), (3, -2)]


def test_a_vacant_number_and_a_quota_drawn_earlier_in_the_assembly_are_passed_over() -> None:
    standings = all_eligible(500)
    del standings[102]

    result = draw_quota(
        method="A", prizes=EXAMPLE_3, quota_count=500, standings=standings, taken=[103]
    )

    assert [a.outcome for a in result.attempts] == [
        SkipReason.VACANT,
        SkipReason.DRAWN_THIS_ASSEMBLY,
        SkipReason.WON,
    ]
    assert result.winner == 101


def test_no_eligible_quota_means_no_winner_after_trying_each_once() -> None:
    standings = dict.fromkeys(range(1, 11), Standing.IN_DEFAULT)

    result = search_from_key(4, quota_count=10, standings=standings)

    assert result.winner is None
    assert sorted(a.quota for a in result.attempts) == list(range(1, 11))
    assert result.describe()[-1] == "Nenhuma cota elegível: sem contemplação por sorteio."


def test_the_trace_is_stored_as_json() -> None:
    standings = all_eligible(500, q102=Standing.ALREADY_DRAWN)

    stored = draw_quota(method="A", prizes=EXAMPLE_3, quota_count=500, standings=standings)

    assert stored.as_dict()["attempts"] == [
        {"quota": 102, "outcome": "already_drawn", "offset": 0},
        {"quota": 103, "outcome": "won", "offset": 1},
    ]
    assert stored.as_dict()["derivation"]["quotient"] == "97.204000"


# --- Excluded-quota draw -------------------------------------------------------------------


def test_excluded_draw_uses_the_same_key_and_the_oldest_version_first() -> None:
    # Key 102 (example 3). Number 103 has three excluded versions, the oldest already refunded.
    excluded = [
        ExcludedQuota(101, 1),
        ExcludedQuota(103, 3),
        ExcludedQuota(103, 1, Standing.ALREADY_DRAWN),
        ExcludedQuota(103, 2),
    ]

    first = draw_excluded(key=102, quota_count=500, excluded=excluded)
    second = draw_excluded(key=102, quota_count=500, excluded=excluded, taken=[(103, 2)])

    assert [(a.number, a.version, a.outcome) for a in first.attempts] == [
        (103, 1, SkipReason.ALREADY_DRAWN),
        (103, 2, SkipReason.WON),
    ]
    assert first.winner == ExcludedQuota(103, 2)
    assert second.winner == ExcludedQuota(103, 3)
    below_first = draw_excluded(key=102, quota_count=500, excluded=excluded, direction="down_first")
    assert below_first.winner == ExcludedQuota(101, 1)


def test_excluded_draw_without_excluded_quotas_has_no_winner() -> None:
    result = draw_excluded(key=102, quota_count=500, excluded=[])

    assert result.winner is None
    assert result.describe()[-1].startswith("Nenhuma cota excluída elegível")


# --- Bid ties ------------------------------------------------------------------------------


def test_tie_break_example_key_102_reaches_105_before_97_and_110() -> None:
    # DOMAIN.md §4.1: search order 102, 103, 101, 104, 100, 105 reaches 105 first.
    assert tie_break_order([97, 110, 105], key=102, quota_count=500, direction="up_first") == [
        105,
        97,
        110,
    ]


def test_tie_break_follows_the_groups_search_direction() -> None:
    up = tie_break_order([101, 103], key=102, quota_count=500, direction="up_first")
    down = tie_break_order([101, 103], key=102, quota_count=500, direction="down_first")

    assert (up, down) == ([103, 101], [101, 103])


# --- Properties ----------------------------------------------------------------------------

STANDINGS = st.sampled_from(list(Standing))
DIRECTIONS = st.sampled_from(list(SearchDirection))
PRIZE = st.integers(min_value=0, max_value=99_999).map(lambda n: f"{n:05d}")


@st.composite
def groups(draw: st.DrawFn) -> tuple[int, dict[int, Standing], list[int]]:
    quota_count = draw(st.integers(min_value=1, max_value=300))
    numbers = st.integers(min_value=1, max_value=quota_count)
    standings = draw(st.dictionaries(numbers, STANDINGS, max_size=quota_count))
    taken = draw(st.lists(numbers, max_size=5))
    return quota_count, standings, taken


@given(
    group=groups(),
    method=st.sampled_from(list(DrawMethod)),
    prizes=st.tuples(PRIZE, PRIZE, PRIZE, PRIZE, PRIZE),
    direction=DIRECTIONS,
)
def test_the_winner_is_always_eligible_and_never_already_drawn(
    group: tuple[int, dict[int, Standing], list[int]],
    method: DrawMethod,
    prizes: tuple[str, ...],
    direction: SearchDirection,
) -> None:
    quota_count, standings, taken = group

    result = draw_quota(
        method=method,
        prizes=prizes,
        quota_count=quota_count,
        standings=standings,
        direction=direction,
        taken=taken,
    )

    assert 1 <= result.key <= quota_count
    eligible = {n for n, s in standings.items() if s is Standing.ELIGIBLE} - set(taken)
    if result.winner is None:
        assert not eligible
    else:
        assert result.winner in eligible
        assert result.attempts[-1] == next(a for a in result.attempts if a.outcome == "won")
    tried = [a.quota for a in result.attempts if a.outcome not in ("out_of_range", "already_tried")]
    assert len(tried) == len(set(tried))  # each quota visited at most once
    assert all(1 <= quota <= quota_count for quota in tried)
    assert all(a.outcome != SkipReason.WON for a in result.attempts[:-1])


@given(
    quota_count=st.integers(min_value=1, max_value=2_000),
    data=st.data(),
    direction=DIRECTIONS,
)
def test_the_neighbour_search_visits_every_quota_once_and_ties_follow_it(
    quota_count: int, data: st.DataObject, direction: SearchDirection
) -> None:
    key = data.draw(st.integers(min_value=1, max_value=quota_count))

    order = [quota for quota, _ in neighbour_order(key, quota_count, direction)]

    assert sorted(order) == list(range(1, quota_count + 1))
    tied = data.draw(st.sets(st.integers(min_value=1, max_value=quota_count), max_size=20))
    expected = [quota for quota in order if quota in tied]
    assert tie_break_order(tied, key=key, quota_count=quota_count, direction=direction) == expected


@given(
    quota_count=st.integers(min_value=1, max_value=120_000),
    method=st.sampled_from(list(DrawMethod)),
    prizes=st.tuples(PRIZE, PRIZE, PRIZE, PRIZE, PRIZE),
)
def test_the_key_is_always_a_quota_of_the_group(
    quota_count: int, method: DrawMethod, prizes: tuple[str, ...]
) -> None:
    assert 1 <= derive_key(method, prizes, quota_count).key <= quota_count


@given(
    quota_count=st.integers(min_value=1, max_value=200),
    data=st.data(),
    direction=DIRECTIONS,
)
def test_the_excluded_winner_is_the_oldest_eligible_version_first_reached(
    quota_count: int, data: st.DataObject, direction: SearchDirection
) -> None:
    key = data.draw(st.integers(min_value=1, max_value=quota_count))
    versions = data.draw(
        st.lists(
            st.builds(
                ExcludedQuota,
                st.integers(min_value=1, max_value=quota_count),
                st.integers(min_value=1, max_value=4),
                st.sampled_from([Standing.ELIGIBLE, Standing.ALREADY_DRAWN]),
            ),
            unique_by=lambda v: (v.number, v.version),
            max_size=30,
        )
    )

    result = draw_excluded(key=key, quota_count=quota_count, excluded=versions, direction=direction)

    eligible = [v for v in versions if v.standing is Standing.ELIGIBLE]
    if not eligible:
        assert result.winner is None
        return
    order = [quota for quota, _ in neighbour_order(key, quota_count, direction)]
    first_number = next(n for n in order if any(v.number == n for v in eligible))
    assert result.winner == min(
        (v for v in eligible if v.number == first_number), key=lambda v: v.version
    )


def test_a_standing_outside_the_group_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 10"):
        search_from_key(1, quota_count=10, standings={11: Standing.ELIGIBLE})
