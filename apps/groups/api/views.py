"""``/api/v1/groups/``: list, read, create; lifecycle transitions and rules amendments.

Every POST honours ``Idempotency-Key``. Refusals are problems with stable codes
(``group_invalid_transition``, ``group_rules_invalid``, ``group_amendment_refused``…).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.groups import selectors
from apps.groups.api import serializers as api_serializers
from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services import amendments, lifecycle, plans
from consorcio.idempotency import idempotent

TAG = "Grupos"


def _actor(request: Request) -> AbstractBaseUser | None:
    user = request.user
    return user if isinstance(user, AbstractBaseUser) else None


class GroupViewSet(viewsets.ReadOnlyModelViewSet[ConsortiumGroup]):
    """Consortium groups (grupos de consórcio) and their rules."""

    queryset = ConsortiumGroup.objects.all()
    serializer_class = api_serializers.GroupSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {"transition": "change", "amend": "change"}
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        """Every group (groups have no owner), with the rules in force."""
        return selectors.groups()

    @extend_schema(tags=[TAG], summary="Listar grupos")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Groups ordered by code, paginated."""
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=[TAG], summary="Consultar grupo")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One group with its rules in force."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Criar grupo (em formação)",
        request=api_serializers.GroupCreateSerializer,
        responses={201: api_serializers.GroupSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Register a group in formation with its rules version 1."""
        body = api_serializers.GroupCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        group = plans.create_group(actor=_actor(request), **body.validated_data)
        return Response(self.get_serializer(selectors.groups().get(pk=group.pk)).data, status=201)

    @extend_schema(
        tags=[TAG],
        summary="Mudar a situação do grupo",
        request=api_serializers.TransitionSerializer,
        responses={200: api_serializers.GroupSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Formation -> running (first assembly) -> closing -> closed; anything else is 409."""
        group = self.get_object()
        body = api_serializers.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lifecycle.transition_group(
            group=group,
            to_state=GroupState(body.validated_data["to_state"]),
            on_date=body.validated_data["on_date"],
        )
        return Response(self.get_serializer(selectors.groups().get(pk=group.pk)).data)

    @extend_schema(
        tags=[TAG],
        summary="Aditar as regras do grupo (nova versão)",
        request=api_serializers.AmendmentSerializer,
        responses={201: api_serializers.GroupRulesSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def amend(self, request: Request, pk: str | None = None) -> Response:
        """Create the next rules version; the previous one stays retrievable."""
        group = self.get_object()
        body = api_serializers.AmendmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rules = amendments.amend_group_rules(
            group=group, actor=_actor(request), **body.validated_data
        )
        return Response(api_serializers.GroupRulesSerializer(rules).data, status=201)
