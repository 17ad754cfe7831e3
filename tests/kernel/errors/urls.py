"""Test-only endpoints that fail in every way the problem handler must answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from consorcio.errors import DomainError


class QuotaUnavailable(DomainError):
    """What a later service would define beside itself."""

    code = "quota_not_available"
    title = "Cota indisponível"


class RaisesDomainError(APIView):
    def post(self, request: Request) -> Response:
        raise QuotaUnavailable("A cota 12 do grupo 0042 já foi vendida.", extra={"quota": 12})


class AddressSerializer(serializers.Serializer[Any]):
    zip_code = serializers.RegexField(r"^\d{8}$")
    city = serializers.CharField()


class ItemSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class MemberSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    address = AddressSerializer()
    items = ItemSerializer(many=True)


class ValidatesNestedData(APIView):
    def post(self, request: Request) -> Response:
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class ValidatesModel(APIView):
    """Model-level validation (``clean()``) raising Django's own ValidationError."""

    def post(self, request: Request) -> Response:
        raise DjangoValidationError(
            {NON_FIELD_ERRORS: ["O vencimento é anterior à emissão."], "due_date": ["Inválida."]}
        )


class CreatesUser(APIView):
    """Inserts without checking first: the database's unique index is the last guard."""

    def post(self, request: Request) -> Response:
        with transaction.atomic():
            user = User.objects.create(username=request.data["username"])
        return Response({"id": user.pk}, status=201)


class CreatesUserThenRefuses(APIView):
    """Writes outside any transaction of its own, then refuses."""

    def post(self, request: Request) -> Response:
        User.objects.create(username=request.data["username"])
        raise QuotaUnavailable()


class Explodes(APIView):
    def post(self, request: Request) -> Response:
        raise RuntimeError("password=hunter2 SELECT * FROM accounts_user")


class Missing(APIView):
    def get(self, request: Request) -> Response:
        raise Http404("accounts_user 42 does not exist")


class Slows(APIView):
    def get(self, request: Request) -> Response:
        raise Throttled(wait=12.3)


class NeverAllowed(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return False


class Forbidden(APIView):
    permission_classes = [NeverAllowed]

    def get(self, request: Request) -> Response:
        return Response({})


urlpatterns = [
    path("domain-error", RaisesDomainError.as_view()),
    path("validation", ValidatesNestedData.as_view()),
    path("model-validation", ValidatesModel.as_view()),
    path("users", CreatesUser.as_view()),
    path("users-then-refuse", CreatesUserThenRefuses.as_view()),
    path("explode", Explodes.as_view()),
    path("missing", Missing.as_view()),
    path("throttled", Slows.as_view()),
    path("forbidden", Forbidden.as_view()),
]
