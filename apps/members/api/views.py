"""``/api/v1/members/``: list (search, filters, cursor), create, retrieve, update.

Scoped by ownership: a channel's API client or a representative reaches only the members it
brought in (others answer 404). The list builds its JSON from ``.values()`` rows (hot path);
writes validate with serializers and act through `apps.members.services`. Retrieving a
member writes a personal-data access entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.members import selectors, services
from apps.members.api import serializers as api_serializers
from apps.members.models import Member
from consorcio.errors import NotFound
from consorcio.idempotency import idempotent

TAG = "Consorciados"
LIST_FIELDS = ("id", "kind", "document", "name", "email", "sales_channel", "created_at")
API_PURPOSE = "Consulta do cadastro pela API"
_SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Nome (sem acentos), CPF/CNPJ (prefixo) ou e-mail"
    ),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=["PF", "PJ"]),
    OpenApiParameter("uf", OpenApiTypes.STR, description="UF do endereço principal"),
    OpenApiParameter("channel", OpenApiTypes.INT, description="Canal de vendas (id)"),
]


class MemberCursorPagination(CursorPagination):
    """Newest first; the cursor reads ``id`` from the ``.values()`` rows (they have no ``pk``)."""

    ordering = "-id"
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        """The largest ``?page_size=`` honoured (settings ``API_MAX_PAGE_SIZE``)."""
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 500))


def _address(address: Any) -> dict[str, Any]:
    return {
        "street": address.street,
        "number": address.number,
        "complement": address.complement,
        "district": address.district,
        "city": address.city,
        "uf": address.uf,
        "cep": address.cep,
        "is_primary": address.is_primary,
    }


def record_json(actor: Any, member: Member) -> dict[str, Any]:
    """A member's full record as the API shows it to ``actor`` (document masked or not)."""
    return {
        "id": member.pk,
        "kind": member.kind,
        "document": selectors.display_document(actor, member.document),
        "name": member.name,
        "email": member.email,
        "sales_channel": member.sales_channel_id,
        "sales_representative": member.sales_representative_id,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
        "birth_date": member.birth_date,
        "phones": list(member.phones),
        "monthly_income": f"{member.monthly_income:.2f}",
        "refuses_disclosure": member.refuses_disclosure,
        "addresses": [_address(address) for address in member.addresses.all()],
    }


class MemberViewSet(viewsets.GenericViewSet[Member]):
    """Members (consorciados): PF with CPF, PJ with CNPJ."""

    queryset = Member.objects.all()
    permission_classes = [IsAuthenticated, CanActOnObject]
    serializer_class = api_serializers.MemberRecordSerializer
    filter_backends: list[Any] = []
    pagination_class = MemberCursorPagination
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    permission_actions = {
        "add_address": "change",
        "give_consent": "change",
        "revoke_consent": "change",
    }

    def get_queryset(self) -> Any:
        """The members within the actor's scope (others answer 404)."""
        return selectors.visible_members(self.request.user)

    @extend_schema(
        tags=[TAG],
        summary="Listar e buscar consorciados",
        parameters=_SEARCH_PARAMETERS,
        responses={200: api_serializers.MemberListItemSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        """Search by name, CPF/CNPJ prefix or email; filter by kind, UF, channel."""
        queryset = selectors.search_members(
            request.user,
            request.query_params.get("q", ""),
            selectors.MemberFilters.from_params(request.query_params),
        ).values(*LIST_FIELDS)
        page = self.paginate_queryset(queryset) or []
        show = selectors.may_see_personal_data(request.user)
        for row in page:
            document = row["document"]
            row["document"] = (
                selectors.format_document(document) if show else selectors.mask_document(document)
            )
        return self.get_paginated_response(page)

    @extend_schema(
        tags=[TAG],
        summary="Cadastrar consorciado",
        request=api_serializers.MemberCreateSerializer,
        responses={201: api_serializers.MemberRecordSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Register a member owned by the caller's channel/representative (409 if duplicate)."""
        serializer = api_serializers.MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        addresses = [services.AddressData(**item) for item in data.pop("addresses", [])]
        member = services.register_member(actor=request.user, addresses=addresses, **data)
        record = selectors.member_record(request.user, member.pk)
        return Response(record_json(request.user, record or member), status=201)

    def _open(self, request: Request, pk: str | None) -> Member:
        member = self.get_object()  # 404 outside the scope, 403 without the permission
        record = services.open_member_record(
            actor=request.user, member_id=member.pk, purpose=API_PURPOSE
        )
        if record is None:
            raise NotFound()
        return record

    @extend_schema(
        tags=[TAG],
        summary="Consultar consorciado",
        responses={200: api_serializers.MemberRecordSerializer},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """The full record; the read is written to the personal-data access log."""
        return Response(record_json(request.user, self._open(request, pk)))

    def _update(self, request: Request, *, partial: bool) -> Response:
        member = self.get_object()
        serializer = api_serializers.MemberUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.update_member(member=member, **serializer.validated_data)
        record = selectors.member_record(request.user, member.pk)
        return Response(record_json(request.user, record or member))

    @extend_schema(
        tags=[TAG],
        summary="Alterar consorciado",
        request=api_serializers.MemberUpdateSerializer,
        responses={200: api_serializers.MemberRecordSerializer},
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Replace the editable fields (kind and document never change)."""
        return self._update(request, partial=False)

    @extend_schema(
        tags=[TAG],
        summary="Alterar parte do consorciado",
        request=api_serializers.MemberUpdateSerializer,
        responses={200: api_serializers.MemberRecordSerializer},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some editable fields."""
        return self._update(request, partial=True)

    @extend_schema(
        tags=[TAG],
        summary="Incluir endereço",
        request=api_serializers.AddressSerializer,
        responses={201: api_serializers.AddressSerializer},
    )
    @action(detail=True, methods=["post"], url_path="addresses", url_name="addresses")
    @idempotent
    def add_address(self, request: Request, pk: str | None = None) -> Response:
        """Add an address (primary when marked so or when it is the member's first)."""
        member = self.get_object()
        serializer = api_serializers.AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = services.add_address(
            member=member, address=services.AddressData(**serializer.validated_data)
        )
        return Response(_address(address), status=201)

    @extend_schema(
        tags=[TAG],
        summary="Registrar consentimento (LGPD)",
        request=api_serializers.ConsentGiveSerializer,
        responses={201: api_serializers.ConsentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="consents", url_name="consents")
    @idempotent
    def give_consent(self, request: Request, pk: str | None = None) -> Response:
        """Record the member's consent for a purpose under a text version."""
        member = self.get_object()
        serializer = api_serializers.ConsentGiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.give_consent(
            member=member, actor=request.user, **serializer.validated_data
        )
        return Response(api_serializers.ConsentSerializer(consent).data, status=201)

    @extend_schema(
        tags=[TAG],
        summary="Revogar consentimento (LGPD)",
        request=api_serializers.ConsentRevokeSerializer,
        responses={200: api_serializers.ConsentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="consents/revoke", url_name="revoke-consent")
    @idempotent
    def revoke_consent(self, request: Request, pk: str | None = None) -> Response:
        """Revoke the consent in force for a purpose (409 ``consent_not_given`` if none)."""
        member = self.get_object()
        serializer = api_serializers.ConsentRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.revoke_consent(
            member=member, actor=request.user, purpose=serializer.validated_data["purpose"]
        )
        return Response(api_serializers.ConsentSerializer(consent).data)
