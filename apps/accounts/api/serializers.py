"""Shapes of the accounts API: token requests and answers, API clients, channels, representatives.

Serializers validate shape only; business rules live in the services they feed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import Group
from rest_framework import serializers

from apps.accounts.models import ApiClient, SalesChannel, SalesRepresentative, User
from apps.accounts.roles import ROLE_CHOICES

# --- Tokens ------------------------------------------------------------------------------


class TokenObtainRequestSerializer(serializers.Serializer[Any]):
    """Staff sign-in: username, password and, when the account uses 2FA, the current code."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Código do aplicativo autenticador (ou de recuperação), se a conta usa 2FA.",
    )


class ClientTokenRequestSerializer(serializers.Serializer[Any]):
    """Client-credentials sign-in of an API client."""

    client_id = serializers.CharField(max_length=64)
    client_secret = serializers.CharField(max_length=256, style={"input_type": "password"})


class RefreshRequestSerializer(serializers.Serializer[Any]):
    """A refresh token, to rotate (refresh) or to end (logout)."""

    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer[Any]):
    """The answer of a sign-in or a refresh."""

    access = serializers.CharField(help_text="Token de acesso (Authorization: Bearer …).")
    refresh = serializers.CharField(help_text="Token de renovação; cada uso gera um novo.")
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Validade do token de acesso, em segundos.")


# --- API clients -------------------------------------------------------------------------


class ApiClientSerializer(serializers.ModelSerializer[ApiClient]):
    """An API client as admins read it (never its secret)."""

    role: serializers.SlugRelatedField[Group] = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )
    created_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = ApiClient
        fields = [
            "id",
            "name",
            "client_id",
            "role",
            "channel",
            "is_active",
            "created_at",
            "created_by",
            "secret_rotated_at",
            "last_used_at",
        ]
        read_only_fields = fields


class ApiClientCreateSerializer(serializers.Serializer[Any]):
    """A new API client: a name, the role it acts with and optionally its sales channel."""

    name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    channel = serializers.PrimaryKeyRelatedField(
        queryset=SalesChannel.objects.all(), required=False, allow_null=True
    )


class ApiClientSecretSerializer(ApiClientSerializer):
    """An API client with its secret: the answer of creation and rotation, shown this once."""

    client_secret = serializers.SerializerMethodField(
        help_text="O segredo, exibido somente nesta resposta. Guarde-o em local seguro."
    )

    class Meta(ApiClientSerializer.Meta):
        fields = [*ApiClientSerializer.Meta.fields, "client_secret"]
        read_only_fields = fields

    def get_client_secret(self, obj: ApiClient) -> str:
        """The secret handed to the serializer's context by the view."""
        return str(self.context["client_secret"])


# --- Sales channels and representatives ----------------------------------------------------


class SalesChannelSerializer(serializers.ModelSerializer[SalesChannel]):
    """A branch or partner that sells quotas; its code is set at creation and never changes."""

    class Meta:
        model = SalesChannel
        fields = ["id", "code", "name", "kind", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service checks code uniqueness and answers 409; no validator query here.
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"code": {"validators": []}}


class SalesChannelUpdateSerializer(serializers.ModelSerializer[SalesChannel]):
    """The editable part of a channel (PATCH)."""

    class Meta:
        model = SalesChannel
        fields = ["name", "kind", "is_active"]


class SalesRepresentativeSerializer(serializers.ModelSerializer[SalesRepresentative]):
    """A staff user who sells for a channel."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(kind=User.Kind.STAFF))
    user_name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = SalesRepresentative
        fields = ["id", "user", "user_name", "channel", "is_active", "created_at"]
        read_only_fields = ["id", "user_name", "created_at"]


class SalesRepresentativeUpdateSerializer(serializers.ModelSerializer[SalesRepresentative]):
    """The editable part of a representative (PATCH): its channel and whether it is active."""

    class Meta:
        model = SalesRepresentative
        fields = ["channel", "is_active"]
