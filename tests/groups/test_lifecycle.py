"""The group lifecycle: formation -> running -> closing -> closed, nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services import lifecycle
from apps.groups.services.errors import GroupInvalidTransition
from consorcio.models import OutboxEvent

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.mark.embedded
def test_a_new_group_starts_in_formation_and_is_constituted_at_its_first_assembly(group):
    assert group.state == GroupState.FORMATION
    lifecycle.constitute_group(group=group, on_date=DAY)
    group.refresh_from_db()
    assert group.state == GroupState.RUNNING
    assert group.constituted_on == DAY
    assert group.first_assembly_date == DAY
    event = OutboxEvent.objects.filter(type="groups.group.state_changed").get()
    assert event.payload == {
        "group_id": group.pk,
        "from_state": "formation",
        "to_state": "running",
        "on_date": "2026-03-10",
    }


def test_the_whole_lifecycle_stamps_each_date_and_is_audited(group):
    lifecycle.constitute_group(group=group, on_date=DAY)
    lifecycle.start_closing(group=group, on_date=dt.date(2034, 7, 10))
    lifecycle.close_group(group=group, on_date=dt.date(2034, 11, 1))
    group.refresh_from_db()
    assert group.state == GroupState.CLOSED
    assert (group.closing_started_on, group.closed_on) == (
        dt.date(2034, 7, 10),
        dt.date(2034, 11, 1),
    )
    changes = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ConsortiumGroup), object_pk=str(group.pk)
    )
    states = [entry.changes_dict.get("state") for entry in changes.order_by("timestamp")]
    assert ["running", "closing"] in [list(s) for s in states if s]
    assert OutboxEvent.objects.filter(type="groups.group.state_changed").count() == 3


@pytest.mark.parametrize(
    ("steps", "target"),
    [
        (0, GroupState.CLOSING),
        (0, GroupState.CLOSED),
        (0, GroupState.FORMATION),
        (1, GroupState.FORMATION),
        (1, GroupState.RUNNING),
        (1, GroupState.CLOSED),
        (3, GroupState.RUNNING),
        (3, GroupState.CLOSED),
    ],
)
def test_a_transition_the_machine_lacks_is_refused_and_changes_nothing(group, steps, target):
    path = [lifecycle.constitute_group, lifecycle.start_closing, lifecycle.close_group]
    for step in path[:steps]:
        step(group=group, on_date=DAY)
    before = ConsortiumGroup.objects.values().get(pk=group.pk)
    events_before = OutboxEvent.objects.count()
    with pytest.raises(GroupInvalidTransition) as refusal:
        lifecycle.transition_group(group=group, to_state=target, on_date=DAY)
    assert refusal.value.code == "group_invalid_transition"
    assert ConsortiumGroup.objects.values().get(pk=group.pk) == before
    assert OutboxEvent.objects.count() == events_before
