"""Serializers of the payments API: the body of ``POST /api/v1/payments`` and a payment row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.finance.models import PaymentSource


def _reais(**kwargs: Any) -> serializers.DecimalField:
    """An amount in Reais (string with two places in JSON, like every amount of the API)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class PaymentCreateSerializer(serializers.Serializer[Any]):
    """A settlement to apply: which charge, the provider's settlement id, what was paid when."""

    charge = serializers.IntegerField(min_value=1, help_text="Id da cobrança paga.")
    settlement_id = serializers.CharField(
        max_length=150,
        help_text=(
            "Identificador único da liquidação no banco ou PSP (e2eid do PIX, por exemplo). "
            "Repetido com os mesmos dados, devolve o primeiro pagamento; com outros, 409."
        ),
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[PaymentSource.API, PaymentSource.PIX, PaymentSource.BANK_FILE],
        default=PaymentSource.API,
    )
    amount = _reais(min_value=Decimal("0.01"))
    paid_on = serializers.DateField(help_text="Data em que o pagador pagou.")
    credited_on = serializers.DateField(
        required=False, help_text="Data do crédito na conta (padrão: a data do pagamento)."
    )
    fine_interest = _reais(
        required=False,
        min_value=Decimal("0"),
        help_text="Multa e juros incluídos no valor pago, como o banco informou.",
    )
    discount = _reais(required=False, min_value=Decimal("0"), default=Decimal("0.00"))
    bank_fee = _reais(required=False, min_value=Decimal("0"), default=Decimal("0.00"))


class PaymentSerializer(serializers.Serializer[Any]):
    """An applied payment (or reversal): what was paid, A4's late charges, the allocation."""

    id = serializers.IntegerField()
    charge = serializers.IntegerField(source="charge_id")
    group = serializers.IntegerField(source="group_id")
    quota_version = serializers.IntegerField(source="quota_version_id")
    source = serializers.CharField()  # type: ignore[assignment]
    settlement_id = serializers.CharField()
    amount = _reais()
    fine_interest_paid = _reais()
    discount = _reais()
    bank_fee = _reais()
    paid_on = serializers.DateField()
    credited_on = serializers.DateField()
    late_days = serializers.IntegerField()
    late_fine = _reais()
    late_interest = _reais()
    alloc_common_fund = _reais()
    alloc_reserve_fund = _reais()
    alloc_admin_fee = _reais()
    alloc_insurance = _reais()
    alloc_fees = _reais()
    alloc_differences = _reais()
    alloc_late_group = _reais()
    alloc_late_admin = _reais()
    difference = _reais(
        help_text="Levado à próxima cobrança: positivo, ainda devido; negativo, crédito."
    )
    reversal_of = serializers.IntegerField(source="reversal_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
