"""JWT authentication that also refuses access tokens of a revoked token family.

DRF imports the default authentication classes while ``rest_framework.views`` itself is
being imported (``APIView``'s class attributes), before ``consorcio.errors`` can be: so this
module imports the token services inside its methods, never at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditlog.context import auditlog_value
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework_simplejwt.tokens import Token

    from apps.accounts.models import User


class FamilyJWTAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access token>``: the token must belong to a live family.

    Logout, reuse of a rotated refresh token, a password change, a secret rotation or a
    deactivation revoke the family; its access tokens are refused on their next request
    (one query, the same simplejwt spends loading the user).
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:  # type: ignore[override]
        """Authenticate and name the user as the actor of audit entries written meanwhile."""
        result = super().authenticate(request)
        if result is not None:
            _set_audit_actor(result[0])
        return result  # type: ignore[return-value]

    def get_validated_token(self, raw_token: bytes) -> Token:
        """Decode and verify an access token (signature, expiry, type)."""
        from apps.accounts.services import tokens

        try:
            return tokens.FamilyAccessToken(raw_token)
        except TokenError:
            raise InvalidToken("O token de acesso é inválido ou expirou.") from None

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        """The token's user, if its family is live and the account active."""
        from apps.accounts.services import tokens

        user = tokens.authenticated_user(
            family_id=str(validated_token.get(tokens.FAMILY_CLAIM, "")),
            user_id=str(validated_token.get(tokens.USER_CLAIM, "")),
        )
        if user is None:
            raise AuthenticationFailed(
                "Esta sessão foi encerrada. Autentique-se novamente.", code="token_revoked"
            )
        if not user.is_active:
            raise AuthenticationFailed("A conta está inativa.", code="user_inactive")
        return user


def _set_audit_actor(user: Any) -> None:
    """django-auditlog's middleware ran before DRF authenticated the token: fill the actor in.

    The middleware's context dict is read when each audit entry is saved, so setting the
    actor here attributes the API request's writes to the token's user.
    """
    try:
        context: dict[str, Any] = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None:
        context["actor"] = user
