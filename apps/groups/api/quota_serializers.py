"""Serializers of the quotas API: a quota holding (version) and the sale action bodies."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.groups import selectors
from apps.groups.models import QuotaVersion


class QuotaVersionSerializer(serializers.ModelSerializer[QuotaVersion]):
    """A quota holding: reserved (until ``reserved_until``), active, excluded or awarded."""

    group = serializers.IntegerField(source="quota.group_id", read_only=True)
    number = serializers.IntegerField(source="quota.number", read_only=True)
    status = serializers.SerializerMethodField()
    contract_document = serializers.SerializerMethodField(
        help_text="Documento do contrato de participação (nulo enquanto reservada)."
    )

    class Meta:
        model = QuotaVersion
        fields: tuple[str, ...] = (
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
            "contract_document",
        )
        read_only_fields = fields

    def get_status(self, obj: QuotaVersion) -> str:
        """The status users see (an expired reservation reads as ``available``)."""
        return selectors.effective_status(obj)

    def get_contract_document(self, obj: QuotaVersion) -> int | None:
        """The id of the contract's logical document (its versions are the issues)."""
        return obj.contract.document_id if obj.contract is not None else None


class ContractLinkSerializer(serializers.Serializer[Any]):
    """The latest issue of a quota's contract and a short-lived link that downloads it."""

    document = serializers.IntegerField(source="contract.document_id")
    document_version = serializers.IntegerField(source="contract.number")
    filename = serializers.CharField(source="contract.original_filename")
    content_type = serializers.CharField(source="contract.content_type")
    size = serializers.IntegerField(source="contract.size")
    sha256 = serializers.CharField(source="contract.sha256")
    download_url = serializers.CharField(
        help_text="Link assinado e de curta duração (DOCUMENTS_LINK_TTL_SECONDS)."
    )


class ConfirmedSaleSerializer(QuotaVersionSerializer):
    """A confirmed sale: the holding plus its contract of adhesion with a download link."""

    contract = serializers.SerializerMethodField()

    class Meta(QuotaVersionSerializer.Meta):
        fields = (*QuotaVersionSerializer.Meta.fields, "contract")
        read_only_fields = fields

    @extend_schema_field(ContractLinkSerializer)
    def get_contract(self, obj: QuotaVersion) -> dict[str, Any]:
        """The contract issued with the sale and the link the view signed for the caller."""
        link = {"contract": obj.contract, "download_url": self.context["contract_url"]}
        return dict(ContractLinkSerializer(link).data)


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
