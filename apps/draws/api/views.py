"""``/api/v1/assemblies/`` (list, read, published results) and ``/api/v1/bids/``.

A bid is ``POST``ed with a required ``Idempotency-Key`` (the same key and body replay the first
answer); once bidding closed it is refused with the problem ``bidding_closed`` (409). Bids are
sealed (A8): a caller reads only the bids it placed itself (its receipt); nobody lists bids.
An integrator bound to a sales channel bids only for quotas sold through its channel.
Results answer only once published (``results_not_published``, 409, before), by quota
number only (LGPD).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.draws import selectors
from apps.draws.api import serializers as api_serializers
from apps.draws.models import Assembly, AssemblyState, Bid
from apps.draws.services import bids, minutes
from apps.groups import selectors as group_selectors
from consorcio.errors import Conflict, NotFound
from consorcio.idempotency import IDEMPOTENCY_HEADER, idempotent

TAG_ASSEMBLIES = "Assembleias"
TAG_BIDS = "Lances"


class AssemblyNotFound(NotFound):
    code = "assembly_not_found"
    title = "Assembleia não encontrada"
    default_detail = "A assembleia informada não existe."


class QuotaNotFound(NotFound):
    code = "quota_not_found"
    title = "Cota não encontrada"
    default_detail = (
        "A cota informada não existe no grupo da assembleia ou está fora do seu alcance."
    )


class ResultsNotPublished(Conflict):
    code = "results_not_published"
    title = "Resultado não publicado"
    default_detail = "O resultado desta assembleia ainda não foi publicado."


class _Filters(serializers.Serializer[Any]):
    group = serializers.IntegerField(required=False, min_value=1)
    state = serializers.ChoiceField(choices=AssemblyState.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


_FILTER_PARAMETERS = [
    OpenApiParameter("group", OpenApiTypes.INT, description="Id do grupo."),
    OpenApiParameter("state", OpenApiTypes.STR, enum=AssemblyState.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Data a partir de (AAAA-MM-DD)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Data até (AAAA-MM-DD)."),
]


class AssemblyViewSet(viewsets.ReadOnlyModelViewSet[Assembly]):
    """Assemblies (assembleias) of the groups, their state and their published results."""

    queryset = Assembly.objects.all()
    serializer_class = api_serializers.AssemblySerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {"results": "view"}
    filter_backends: list[Any] = []
    problem_statuses = (409,)  # results before publication
    ordering = ("date", "pk")

    def get_queryset(self) -> Any:
        queryset = selectors.assemblies()
        if self.action != "list":
            return queryset
        filters = _Filters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if data.get("group"):
            queryset = queryset.filter(group_id=data["group"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("date_from"):
            queryset = queryset.filter(date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(date__lte=data["date_to"])
        return queryset

    @extend_schema(
        tags=[TAG_ASSEMBLIES], summary="Listar assembleias", parameters=_FILTER_PARAMETERS
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Assemblies by date, cursor pages; filters by group, state and period."""
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=[TAG_ASSEMBLIES], summary="Consultar assembleia")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One assembly: state, cut-offs, extraction and the verifiable draw's commitment."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG_ASSEMBLIES],
        summary="Resultado publicado da assembleia",
        responses={200: api_serializers.AssemblyResultsSerializer},
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """The key and its search, awards, bid ranking with receipts, money and carry-over."""
        assembly = self.get_object()
        presentation = minutes.results_presentation(assembly)
        result = selectors.assembly_result(assembly)
        if (
            assembly.state != AssemblyState.RESULTS_PUBLISHED
            or presentation is None
            or result is None
        ):
            raise ResultsNotPublished()
        body = {
            "assembly": assembly.pk,
            "group_code": assembly.group.code,
            "key": presentation.key,
            "key_derivation": presentation.derivation_lines,
            "draws": [_draw(row) for row in presentation.draws],
            "excluded_draws": [_draw(row) for row in presentation.excluded_draws],
            "awards": presentation.awards,
            "ranking": [
                {
                    "rank": entry.get("rank"),
                    "quota": entry.get("quota"),
                    "kind": entry.get("kind"),
                    "fraction": str(entry.get("fraction")),
                    "receipt": entry.get("receipt", ""),
                    "outcome": entry.get("outcome"),
                }
                for entry in (result.outcome or {}).get("ranking") or []
            ],
            "money_available": presentation.money_available,
            "money_used": presentation.money_used,
            "carry_over": presentation.carry_over,
            "verifiable": presentation.verifiable,
            "published_at": assembly.published_at,
        }
        return Response(api_serializers.AssemblyResultsSerializer(body).data)


def _draw(row: dict[str, Any]) -> dict[str, Any]:
    return {"key": row["key"], "winner": row["winner"], "steps": row["lines"]}


class BidViewSet(viewsets.GenericViewSet[Bid]):
    """Sealed bids (lances): place one for a quota; read back the receipt of your own."""

    queryset = Bid.objects.none()
    serializer_class = api_serializers.BidReceiptSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    # Reading one's own receipt needs only the right to bid (nobody may read others' bids).
    permission_actions = {"retrieve": "add", "create": "add"}
    filter_backends: list[Any] = []
    problem_statuses = (404, 409)  # unknown assembly or quota; bidding closed

    def get_queryset(self) -> Any:
        """Only the bids the caller placed itself."""
        user = self.request.user
        if not user.is_authenticated:
            return Bid.objects.none()
        return Bid.objects.filter(created_by_id=user.pk).select_related("quota")

    @extend_schema(
        tags=[TAG_BIDS],
        summary="Ofertar lance",
        request=api_serializers.BidCreateSerializer,
        responses={
            201: api_serializers.BidReceiptSerializer,
            200: api_serializers.BidReceiptSerializer,
        },
    )
    @idempotent(required=True)
    def create(self, request: Request) -> Response:
        """Place (or replace) the quota's sealed bid; 201 with its receipt. After the close:
        409 ``bidding_closed``."""
        body = api_serializers.BidCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            assembly = selectors.assembly(data["assembly"])
        except Assembly.DoesNotExist as missing:
            raise AssemblyNotFound(f"A assembleia {data['assembly']} não existe.") from missing
        version = (
            group_selectors.scoped_quota_versions(request.user)
            .filter(quota__group_id=assembly.group_id, quota__number=data["quota"])
            .order_by("-version")
            .first()
        )
        if version is None:
            raise QuotaNotFound()
        bid = bids.place_bid(
            assembly=assembly,
            quota=version.quota,
            kind=data["kind"],
            fraction=data.get("fraction"),
            installments=data.get("installments"),
            embedded_fraction=data.get("embedded_fraction"),
            actor=request.user,  # type: ignore[arg-type]
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER, "")[:100],
        )
        return Response(api_serializers.BidReceiptSerializer(bid).data, status=201)

    @extend_schema(tags=[TAG_BIDS], summary="Consultar o recibo do próprio lance")
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """A bid you placed, with its receipt; anyone else's answers 404."""
        return Response(self.get_serializer(self.get_object()).data)
