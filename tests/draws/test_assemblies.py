"""Assemblies: generated from the group's calendar, moved through their state machine, the
verifiable draw's commitment and reveal, and the extraction recorded or fetched (A5, A6)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.draws import selectors
from apps.draws.models import Assembly, AssemblyState, AssemblyTransition, ExtractionSource
from apps.draws.services import assemblies, results, verifiable
from apps.draws.services.assemblies import (
    AssemblyExtractionLocked,
    AssemblyExtractionRequired,
    AssemblyExtractionWrongDate,
    AssemblyInvalidTransition,
)
from apps.draws.services.lottery import Extraction, LotteryPrizesInvalid
from apps.draws.services.lottery_source import FakeLotterySource
from apps.draws.services.results import ResultsAlreadyComputed, ResultsNotComputed
from tests.accounts.factories import UserFactory
from tests.draws.assembly_support import (
    AFTER_CLOSE,
    BIDDING,
    close,
    draws_group,
    march_assembly,
    open_assembly,
    record_prizes,
)
from tests.finance.delinquency_support import holder

pytestmark = pytest.mark.django_db
S = AssemblyState


@pytest.fixture
def staff(db):
    return UserFactory()


@pytest.fixture
def group(staff):
    return draws_group(staff)


def test_assemblies_follow_the_calendar_with_the_group_s_cut_off_and_bid_close(group, staff):
    created = assemblies.generate_assemblies(
        group=group, start=dt.date(2026, 3, 1), count=3, actor=staff
    )

    assert [(a.number, a.date) for a in created] == [
        (1, dt.date(2026, 3, 10)),
        (2, dt.date(2026, 4, 10)),
        (3, dt.date(2026, 5, 11)),  # the 10th is a Sunday: next business day
    ]
    first = created[0]
    assert first.state == S.SCHEDULED
    assert first.eligibility_cutoff == dt.date(2026, 3, 9)
    local = timezone.localtime(first.bid_closes_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 3, 9), 23, 59)


def test_generating_again_skips_dates_that_have_an_assembly(group):
    assemblies.generate_assemblies(group=group, start=dt.date(2026, 3, 1), count=2)

    again = assemblies.generate_assemblies(group=group, start=dt.date(2026, 3, 1), count=3)

    assert [(a.number, a.date) for a in again] == [(3, dt.date(2026, 5, 11))]
    assert Assembly.objects.filter(group=group).count() == 3


def test_the_state_machine_logs_each_change_with_who_did_it(group, staff):
    assembly = march_assembly(group)

    assemblies.open_bidding(assembly=assembly, actor=staff, now=BIDDING)
    assemblies.close_bidding(assembly=assembly, actor=staff, now=AFTER_CLOSE)

    log = list(selectors.assembly_transitions(assembly))
    assert [(t.from_state, t.to_state, t.actor) for t in log] == [
        (S.SCHEDULED, S.BIDDING_OPEN, staff),
        (S.BIDDING_OPEN, S.BIDDING_CLOSED, staff),
    ]
    assembly.refresh_from_db()
    assert assembly.bidding_opened_at == BIDDING
    assert assembly.bidding_closed_at == AFTER_CLOSE


@pytest.mark.parametrize(
    ("walk", "illegal"),
    [
        ([], "close"),
        (["open"], "open"),
        (["open", "close"], "open"),
        (["cancel"], "open"),
    ],
)
def test_an_illegal_transition_is_refused_with_a_stable_code_and_nothing_changes(
    group, staff, walk, illegal
):
    assembly = march_assembly(group)
    actions = {
        "open": lambda: assemblies.open_bidding(assembly=assembly, now=BIDDING),
        "close": lambda: assemblies.close_bidding(assembly=assembly, now=AFTER_CLOSE),
        "cancel": lambda: assemblies.cancel_assembly(
            assembly=assembly, actor=staff, reason="Feriado local"
        ),
    }
    for step in walk:
        actions[step]()
    assembly.refresh_from_db()
    before = (assembly.state, AssemblyTransition.objects.filter(assembly=assembly).count())

    with pytest.raises(AssemblyInvalidTransition) as refused:
        actions[illegal]()

    assert refused.value.code == "assembly_invalid_transition"
    assembly.refresh_from_db()
    assert (assembly.state, AssemblyTransition.objects.filter(assembly=assembly).count()) == before


def test_a_cancelled_assembly_keeps_its_reason(group, staff):
    assembly = assemblies.cancel_assembly(
        assembly=march_assembly(group), actor=staff, reason="Sem quórum"
    )

    assert (assembly.state, assembly.cancel_reason) == (S.CANCELLED, "Sem quórum")
    assert selectors.assembly_transitions(assembly).get().note == "Sem quórum"


def test_a_verifiable_draw_commits_at_opening_and_reveals_seed_and_snapshot_at_close(staff):
    group = draws_group(staff, electronic_draw_allowed=True)
    holder(group, 3)
    holder(group, 9)

    opened = open_assembly(group)

    assert opened.uses_verifiable_draw
    assert len(opened.commitment) == 64
    assert opened.seed_revealed_at is None
    assert verifiable.seed_matches_commitment(opened.seed, opened.commitment)
    assert opened.snapshot_text == ""

    closed = close(opened)

    assert closed.seed_revealed_at == AFTER_CLOSE
    lines = closed.snapshot_text.splitlines()
    assert lines[0] == "consorcio-draw-snapshot/1"
    # Sold 05/01/2026, first installment due 12/01 unpaid: neither is up to date.
    assert lines[3:] == ["direction=up_first", "eligible=", "excluded="]
    assert closed.snapshot_sha256 == hashlib.sha256(closed.snapshot_text.encode()).hexdigest()


def test_a_group_without_the_electronic_draw_publishes_no_commitment(group):
    opened = open_assembly(group)

    assert (opened.uses_verifiable_draw, opened.commitment, opened.seed) == (False, "", "")


def test_the_operator_s_extraction_is_recorded_with_who_and_when(group, staff):
    assembly = close(open_assembly(group))

    recorded = record_prizes(assembly, actor=staff)

    assert recorded.prizes == ("48602", "01927", "82187", "34246", "68744")
    assert (recorded.lottery_concurso, recorded.lottery_drawn_on) == (5000, dt.date(2026, 3, 7))
    assert recorded.lottery_source == ExtractionSource.OPERATOR
    assert recorded.lottery_recorded_by == staff


def test_invalid_prizes_are_refused_field_by_field_and_nothing_is_recorded(group, staff):
    assembly = close(open_assembly(group))

    with pytest.raises(LotteryPrizesInvalid) as refused:
        assemblies.record_extraction(
            assembly=assembly,
            concurso="",
            drawn_on=dt.date(2026, 3, 7),
            prizes=["48602", "abc", "82187", "34246", "68744"],
            actor=staff,
            today=dt.date(2026, 3, 10),
        )

    assert refused.value.extra["error_codes"] == {
        "concurso": ["required"],
        "prize_2": ["invalid_prize"],
    }
    assembly.refresh_from_db()
    assert assembly.lottery_concurso is None


def test_an_extraction_after_the_assembly_is_refused(group):
    assembly = close(open_assembly(group))

    with pytest.raises(AssemblyExtractionWrongDate):
        record_prizes(assembly, drawn_on=dt.date(2026, 3, 11))


def test_the_adapter_gives_the_latest_extraction_on_or_before_the_assembly(group):
    assembly = close(open_assembly(group))
    source = FakeLotterySource(
        [
            Extraction(4998, dt.date(2026, 3, 4), ("11111", "22222", "33333", "44444", "55555")),
            Extraction(4999, dt.date(2026, 3, 7), ("48602", "01927", "82187", "34246", "68744")),
            Extraction(5000, dt.date(2026, 3, 11), ("99999", "22222", "33333", "44444", "55555")),
        ]
    )

    fetched = assemblies.fetch_extraction(assembly=assembly, source=source)

    assert (fetched.lottery_concurso, fetched.prizes[0]) == (4999, "48602")
    assert fetched.lottery_source == ExtractionSource.ADAPTER
    assert fetched.lottery_note == ""


def test_an_extraction_missing_the_needed_prize_gives_way_to_the_one_before_noted(staff):
    group = draws_group(staff, draw_method="C")
    assembly = close(open_assembly(group))
    source = FakeLotterySource(
        [
            Extraction(4998, dt.date(2026, 3, 4), ("11111", "22222", "33333", "44444", "55555")),
            Extraction(4999, dt.date(2026, 3, 7), ("48602", None, "82187", "34246", "68744")),
        ]
    )

    fetched = assemblies.fetch_extraction(assembly=assembly, source=source)

    assert fetched.lottery_concurso == 4998
    assert "4999" in fetched.lottery_note


def test_the_verifiable_draw_uses_the_first_extraction_after_the_close(staff):
    group = draws_group(staff, electronic_draw_allowed=True)
    assembly = close(open_assembly(group))
    with pytest.raises(AssemblyExtractionWrongDate):
        record_prizes(assembly, drawn_on=dt.date(2026, 3, 7))
    source = FakeLotterySource(
        [
            Extraction(4999, dt.date(2026, 3, 7), ("48602", "01927", "82187", "34246", "68744")),
            Extraction(5000, dt.date(2026, 3, 11), ("20282", "57310", "04461", "91005", "13579")),
        ]
    )

    fetched = assemblies.fetch_extraction(assembly=assembly, source=source)

    assert fetched.lottery_concurso == 5000


def test_the_verifiable_extraction_waits_for_the_close(staff):
    group = draws_group(staff, electronic_draw_allowed=True)
    assembly = open_assembly(group)

    with pytest.raises(AssemblyExtractionLocked):
        record_prizes(assembly, drawn_on=dt.date(2026, 3, 11), concurso=5001)


def test_beat_opens_the_due_assemblies_and_closes_them_after_their_close_time(group):
    first, second = assemblies.generate_assemblies(group=group, start=dt.date(2026, 3, 1), count=2)

    assert assemblies.open_due_bidding(now=BIDDING) == 1  # April waits for March to pass
    assert assemblies.close_due_bidding(now=BIDDING) == 0
    assert assemblies.close_due_bidding(now=AFTER_CLOSE) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (S.BIDDING_CLOSED, S.SCHEDULED)
    later = timezone.make_aware(dt.datetime(2026, 3, 11, 8, 0))
    assert assemblies.open_due_bidding(now=later) == 1
    second.refresh_from_db()
    assert second.state == S.BIDDING_OPEN


class AssemblyLifecycle(RuleBasedStateMachine):
    """Random sequences of the staff's actions on one assembly: each is applied or refused
    exactly as ``TRANSITIONS`` says, the log grows by one per applied change, and a refusal
    changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.staff = UserFactory()
        self.group = draws_group(self.staff, max_quotas=5)
        self.assembly = march_assembly(self.group)
        self.expected = S.SCHEDULED
        self.applied = 0

    def attempt(self, to_state, action) -> None:
        allowed = to_state in assemblies.allowed_transitions(self.expected)
        try:
            action()
        except (
            AssemblyInvalidTransition,
            AssemblyExtractionRequired,
            ResultsAlreadyComputed,
            ResultsNotComputed,
        ):
            assert not allowed or to_state == S.RESULTS_COMPUTED
            return
        assert allowed
        self.expected = to_state
        self.applied += 1

    @rule()
    def open(self) -> None:
        self.attempt(
            S.BIDDING_OPEN, lambda: assemblies.open_bidding(assembly=self.assembly, now=BIDDING)
        )

    @rule()
    def close(self) -> None:
        self.attempt(
            S.BIDDING_CLOSED,
            lambda: assemblies.close_bidding(assembly=self.assembly, now=AFTER_CLOSE),
        )

    @rule()
    def cancel(self) -> None:
        self.attempt(
            S.CANCELLED,
            lambda: assemblies.cancel_assembly(
                assembly=self.assembly, actor=self.staff, reason="Motivo"
            ),
        )

    @rule()
    def record(self) -> None:
        try:
            record_prizes(self.assembly)
        except AssemblyExtractionLocked:
            assert self.expected not in (S.SCHEDULED, S.BIDDING_OPEN, S.BIDDING_CLOSED)

    @rule()
    def compute(self) -> None:
        self.attempt(S.RESULTS_COMPUTED, lambda: results.compute_results(assembly=self.assembly))

    @rule()
    def publish(self) -> None:
        self.attempt(S.RESULTS_PUBLISHED, lambda: results.publish_results(assembly=self.assembly))

    @invariant()
    def the_stored_state_and_log_follow_the_machine(self) -> None:
        stored = Assembly.objects.get(pk=self.assembly.pk)
        assert stored.state == self.expected
        assert AssemblyTransition.objects.filter(assembly=stored).count() == self.applied


def test_random_action_sequences_follow_the_state_machine(db):
    run_state_machine_as_test(
        AssemblyLifecycle,
        settings=settings(
            max_examples=15,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
