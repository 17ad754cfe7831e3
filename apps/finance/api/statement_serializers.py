"""JSON of a quota version's installments, charges (boleto and PIX codes) and statement."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.finance.models import Charge, Installment


class InstallmentSerializer(serializers.ModelSerializer[Installment]):
    """One installment: its fractions of the credit per component (A1) and status."""

    class Meta:
        model = Installment
        fields = (
            "number",
            "due_date",
            "common_fund",
            "reserve_fund",
            "admin_fee",
            "insurance",
            "catch_up",
            "status",
        )
        read_only_fields = fields


class ChargeSerializer(serializers.ModelSerializer[Charge]):
    """One bill in Reais per component, with its boleto (linha digitável, barcode, nosso
    número) and PIX copy-and-paste payload."""

    class Meta:
        model = Charge
        fields = (
            "id",
            "kind",
            "period",
            "first_installment",
            "last_installment",
            "due_date",
            "credit_value",
            "amount_common_fund",
            "amount_reserve_fund",
            "amount_admin_fee",
            "amount_insurance",
            "amount_fees",
            "amount_differences",
            "amount_late_charges",
            "amount",
            "status",
            "nosso_numero",
            "barcode",
            "digitable_line",
            "pix_txid",
            "pix_payload",
        )
        read_only_fields = fields


class ComponentSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    name = serializers.CharField(source="label")
    total_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    paid_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    owed_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    owed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(serializers.Serializer[Any]):
    """The extrato: totals, per component paid/owed, and the installments and charges."""

    quota_version_id = serializers.IntegerField()
    as_of = serializers.DateField()
    credit_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    paid_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    owed_fraction = serializers.DecimalField(max_digits=14, decimal_places=10)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    owed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    charged_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payments_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    components = ComponentSerializer(many=True)
    installments = InstallmentSerializer(many=True)
    charges = ChargeSerializer(many=True)
