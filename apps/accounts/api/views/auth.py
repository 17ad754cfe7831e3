"""Token endpoints: staff sign-in, client credentials, refresh (rotation) and logout.

They take no authentication (the body carries the credential), are throttled per client
address (scope ``auth``) and, for staff, go through django-axes: repeated failures lock the
username/address out, answered here as 429 problem+json.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.accounts.api import serializers as api_serializers
from apps.accounts.api.throttling import SignInRateThrottle
from apps.accounts.models import User
from apps.accounts.services import api_clients, tokens
from consorcio.errors import DomainError

TAG = "Autenticação"


class InvalidCredentials(tokens.Unauthenticated):
    """Wrong username or password (the answer never says which)."""

    code = "invalid_credentials"
    title = "Credenciais inválidas"
    default_detail = "Usuário ou senha inválidos."


class AccountLocked(DomainError):
    """Too many failed sign-ins for this username/address (django-axes)."""

    code = "account_locked"
    status = 429
    title = "Acesso bloqueado temporariamente"
    default_detail = "Muitas tentativas sem sucesso. Aguarde e tente novamente."

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__()
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str]:
        """``Retry-After`` when the lockout has a cool-off period."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def validated(serializer_class: type[Serializer[Any]], request: Request) -> dict[str, Any]:
    """The request body validated by the serializer (400 problem+json otherwise)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def pair_response(pair: tokens.TokenPair) -> Response:
    """The token pair as the API answers it."""
    body = {
        "access": pair.access,
        "refresh": pair.refresh,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
    }
    return Response(api_serializers.TokenPairSerializer(body).data)


class _TokenEndpoint(APIView):
    authentication_classes: Sequence[type[BaseAuthentication]] = ()
    permission_classes = [AllowAny]
    throttle_classes = [SignInRateThrottle]
    # Error statuses the schema documents beyond the defaults (consorcio.api_schema).
    problem_statuses: ClassVar[tuple[int, ...]] = (401,)


class TokenObtainView(_TokenEndpoint):
    """``POST /api/v1/auth/token/``: a staff member's tokens (with the 2FA code if it uses 2FA)."""

    problem_statuses = (401, 403)

    @extend_schema(
        tags=[TAG],
        summary="Obter tokens (colaborador)",
        request=api_serializers.TokenObtainRequestSerializer,
        responses={200: api_serializers.TokenPairSerializer},
    )
    def post(self, request: Request) -> Response:
        """Check password (and lockout), then the second factor, then issue a pair."""
        data = validated(api_serializers.TokenObtainRequestSerializer, request)
        user = authenticate(request, username=data["username"], password=data["password"])
        if getattr(request, "axes_locked_out", False):
            cool_off = get_cool_off(request)
            raise AccountLocked(int(cool_off.total_seconds()) if cool_off else None)
        if not isinstance(user, User):
            raise InvalidCredentials()
        pair = tokens.issue_staff_token_pair(user=user, otp=data.get("otp") or None)
        return pair_response(pair)


class ClientTokenView(_TokenEndpoint):
    """``POST /api/v1/auth/client-token/``: an API client's tokens from its id and secret."""

    @extend_schema(
        tags=[TAG],
        summary="Obter tokens (cliente de API)",
        request=api_serializers.ClientTokenRequestSerializer,
        responses={200: api_serializers.TokenPairSerializer},
    )
    def post(self, request: Request) -> Response:
        """Client credentials in, a token pair of the client's machine account out."""
        data = validated(api_serializers.ClientTokenRequestSerializer, request)
        client = api_clients.authenticate_api_client(
            client_id=data["client_id"], secret=data["client_secret"]
        )
        return pair_response(tokens.issue_token_pair(user=client.user))


class TokenRefreshView(_TokenEndpoint):
    """``POST /api/v1/auth/token/refresh/``: rotate a refresh token (single use)."""

    @extend_schema(
        tags=[TAG],
        summary="Renovar tokens",
        description=(
            "Cada token de renovação vale uma vez: a resposta traz um novo. Reapresentar um "
            "token já usado encerra todas as sessões abertas com ele (401 token_reused)."
        ),
        request=api_serializers.RefreshRequestSerializer,
        responses={200: api_serializers.TokenPairSerializer},
    )
    def post(self, request: Request) -> Response:
        """Blacklist the presented refresh token and answer the next pair of its family."""
        data = validated(api_serializers.RefreshRequestSerializer, request)
        return pair_response(tokens.rotate_refresh_token(raw_refresh=data["refresh"]))


class LogoutView(_TokenEndpoint):
    """``POST /api/v1/auth/logout/``: end the session of a refresh token (and its access tokens)."""

    @extend_schema(
        tags=[TAG],
        summary="Encerrar sessão",
        request=api_serializers.RefreshRequestSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        """Revoke the token's family: its refresh and access tokens stop working now."""
        data = validated(api_serializers.RefreshRequestSerializer, request)
        tokens.logout(raw_refresh=data["refresh"])
        return Response(status=204)
