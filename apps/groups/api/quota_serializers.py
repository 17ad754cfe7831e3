"""Serializers of the quotas API: a quota holding (version) and the sale action bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.groups import selectors
from apps.groups.models import QuotaVersion


class QuotaVersionSerializer(serializers.ModelSerializer[QuotaVersion]):
    """A quota holding: reserved (until ``reserved_until``), active, excluded or awarded."""

    group = serializers.IntegerField(source="quota.group_id", read_only=True)
    number = serializers.IntegerField(source="quota.number", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = QuotaVersion
        fields = (
            "id",
            "group",
            "number",
            "version",
            "status",
            "member",
            "reserved_until",
            "sold_at",
            "ended_at",
            "sales_channel",
            "sales_representative",
        )
        read_only_fields = fields

    def get_status(self, obj: QuotaVersion) -> str:
        """The status users see (an expired reservation reads as ``available``)."""
        return selectors.effective_status(obj)


class ReserveSerializer(serializers.Serializer[Any]):
    """Body of a reservation: the group, the member and optionally the quota number."""

    group = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    member = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    number = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )


class ConfirmSerializer(serializers.Serializer[Any]):
    """Body of a sale confirmation: the member's acceptance of the contract."""

    contract_accepted = serializers.BooleanField()


class CancelSerializer(serializers.Serializer[Any]):
    """Body of a sale cancellation within the cooling-off period (not needed for a reservation)."""

    reason = serializers.CharField(max_length=200)


class TransferSerializer(serializers.Serializer[Any]):
    """Body of a transfer: the member who takes the quota over."""

    to_member = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
