"""Serializers of the groups API: the group with its rules in force, and the action bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.groups.models import ConsortiumGroup, GroupRules, GroupState, Segment

_RULES_EXCLUDED = ("id", "group", "created_by", "created_at")


class GroupRulesSerializer(serializers.ModelSerializer[GroupRules]):
    """One rules version (fractions of the credit with 10 places: "0.1500000000" = 15%)."""

    class Meta:
        model = GroupRules
        exclude = _RULES_EXCLUDED


class GroupSerializer(serializers.ModelSerializer[ConsortiumGroup]):
    """A group as the API shows it, with the rules version in force."""

    current_rules = GroupRulesSerializer(read_only=True)

    class Meta:
        model = ConsortiumGroup
        fields = (
            "id",
            "code",
            "name",
            "segment",
            "reference_credit_value",
            "term_months",
            "max_quotas",
            "state",
            "first_assembly_date",
            "constituted_on",
            "closing_started_on",
            "closed_on",
            "current_rules",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class GroupCreateSerializer(serializers.Serializer[Any]):
    """Body of a group creation: the group's fixed terms and its rules (defaults apply)."""

    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=120)
    segment = serializers.ChoiceField(choices=Segment.choices)
    reference_credit_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    max_quotas = serializers.IntegerField(min_value=1, max_value=100000)
    rules = serializers.DictField(
        help_text="Campos de regra (ex.: admin_fee_total, reserve_fund, assembly_day); "
        "contract_version e adjustment_index são obrigatórios."
    )


class TransitionSerializer(serializers.Serializer[Any]):
    """Body of a lifecycle transition."""

    to_state = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in GroupState if s is not GroupState.FORMATION],
        help_text="running (1ª assembleia), closing ou closed",
    )
    on_date = serializers.DateField()


class AmendmentSerializer(serializers.Serializer[Any]):
    """Body of a versioned amendment of the rules."""

    changes = serializers.DictField()
    reason = serializers.CharField()
    effective_from = serializers.DateField(required=False)
