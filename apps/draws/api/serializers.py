"""Serializers of the draws API: assemblies, a bid's body and receipt, published results.

Fractions of the credit are strings with 10 places (``"0.4500000000"`` = 45%), amounts in
Reais strings with 2, as everywhere in the API. Results name quotas by number only (LGPD).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.draws.models import Assembly, AssemblyState, AwardKind, AwardState, Bid, BidKind


def _fraction(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=15, decimal_places=10, **kwargs)


def _reais(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class AssemblySerializer(serializers.ModelSerializer[Assembly]):
    """An assembly: group, date, state, cut-offs; the extraction once recorded; the
    verifiable draw's commitment (the seed only after it is revealed)."""

    group_code = serializers.CharField(source="group.code", read_only=True)
    state = serializers.ChoiceField(choices=AssemblyState.choices, read_only=True)
    prizes = serializers.SerializerMethodField()
    revealed_seed = serializers.SerializerMethodField()

    class Meta:
        model = Assembly
        fields = (
            "id",
            "group",
            "group_code",
            "number",
            "date",
            "state",
            "eligibility_cutoff",
            "bid_closes_at",
            "uses_verifiable_draw",
            "commitment",
            "revealed_seed",
            "snapshot_sha256",
            "lottery_concurso",
            "lottery_drawn_on",
            "prizes",
            "bidding_opened_at",
            "bidding_closed_at",
            "results_computed_at",
            "published_at",
        )
        read_only_fields = fields

    def get_prizes(self, assembly: Assembly) -> list[str | None]:
        """The five prizes in prize order (5-digit strings; null where not recorded)."""
        return list(assembly.prizes)

    def get_revealed_seed(self, assembly: Assembly) -> str | None:
        """The verifiable draw's seed, only after bidding closed (null before)."""
        return assembly.seed if assembly.seed_revealed_at is not None else None


class BidCreateSerializer(serializers.Serializer[Any]):
    """A bid: which assembly and quota number, its type and amount (one of fraction or
    installments; a fixed bid may omit both and takes the group's fixed %)."""

    assembly = serializers.IntegerField(min_value=1, help_text="Id da assembleia.")
    quota = serializers.IntegerField(min_value=1, help_text="Número da cota no grupo.")
    kind = serializers.ChoiceField(choices=BidKind.choices)
    fraction = _fraction(
        required=False,
        min_value=Decimal("0.0000000001"),
        max_value=Decimal("1"),
        help_text="Lance total como fração do crédito (0.45 = 45%).",
    )
    installments = serializers.DecimalField(
        max_digits=10,
        decimal_places=4,
        required=False,
        min_value=Decimal("0.0001"),
        help_text="Lance em número de parcelas (convertido pela fração da parcela do plano).",
    )
    embedded_fraction = _fraction(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        help_text="Lance embutido: parte do crédito usada no lance (padrão: o máximo do grupo).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "fraction" in attrs and "installments" in attrs:
            raise serializers.ValidationError(
                {
                    "installments": [
                        "Informe o lance em fração do crédito ou em parcelas, não os dois."
                    ]
                }
            )
        return attrs


class BidReceiptSerializer(serializers.ModelSerializer[Bid]):
    """A bid as its bidder sees it: amounts, status and the receipt (SHA-256 of its
    canonical form, listed in the minutes)."""

    quota = serializers.IntegerField(source="quota.number", read_only=True)
    fraction = _fraction(read_only=True)
    embedded_fraction = _fraction(read_only=True)
    cash_fraction = _fraction(read_only=True)

    class Meta:
        model = Bid
        fields = (
            "id",
            "assembly",
            "quota",
            "kind",
            "expressed_as",
            "installments",
            "fraction",
            "embedded_fraction",
            "cash_fraction",
            "status",
            "receipt",
            "canonical",
            "created_at",
        )
        read_only_fields = fields


class AwardResultSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AwardKind.choices, source="kind_code")
    quota = serializers.IntegerField()
    credit_value = _reais()
    amount_used = _reais()
    money_before = _reais()
    money_after = _reais()
    state = serializers.ChoiceField(choices=AwardState.choices, source="state_code")


class RankedBidSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField(allow_null=True)
    quota = serializers.IntegerField()
    kind = serializers.CharField()
    fraction = serializers.CharField(help_text="Lance total, fração do crédito.")
    receipt = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["won", "reserve", "lost"])


class DrawResultSerializer(serializers.Serializer[Any]):
    key = serializers.IntegerField(allow_null=True)
    winner = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())


class AssemblyResultsSerializer(serializers.Serializer[Any]):
    """Published results: the key and its search, awards, bid ranking, money, carry-over."""

    assembly = serializers.IntegerField()
    group_code = serializers.CharField()
    key = serializers.IntegerField(allow_null=True)
    key_derivation = serializers.ListField(child=serializers.CharField())
    draws = DrawResultSerializer(many=True)
    excluded_draws = DrawResultSerializer(many=True)
    awards = AwardResultSerializer(many=True)
    ranking = RankedBidSerializer(many=True)
    money_available = _reais()
    money_used = _reais()
    carry_over = _reais()
    verifiable = serializers.DictField(
        allow_null=True,
        help_text="O documento publicado do sorteio verificável (tools/verify_draw.py).",
    )
    published_at = serializers.DateTimeField()
