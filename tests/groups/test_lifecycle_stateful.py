"""Hypothesis state machine: any sequence of requested transitions keeps the group on the path."""

from __future__ import annotations

import datetime as dt

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services import lifecycle
from apps.groups.services.errors import GroupInvalidTransition
from tests.groups.conftest import make_group

ORDER = [GroupState.FORMATION, GroupState.RUNNING, GroupState.CLOSING, GroupState.CLOSED]


class GroupLifecycleMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.group = make_group()
        self.expected = GroupState.FORMATION

    @rule(to_state=st.sampled_from(ORDER))
    def request_transition(self, to_state):
        allowed = ORDER.index(to_state) == ORDER.index(self.expected) + 1
        try:
            lifecycle.transition_group(
                group=self.group, to_state=to_state, on_date=dt.date(2026, 5, 11)
            )
        except GroupInvalidTransition:
            assert not allowed
        else:
            assert allowed
            self.expected = to_state

    @invariant()
    def stored_state_is_the_expected_one(self):
        assert ConsortiumGroup.objects.get(pk=self.group.pk).state == self.expected


class TestGroupLifecycle(TestCase, GroupLifecycleMachine.TestCase):
    """Each example runs in its own rolled-back transaction (hypothesis' Django TestCase)."""

    settings = settings(max_examples=15, stateful_step_count=8, deadline=None)
