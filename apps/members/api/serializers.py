"""Serializers of the members API: writes are validated here (shape) and by the services (rules).

Reads do not use serializers on the hot path (`views` builds JSON from ``.values()`` rows);
``MemberListItemSerializer``/``MemberRecordSerializer`` only document those shapes in the schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.members import services
from apps.members.models import UF_CHOICES, Member


class AddressSerializer(serializers.Serializer[Any]):
    """One address: CEP with 8 digits (mask accepted), UF among the 27."""

    street = serializers.CharField(max_length=200)
    number = serializers.CharField(max_length=20)
    complement = serializers.CharField(max_length=100, required=False, allow_blank=True)
    district = serializers.CharField(max_length=100)
    city = serializers.CharField(max_length=100)
    uf = serializers.ChoiceField(choices=UF_CHOICES)
    cep = serializers.CharField(max_length=9)
    is_primary = serializers.BooleanField(required=False, default=False)

    def validate_cep(self, value: str) -> str:
        """Digits only, exactly 8."""
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) != 8:
            raise serializers.ValidationError("CEP deve ter 8 dígitos.")
        return digits


def _phones(values: list[str]) -> list[str]:
    try:
        return [services.normalize_phone(value) for value in values]
    except services.InvalidPhoneError as error:
        raise serializers.ValidationError(error.detail) from None


class MemberUpdateSerializer(serializers.Serializer[Any]):
    """The editable fields of a member (kind and document never change)."""

    name = serializers.CharField(max_length=200)
    birth_date = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phones = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=10
    )
    monthly_income = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    refuses_disclosure = serializers.BooleanField(required=False)

    def validate_phones(self, value: list[str]) -> list[str]:
        """Brazilian numbers with area code, stored as digits."""
        return _phones(value)


class MemberCreateSerializer(MemberUpdateSerializer):
    """A new member: kind, a valid CPF (PF) or CNPJ (PJ), and optional addresses."""

    kind = serializers.ChoiceField(choices=Member.Kind.choices)
    document = serializers.CharField(max_length=18)
    addresses = AddressSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The document must be a valid CPF/CNPJ for the kind (python-stdnum)."""
        try:
            attrs["document"] = services.normalize_document(attrs["kind"], attrs["document"])
        except services.InvalidDocumentError as error:
            raise serializers.ValidationError({"document": [error.detail]}) from None
        return attrs


class MemberListItemSerializer(serializers.Serializer[Any]):
    """A row of the list (schema only): the document is masked without personal-data access."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Member.Kind.choices)
    document = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    sales_channel = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class MemberRecordSerializer(MemberListItemSerializer):
    """A member's full record (schema only); reading it is written to the access log."""

    birth_date = serializers.DateField(allow_null=True)
    phones = serializers.ListField(child=serializers.CharField())
    monthly_income = serializers.DecimalField(max_digits=14, decimal_places=2)
    refuses_disclosure = serializers.BooleanField()
    sales_representative = serializers.IntegerField(allow_null=True)
    addresses = AddressSerializer(many=True)
    updated_at = serializers.DateTimeField()


class ConsentGiveSerializer(serializers.Serializer[Any]):
    """A consent to record: its purpose and the version of the text the member accepted."""

    purpose = serializers.CharField(max_length=100)
    text_version = serializers.CharField(max_length=40)


class ConsentRevokeSerializer(serializers.Serializer[Any]):
    """The purpose whose consent in force is revoked."""

    purpose = serializers.CharField(max_length=100)


class ConsentSerializer(serializers.Serializer[Any]):
    """A consent record (given and maybe revoked)."""

    purpose = serializers.CharField()
    text_version = serializers.CharField()
    given_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
