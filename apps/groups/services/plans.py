"""Creating groups and editing the rules of a group that has no members yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import CheckConstraint, Model

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
    "model_errors",
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


# What each check constraint of GroupRules/ConsortiumGroup means to the person who broke it,
# and the field the message belongs to (forms show it next to that field; the API lists it
# under ``errors``). A constraint missing here gets a generic message under ``__all__``.
_CONSTRAINT_MESSAGES: Mapping[str, tuple[str, str]] = {
    "groups_rules_plan_fractions_range": (
        "admin_fee_upfront",
        "A antecipação (adesão) não pode passar da taxa de administração total; taxa, fundo "
        "de reserva e seguro ficam entre 0% e 100%.",
    ),
    "groups_rules_assembly_day_range": (
        "assembly_day",
        "O dia da assembleia deve estar entre 1 e 31.",
    ),
    "groups_rules_awards_range": (
        "draws_per_assembly",
        "Sorteios e restituições de excluídos por assembleia: no máximo 100.",
    ),
    "groups_rules_bid_fractions_range": (
        "fixed_bid_fraction",
        "Os percentuais de lance fixo e embutido ficam entre 0% e 100%.",
    ),
    "groups_rules_bid_deadline_range": (
        "bid_payment_business_days",
        "O prazo para pagar o lance deve ser de 1 a 30 dias úteis.",
    ),
    "groups_rules_late_charges_range": (
        "late_fine",
        "A multa por atraso é de no máximo 2% e os juros de no máximo 10% ao mês.",
    ),
    "groups_rules_group_share_at_least_half": (
        "late_group_share",
        "A parte do grupo nos encargos de atraso deve ser de pelo menos 50% (Lei 11.795, art. 28).",
    ),
    "groups_rules_exclusion_threshold_range": (
        "exclusion_threshold",
        "Sob a Resolução BCB 285 a exclusão ocorre após no máximo 3 parcelas em atraso.",
    ),
    "groups_rules_alternate_only_under_circular": (
        "exclusion_counts_alternate",
        "Contar parcelas alternadas só vale para grupos da antiga Circular BCB 3.432.",
    ),
    "groups_rules_refund_penalty_range": (
        "refund_penalty",
        "A penalidade na restituição fica entre 0% e 100%.",
    ),
    "groups_credit_value_positive": (
        "reference_credit_value",
        "O valor do crédito de referência deve ser maior que zero.",
    ),
    "groups_term_range": ("term_months", "O prazo deve ser de 1 a 600 meses."),
    "groups_max_quotas_range": (
        "max_quotas",
        "O número máximo de cotas deve ser de 1 a 100.000.",
    ),
}


def _explain_constraint(name: str, instance: Model) -> tuple[str, str]:
    """The field and Portuguese message of a violated check constraint."""
    if name == "groups_rules_bid_types_have_their_percent":
        if getattr(instance, "fixed_bid_allowed", False) and not (
            getattr(instance, "fixed_bid_fraction", 0) > 0
        ):
            return "fixed_bid_fraction", "Informe o percentual do lance fixo (maior que 0%)."
        return "embedded_bid_max_fraction", "Informe o percentual máximo do lance embutido."
    return _CONSTRAINT_MESSAGES.get(
        name, (NON_FIELD_ERRORS, "Os valores informados violam uma regra do grupo.")
    )


def model_errors(
    instance: Model, *, exclude: Sequence[str], validate_unique: bool
) -> dict[str, list[str]]:
    """Field errors of ``instance`` (Django's own messages) plus its violated check
    constraints, each explained in Portuguese next to its field; empty when all is valid."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=validate_unique, validate_constraints=False
        )
    except ValidationError as error:
        errors = {
            field: [str(m) for m in messages] for field, messages in error.message_dict.items()
        }
    skip = {*exclude, *errors}
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            # django-stubs lacks BaseConstraint.validate (Django 4.1+).
            constraint.validate(type(instance), instance, exclude=skip)  # type: ignore[attr-defined]
        except ValidationError:
            field, message = _explain_constraint(constraint.name, instance)
            errors.setdefault(field, []).append(message)
    return errors


def validate_rules(rules: GroupRules) -> None:
    """Run the model's field checks and constraints; refuse with ``group_rules_invalid``.

    ``extra["errors"]`` maps each wrong field to Portuguese messages (``__all__`` for the rest).
    """
    errors = model_errors(rules, exclude=["group", "created_by"], validate_unique=False)
    if errors:
        raise GroupRulesInvalid(
            "As regras informadas são inválidas: verifique os limites.",
            extra={"errors": errors},
        )


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
    group_errors = model_errors(group, exclude=["current_rules"], validate_unique=True)
    if group_errors:
        raise GroupDataInvalid("Os dados do grupo são inválidos.", extra={"errors": group_errors})
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
