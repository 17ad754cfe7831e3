"""Versioned amendments of a group's rules (aditamentos): the only way to change the rules of
a group that has members. The old version is kept; the group points at the new one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.groups.events import GroupRulesAmended
from apps.groups.models import ConsortiumGroup, GroupRules, GroupState
from apps.groups.services.errors import GroupAmendmentRefused
from apps.groups.services.plans import RULE_FIELDS, apply_rule_changes, validate_rules
from consorcio.outbox import publish

__all__ = ["amend_group_rules"]


@transaction.atomic
def amend_group_rules(
    *,
    group: ConsortiumGroup,
    changes: Mapping[str, object],
    reason: str,
    actor: AbstractBaseUser | None,
    effective_from: dt.date | None = None,
) -> GroupRules:
    """Create the next rules version with ``changes`` applied and make it the one in force.

    Refused (``group_amendment_refused``) without a reason, for a closed group, or when the
    changes leave every rule as it was; invalid values are refused (``group_rules_invalid``).
    A refusal changes nothing. Publishes ``GroupRulesAmended``.
    """
    if not reason.strip():
        raise GroupAmendmentRefused("Informe o motivo do aditamento.")
    locked = ConsortiumGroup.objects.select_for_update().get(pk=group.pk)
    if locked.state == GroupState.CLOSED:
        raise GroupAmendmentRefused("Um grupo encerrado não pode ter suas regras alteradas.")
    current = GroupRules.objects.get(group=locked, pk=locked.current_rules_id or 0)
    before = {name: getattr(current, name) for name in RULE_FIELDS}
    amended = GroupRules.objects.get(pk=current.pk)
    amended.pk = None
    amended.version = current.version + 1
    amended.reason = reason.strip()
    amended.created_by_id = actor.pk if actor is not None else None
    amended.effective_from = effective_from or timezone.localdate()
    apply_rule_changes(amended, changes)
    validate_rules(amended)
    after = {name: getattr(amended, name) for name in RULE_FIELDS}
    changed = tuple(sorted(name for name in RULE_FIELDS if before[name] != after[name]))
    if not changed:
        raise GroupAmendmentRefused("O aditamento não altera nenhuma regra.")
    amended.save(force_insert=True)
    locked.current_rules = amended
    locked.save(update_fields=["current_rules", "updated_at"])
    publish(
        GroupRulesAmended(
            group_id=locked.pk,
            version=amended.version,
            previous_version=current.version,
            changed_fields=changed,
            effective_from=amended.effective_from,
        )
    )
    group.refresh_from_db()
    return amended
