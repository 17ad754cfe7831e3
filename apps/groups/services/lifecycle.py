"""The group lifecycle as an explicit state machine (DOMAIN.md §1.2).

    formation ──constitute (first assembly)──▶ running ──start_closing──▶ closing ──close──▶ closed

Any other move is refused with ``group_invalid_transition`` and changes nothing. Each
transition locks the group row, stamps its date, publishes ``GroupStateChanged`` in the same
transaction, and is recorded by auditlog (the group is an audited model).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from apps.groups.events import GroupStateChanged
from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services.errors import GroupInvalidTransition
from consorcio.outbox import publish

__all__ = [
    "TRANSITIONS",
    "allowed_transitions",
    "close_group",
    "constitute_group",
    "start_closing",
    "transition_group",
]

TRANSITIONS: Mapping[GroupState, frozenset[GroupState]] = {
    GroupState.FORMATION: frozenset({GroupState.RUNNING}),
    GroupState.RUNNING: frozenset({GroupState.CLOSING}),
    GroupState.CLOSING: frozenset({GroupState.CLOSED}),
    GroupState.CLOSED: frozenset(),
}

# The date field each target state stamps.
_DATE_FIELD: Mapping[GroupState, str] = {
    GroupState.RUNNING: "constituted_on",
    GroupState.CLOSING: "closing_started_on",
    GroupState.CLOSED: "closed_on",
}


def allowed_transitions(state: str) -> frozenset[GroupState]:
    """The states a group in ``state`` may move to."""
    return TRANSITIONS[GroupState(state)]


@transaction.atomic
def transition_group(
    *, group: ConsortiumGroup, to_state: GroupState, on_date: dt.date
) -> ConsortiumGroup:
    """Move the group to ``to_state`` on ``on_date``; refuse any move the machine lacks.

    The group row is locked first, so two concurrent transitions are serialised and the second
    sees the first's state. ``group`` is refreshed with the result.
    """
    locked = ConsortiumGroup.objects.select_for_update().get(pk=group.pk)
    current = GroupState(locked.state)
    target = GroupState(to_state)
    if target not in TRANSITIONS[current]:
        raise GroupInvalidTransition(
            f"O grupo {locked.code} está {current.label.lower()} e não pode passar a "
            f"{target.label.lower()}.",
            extra={"from_state": current.value, "to_state": target.value},
        )
    locked.state = target.value
    setattr(locked, _DATE_FIELD[target], on_date)
    if target is GroupState.RUNNING and locked.first_assembly_date is None:
        locked.first_assembly_date = on_date
    locked.save()
    publish(
        GroupStateChanged(
            group_id=locked.pk, from_state=current.value, to_state=target.value, on_date=on_date
        )
    )
    group.refresh_from_db()
    return group


def constitute_group(*, group: ConsortiumGroup, on_date: dt.date) -> ConsortiumGroup:
    """The first assembly constitutes the group: formation → running."""
    return transition_group(group=group, to_state=GroupState.RUNNING, on_date=on_date)


def start_closing(*, group: ConsortiumGroup, on_date: dt.date) -> ConsortiumGroup:
    """After the last assembly the group starts closing (§8): running → closing."""
    return transition_group(group=group, to_state=GroupState.CLOSING, on_date=on_date)


def close_group(*, group: ConsortiumGroup, on_date: dt.date) -> ConsortiumGroup:
    """The closing is done: closing → closed."""
    return transition_group(group=group, to_state=GroupState.CLOSED, on_date=on_date)
