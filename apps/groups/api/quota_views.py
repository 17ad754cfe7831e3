"""``/api/v1/quotas/``: quota holdings (scoped) and the sale: reserve, confirm, cancel, transfer.

Every POST honours ``Idempotency-Key``. Refusals are problems with stable codes
(``quota_not_available``, ``quota_reservation_expired``, ``quota_contract_not_accepted``…).
A confirmed sale answers with its contract of adhesion and a signed download link.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.groups import selectors
from apps.groups.api import quota_serializers as api_serializers
from apps.groups.models import QuotaStatus, QuotaVersion
from apps.groups.services import contracts, sales, transfers
from apps.members import selectors as member_selectors
from consorcio.errors import NotFound
from consorcio.idempotency import idempotent

TAG = "Cotas e vendas"


def _absolute(request: Request, url: str) -> str:
    """A site path made absolute for integrators (an S3 presigned URL already is)."""
    return request.build_absolute_uri(url)


class QuotaViewSet(viewsets.ReadOnlyModelViewSet[QuotaVersion]):
    """Quota holdings of the caller's scope; reserve, confirm and cancel sales."""

    queryset = QuotaVersion.objects.all()
    serializer_class = api_serializers.QuotaVersionSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {
        "reserve": "add",
        "confirm": "change",
        "cancel": "change",
        "transfer": "change",
    }
    filter_backends: list[Any] = []
    # reserve/transfer name a group or member that may not exist (or lie outside the scope);
    # a reservation has no contract yet (409); a busy quota lock or a contract that could not
    # be generated answers 503.
    problem_statuses = (404, 409, 503)

    def get_queryset(self) -> Any:
        """Reservations and sales inside the caller's ownership scope, newest first."""
        qs = selectors.scoped_quota_versions(self.request.user)
        group = self.request.query_params.get("group")
        if group and group.isdigit():
            qs = qs.filter(quota__group_id=int(group))
        return qs

    @extend_schema(tags=[TAG], summary="Listar cotas vendidas e reservadas")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Holdings of the caller's scope (``?group=<id>`` filters one group), paginated."""
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=[TAG], summary="Consultar cota")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One holding (404 outside the caller's scope)."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Reservar cota (15 minutos)",
        request=api_serializers.ReserveSerializer,
        responses={201: api_serializers.QuotaVersionSerializer},
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def reserve(self, request: Request) -> Response:
        """Reserve a free quota (the lowest free number when ``number`` is omitted)."""
        body = api_serializers.ReserveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        group = selectors.groups().filter(pk=body.validated_data["group"]).first()
        member = (
            member_selectors.visible_members(request.user)
            .filter(pk=body.validated_data["member"])
            .first()
        )
        if group is None or member is None:
            raise NotFound("Grupo ou consorciado não encontrado.")
        version = sales.reserve_quota(
            actor=request.user,  # type: ignore[arg-type]
            group=group,
            member=member,
            number=body.validated_data.get("number"),
        )
        return Response(self.get_serializer(version).data, status=201)

    @extend_schema(
        tags=[TAG],
        summary="Confirmar venda (gera o contrato de participação)",
        request=api_serializers.ConfirmSerializer,
        responses={200: api_serializers.ConfirmedSaleSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the reservation as a sale (contract accepted); records the up-front fee.

        The answer carries the contract of adhesion generated with the sale and a short-lived
        signed link to download it (``GET …/contract/`` issues a fresh one later).
        """
        reservation = self.get_object()
        body = api_serializers.ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = request.user
        version = sales.confirm_sale(
            actor=actor,  # type: ignore[arg-type]
            reservation=reservation,
            contract_accepted=body.validated_data["contract_accepted"],
        )
        url = contracts.contract_download_url(version, actor=actor)  # type: ignore[arg-type]
        context = {**self.get_serializer_context(), "contract_url": _absolute(request, url)}
        return Response(api_serializers.ConfirmedSaleSerializer(version, context=context).data)

    @extend_schema(
        tags=[TAG],
        summary="Link para baixar o contrato de participação",
        responses={200: api_serializers.ContractLinkSerializer},
    )
    @action(detail=True, methods=["get"])
    def contract(self, request: Request, pk: str | None = None) -> Response:
        """The quota's contract (latest issue) with a fresh short-lived download link.

        A reservation has no contract yet: ``quota_contract_missing`` (409).
        """
        version = self.get_object()
        url = contracts.contract_download_url(version, actor=request.user)  # type: ignore[arg-type]
        link = {"contract": version.contract, "download_url": _absolute(request, url)}
        return Response(api_serializers.ContractLinkSerializer(link).data)

    @extend_schema(
        tags=[TAG],
        summary="Cancelar reserva ou venda (desistência em 7 dias)",
        request=api_serializers.CancelSerializer,
        responses={200: api_serializers.QuotaVersionSerializer, 204: None},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a reservation (204), or a sale within 7 days of confirmation (200)."""
        version = self.get_object()
        actor = request.user
        if version.status == QuotaStatus.RESERVED:
            sales.cancel_reservation(actor=actor, reservation=version)  # type: ignore[arg-type]
            return Response(status=204)
        body = api_serializers.CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cancelled = transfers.cancel_sale(
            actor=actor,  # type: ignore[arg-type]
            version=version,
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(cancelled).data)

    @extend_schema(
        tags=[TAG],
        summary="Transferir cota a outro consorciado",
        request=api_serializers.TransferSerializer,
        responses={201: api_serializers.QuotaVersionSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        """Pass the quota to another member; the group's transfer fee becomes an obligation."""
        version = self.get_object()
        body = api_serializers.TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to_member = (
            member_selectors.visible_members(request.user)
            .filter(pk=body.validated_data["to_member"])
            .first()
        )
        if to_member is None:
            raise NotFound("Consorciado não encontrado.")
        new = transfers.transfer_quota(
            actor=request.user,  # type: ignore[arg-type]
            version=version,
            to_member=to_member,
        )
        return Response(self.get_serializer(new).data, status=201)
