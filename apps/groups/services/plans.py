"""Creating groups and editing the rules of a group that has no members yet."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.groups import selectors
from apps.groups.events import GroupCreated
from apps.groups.models import ConsortiumGroup, GroupRules
from apps.groups.services.errors import GroupDataInvalid, GroupRulesInvalid, GroupRulesLocked
from apps.groups.services.fractions import PlanTerms
from consorcio.outbox import publish

__all__ = [
    "RULE_FIELDS",
    "apply_rule_changes",
    "create_group",
    "plan_terms",
    "update_group_rules",
    "validate_rules",
]

# The contract rules a version carries (everything but its bookkeeping).
_BOOKKEEPING = {"id", "group", "version", "effective_from", "reason", "created_by", "created_at"}
RULE_FIELDS: frozenset[str] = frozenset(
    field.name for field in GroupRules._meta.concrete_fields if field.name not in _BOOKKEEPING
)


def apply_rule_changes(rules: GroupRules, changes: Mapping[str, object]) -> None:
    """Set ``changes`` on ``rules`` (unsaved); unknown fields are refused."""
    unknown = sorted(set(changes) - RULE_FIELDS)
    if unknown:
        raise GroupRulesInvalid(
            f"Campos de regra desconhecidos: {', '.join(unknown)}.", extra={"fields": unknown}
        )
    for name, value in changes.items():
        setattr(rules, name, value)


def validate_rules(rules: GroupRules) -> None:
    """Run the model's field checks and constraints; refuse with ``group_rules_invalid``."""
    try:
        rules.full_clean(exclude=["group", "created_by"], validate_unique=False)
    except ValidationError as error:
        errors = {
            field: [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
        raise GroupRulesInvalid(
            "As regras informadas são inválidas: verifique os limites.",
            extra={"errors": errors},
        ) from None


@transaction.atomic
def create_group(
    *,
    code: str,
    name: str,
    segment: str,
    reference_credit_value: Decimal,
    term_months: int,
    max_quotas: int,
    rules: Mapping[str, object],
    actor: AbstractBaseUser | None = None,
) -> ConsortiumGroup:
    """Register a group in formation with its rules version 1 and publish ``GroupCreated``.

    ``rules`` maps rule fields (``RULE_FIELDS``) to values; unset ones take the defaults of
    DOMAIN.md Part A. ``contract_version`` and ``adjustment_index`` are required.
    """
    group = ConsortiumGroup(
        code=code,
        name=name,
        segment=segment,
        reference_credit_value=reference_credit_value,
        term_months=term_months,
        max_quotas=max_quotas,
    )
    try:
        group.full_clean(exclude=["current_rules"])
    except ValidationError as error:
        raise GroupDataInvalid(
            "Os dados do grupo são inválidos.",
            extra={"errors": {k: [str(m) for m in v] for k, v in error.message_dict.items()}},
        ) from None
    version = GroupRules(version=1, reason="Regras de constituição")
    version.created_by_id = actor.pk if actor is not None else None
    apply_rule_changes(version, rules)
    validate_rules(version)
    group.save()
    version.group = group
    version.save()
    group.current_rules = version
    group.save(update_fields=["current_rules", "updated_at"])
    publish(
        GroupCreated(
            group_id=group.pk,
            code=group.code,
            segment=group.segment,
            term_months=group.term_months,
            max_quotas=group.max_quotas,
        )
    )
    return group


@transaction.atomic
def update_group_rules(
    *, group: ConsortiumGroup, changes: Mapping[str, object], actor: AbstractBaseUser | None
) -> GroupRules:
    """Edit the rules in force of a group without members (same version, no amendment).

    Refused with ``group_rules_locked`` once the group has members (``group_has_members``):
    then only ``amendments.amend_group_rules`` may change them. Invalid values are refused
    with ``group_rules_invalid``; a refusal changes nothing.
    """
    locked = ConsortiumGroup.objects.select_for_update().get(pk=group.pk)
    if selectors.group_has_members(locked):
        raise GroupRulesLocked()
    rules = GroupRules.objects.get(group=locked, pk=locked.current_rules_id or 0)
    apply_rule_changes(rules, changes)
    validate_rules(rules)
    rules.save()
    return rules


def plan_terms(group: ConsortiumGroup, rules: GroupRules | None = None) -> PlanTerms:
    """The plan's terms for the fraction functions, from the rules in force (or ``rules``)."""
    source = rules or group.current_rules
    if source is None:
        raise ValueError(f"group {group.code} has no rules")
    return PlanTerms(
        term_months=group.term_months,
        admin_fee_total=source.admin_fee_total,
        upfront_fee=source.admin_fee_upfront,
        reserve_fund=source.reserve_fund,
        insurance=source.insurance,
    )
