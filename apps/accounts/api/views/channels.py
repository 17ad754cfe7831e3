"""``/api/v1/sales-channels/`` and ``/api/v1/sales-representatives/``: read, and admin write.

Everything is scoped by ``selectors.authorization``: a channel's API client or a
representative reaches only its own channel (others answer 404); writing needs the role
permission (admin) and an object within scope.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.api import serializers as api_serializers
from apps.accounts.api.filters import SalesChannelFilter, SalesRepresentativeFilter
from apps.accounts.models import SalesChannel, SalesRepresentative
from apps.accounts.permissions import CanActOnObject
from apps.accounts.selectors.authorization import can, scope_queryset
from apps.accounts.services import channels as channel_services
from consorcio.idempotency import idempotent

CHANNELS_TAG = "Canais de vendas"
REPRESENTATIVES_TAG = "Representantes de vendas"
_METHODS = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(tags=[CHANNELS_TAG], summary="Listar canais de vendas"),
    retrieve=extend_schema(tags=[CHANNELS_TAG], summary="Consultar canal de vendas"),
)
class SalesChannelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[SalesChannel]
):
    """Branches and partners that sell quotas."""

    queryset = SalesChannel.objects.all()
    serializer_class = api_serializers.SalesChannelSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    http_method_names = _METHODS
    filterset_class = SalesChannelFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["name", "pk"]

    def get_queryset(self) -> Any:
        """The channels within the actor's scope (others answer 404)."""
        return scope_queryset(SalesChannel.objects.all(), self.request.user)

    @extend_schema(
        tags=[CHANNELS_TAG],
        summary="Cadastrar canal de vendas",
        request=api_serializers.SalesChannelSerializer,
        responses={201: api_serializers.SalesChannelSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Register a channel (its code is unique: a duplicate answers 409)."""
        serializer = api_serializers.SalesChannelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not can(request.user, "add", SalesChannel(code=data["code"], name=data["name"])):
            raise PermissionDenied()
        channel = channel_services.create_sales_channel(
            code=data["code"],
            name=data["name"],
            kind=data.get("kind", SalesChannel.Kind.BRANCH),
            is_active=data.get("is_active", True),
        )
        return Response(api_serializers.SalesChannelSerializer(channel).data, status=201)

    @extend_schema(
        tags=[CHANNELS_TAG],
        summary="Alterar canal de vendas",
        request=api_serializers.SalesChannelUpdateSerializer,
        responses={200: api_serializers.SalesChannelSerializer},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Rename, change the kind or (de)activate a channel; its code never changes."""
        channel = self.get_object()
        serializer = api_serializers.SalesChannelUpdateSerializer(
            channel, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        channel = channel_services.update_sales_channel(
            channel=channel,
            name=data.get("name", channel.name),
            kind=data.get("kind", channel.kind),
            is_active=data.get("is_active", channel.is_active),
        )
        return Response(api_serializers.SalesChannelSerializer(channel).data)


@extend_schema_view(
    list=extend_schema(tags=[REPRESENTATIVES_TAG], summary="Listar representantes"),
    retrieve=extend_schema(tags=[REPRESENTATIVES_TAG], summary="Consultar representante"),
)
class SalesRepresentativeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[SalesRepresentative],
):
    """Staff users who sell for a channel."""

    queryset = SalesRepresentative.objects.all()
    serializer_class = api_serializers.SalesRepresentativeSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    http_method_names = _METHODS
    filterset_class = SalesRepresentativeFilter
    search_fields = ["user__full_name", "user__username"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self) -> Any:
        """The representatives within the actor's scope (others answer 404)."""
        return scope_queryset(SalesRepresentative.objects.all(), self.request.user).select_related(
            "user", "channel"
        )

    def _scoped_channels(self, serializer: Any) -> None:
        # A channel outside the actor's scope is "not found" (400), never silently accepted.
        serializer.fields["channel"].queryset = scope_queryset(
            SalesChannel.objects.all(), self.request.user
        )

    @extend_schema(
        tags=[REPRESENTATIVES_TAG],
        summary="Cadastrar representante",
        request=api_serializers.SalesRepresentativeSerializer,
        responses={201: api_serializers.SalesRepresentativeSerializer},
    )
    def create(self, request: Request) -> Response:
        """Make a staff user a representative of a channel."""
        serializer = api_serializers.SalesRepresentativeSerializer(data=request.data)
        self._scoped_channels(serializer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        candidate = SalesRepresentative(user=data["user"], channel=data["channel"])
        if not can(request.user, "add", candidate):
            raise PermissionDenied()
        representative = channel_services.create_sales_representative(
            user=data["user"], channel=data["channel"], is_active=data.get("is_active", True)
        )
        body = api_serializers.SalesRepresentativeSerializer(representative).data
        return Response(body, status=201)

    @extend_schema(
        tags=[REPRESENTATIVES_TAG],
        summary="Alterar representante",
        request=api_serializers.SalesRepresentativeUpdateSerializer,
        responses={200: api_serializers.SalesRepresentativeSerializer},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Move a representative to another channel or (de)activate it."""
        representative = self.get_object()
        serializer = api_serializers.SalesRepresentativeUpdateSerializer(
            representative, data=request.data, partial=True
        )
        self._scoped_channels(serializer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        representative = channel_services.update_sales_representative(
            representative=representative,
            channel=data.get("channel", representative.channel),
            is_active=data.get("is_active", representative.is_active),
        )
        return Response(api_serializers.SalesRepresentativeSerializer(representative).data)
