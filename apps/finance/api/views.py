"""``/api/v1/payments/``: apply a settlement (banks, PIX providers, integrators) and list them.

``POST`` requires an ``Idempotency-Key`` (the same key and body replay the first answer) and
the settlement id is itself applied at most once (``services.payments.apply_payment``): a
settlement already applied answers 200 with the first payment, with other data 409
``settlement_id_conflict``. Refusals are problems with stable codes: ``charge_not_found``
(404), ``charge_cancelled`` (409), ``payment_amount_invalid``, ``payment_date_invalid`` (422).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.finance.api.serializers import PaymentCreateSerializer, PaymentSerializer
from apps.finance.models import Payment, PaymentSource
from apps.finance.selectors import payments as payment_selectors
from apps.finance.services import payments
from consorcio.errors import NotFound
from consorcio.idempotency import idempotent

TAG = "Pagamentos"


class ChargeNotFound(NotFound):
    code = "charge_not_found"
    title = "Cobrança não encontrada"
    default_detail = "A cobrança informada não existe."


class _Filters(serializers.Serializer[Any]):
    group = serializers.IntegerField(required=False, min_value=1)
    charge = serializers.IntegerField(required=False, min_value=1)
    quota_version = serializers.IntegerField(required=False, min_value=1)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=PaymentSource.choices, required=False
    )
    settlement_id = serializers.CharField(required=False, max_length=150)
    paid_from = serializers.DateField(required=False)
    paid_to = serializers.DateField(required=False)


_FILTER_PARAMETERS = [
    OpenApiParameter("group", OpenApiTypes.INT, description="Id do grupo."),
    OpenApiParameter("charge", OpenApiTypes.INT, description="Id da cobrança."),
    OpenApiParameter("quota_version", OpenApiTypes.INT, description="Id da cota (versão)."),
    OpenApiParameter("source", OpenApiTypes.STR, enum=PaymentSource.values),
    OpenApiParameter("settlement_id", OpenApiTypes.STR),
    OpenApiParameter("paid_from", OpenApiTypes.DATE, description="Pago a partir de (AAAA-MM-DD)."),
    OpenApiParameter("paid_to", OpenApiTypes.DATE, description="Pago até (AAAA-MM-DD)."),
]


class PaymentPagination(CursorPagination):
    """Newest first; the cursor reads ``id`` from the ``.values()`` rows (they have no ``pk``)."""

    ordering = "-id"
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        """The largest ``?page_size=`` honoured (settings ``API_MAX_PAGE_SIZE``)."""
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 500))


class PaymentViewSet(viewsets.GenericViewSet[Payment]):
    """Payments applied to charges: list (finance staff) and apply a settlement."""

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    filter_backends: list[Any] = []
    pagination_class = PaymentPagination
    problem_statuses = (404, 409)

    def get_queryset(self) -> Any:
        filters = _Filters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return payment_selectors.payment_rows(
            payment_selectors.PaymentFilters(
                group_id=data.get("group"),
                charge_id=data.get("charge"),
                quota_version_id=data.get("quota_version"),
                source=data.get("source"),
                settlement_id=data.get("settlement_id"),
                paid_from=data.get("paid_from"),
                paid_to=data.get("paid_to"),
            )
        )

    @extend_schema(tags=[TAG], summary="Listar pagamentos", parameters=_FILTER_PARAMETERS)
    def list(self, request: Request) -> Response:
        """Payments and reversals, newest first, by cursor pages; filters by query string."""
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the default pagination is always on
        return self.get_paginated_response(PaymentSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="Aplicar pagamento de uma cobrança",
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer, 200: PaymentSerializer},
    )
    @idempotent(required=True)
    def create(self, request: Request) -> Response:
        """Apply a settlement: 201 with the payment, or 200 with the first one when the
        settlement id was already applied with the same data."""
        body = PaymentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        charge = payment_selectors.charge_for_payment(data["charge"])
        if charge is None:
            raise ChargeNotFound(f"A cobrança {data['charge']} não existe.")
        result = payments.apply_payment(
            charge=charge,
            settlement_id=data["settlement_id"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            credited_on=data.get("credited_on") or data["paid_on"],
            source=data["source"],
            actor=request.user,  # type: ignore[arg-type]
            fine_interest=data.get("fine_interest"),
            discount=data["discount"],
            bank_fee=data["bank_fee"],
        )
        row = payment_selectors.payment_rows(
            payment_selectors.PaymentFilters(settlement_id=result.payment.settlement_id)
        ).get()
        return Response(PaymentSerializer(row).data, status=201 if result.created else 200)
