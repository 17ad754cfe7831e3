"""``/api/v1/api-clients/``: admins list, create, rotate and deactivate integrators' clients.

The secret appears only in the answers of creation and rotation. Access follows the role
permissions on ``ApiClient`` (admin: all; auditor: read) and the ownership scope.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.api import serializers as api_serializers
from apps.accounts.api.filters import ApiClientFilter
from apps.accounts.models import ApiClient, SalesChannel, User
from apps.accounts.permissions import CanActOnObject
from apps.accounts.selectors import api_clients as api_client_selectors
from apps.accounts.selectors.authorization import can, scope_queryset
from apps.accounts.services import api_clients

TAG = "Clientes de API"


def _with_secret(client: ApiClient, secret: str, *, status: int) -> Response:
    serializer = api_serializers.ApiClientSecretSerializer(
        client, context={"client_secret": secret}
    )
    return Response(serializer.data, status=status)


@extend_schema_view(
    list=extend_schema(tags=[TAG], summary="Listar clientes de API"),
    retrieve=extend_schema(tags=[TAG], summary="Consultar cliente de API"),
)
class ApiClientViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ApiClient]
):
    """Integrators' machine accounts: each bound to a role and optionally to a sales channel."""

    queryset = ApiClient.objects.all()
    serializer_class = api_serializers.ApiClientSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {"rotate_secret": "change", "deactivate": "change"}
    filterset_class = ApiClientFilter
    search_fields = ["name", "client_id"]
    ordering_fields = ["name", "created_at", "last_used_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self) -> Any:
        """The clients within the actor's scope (others answer 404)."""
        return scope_queryset(api_client_selectors.api_clients(), self.request.user)

    @extend_schema(
        tags=[TAG],
        summary="Criar cliente de API",
        description="A resposta traz o segredo (client_secret) — a única vez em que ele aparece.",
        request=api_serializers.ApiClientCreateSerializer,
        responses={201: api_serializers.ApiClientSecretSerializer},
    )
    def create(self, request: Request) -> Response:
        """Create the client and its machine account; answer its secret once."""
        serializer = api_serializers.ApiClientCreateSerializer(data=request.data)
        channel_field: Any = serializer.fields["channel"]
        channel_field.queryset = scope_queryset(SalesChannel.objects.all(), request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        channel = data.get("channel")
        actor = request.user
        assert isinstance(actor, User)
        if not can(actor, "add", ApiClient(channel=channel, created_by=actor)):
            raise PermissionDenied()
        client, secret = api_clients.create_api_client(
            name=data["name"], role=data["role"], channel=channel, created_by=actor
        )
        client = api_client_selectors.api_clients().get(pk=client.pk)
        return _with_secret(client, secret, status=201)

    @extend_schema(
        tags=[TAG],
        summary="Gerar novo segredo",
        description=(
            "O segredo anterior deixa de valer e todos os tokens emitidos ao cliente são "
            "revogados. A resposta traz o novo segredo, exibido somente aqui."
        ),
        request=None,
        responses={200: api_serializers.ApiClientSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """Replace the secret; the old one and every token of the client stop working."""
        client = self.get_object()
        secret = api_clients.rotate_secret(api_client=client)
        return _with_secret(client, secret, status=200)

    @extend_schema(
        tags=[TAG],
        summary="Desativar cliente de API",
        request=None,
        responses={200: api_serializers.ApiClientSerializer},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """Switch the client off; its tokens are refused from now on."""
        client = api_clients.deactivate_api_client(api_client=self.get_object())
        client = api_client_selectors.api_clients().get(pk=client.pk)
        return Response(api_serializers.ApiClientSerializer(client).data)
