"""Read side of the groups context: what other contexts and the pages ask about groups."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.models import ConsortiumGroup, GroupRules, GroupState

__all__ = [
    "group_has_members",
    "groups",
    "rules_history",
    "rules_version",
]


def groups() -> QuerySet[ConsortiumGroup]:
    """Every group with its rules in force, ordered by code."""
    return ConsortiumGroup.objects.select_related("current_rules").order_by("code")


def group_has_members(group: ConsortiumGroup) -> bool:
    """Whether the group has members, so its rules change only by versioned amendment.

    Until quotas exist (ISSUE 10 item 3) this is "the group has left formation": a running,
    closing or closed group necessarily has members. The quotas work must extend it with
    "or any quota of the group was ever sold" (a group in formation with sold quotas).
    """
    return group.state != GroupState.FORMATION


def rules_history(group: ConsortiumGroup) -> QuerySet[GroupRules]:
    """Every rules version of the group, oldest first (old versions stay retrievable)."""
    return GroupRules.objects.filter(group=group).order_by("version")


def rules_version(group: ConsortiumGroup, version: int) -> GroupRules:
    """One rules version of the group; ``GroupRules.DoesNotExist`` when there is none."""
    return GroupRules.objects.get(group=group, version=version)
