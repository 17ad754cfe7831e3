"""Back-office admin of API clients: create one, rotate its secret, deactivate it.

The secret is never stored in clear, so the admin shows it once, in the success message of
the action that produced it (creation or "gerar novo segredo"). Writes go through
``services.api_clients`` so the machine account, the hash and the token revocation happen as
in the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import ApiClient, SalesChannel, User
from apps.accounts.roles import ROLE_CHOICES
from apps.accounts.selectors.authorization import can, scope_queryset
from apps.accounts.services import api_clients


class ApiClientCreationForm(forms.ModelForm):
    """Name, role and channel: the rest (client id, secret, machine user) is generated."""

    role_name = forms.ChoiceField(label="papel", choices=ROLE_CHOICES)

    class Meta:
        model = ApiClient
        fields = ["name", "channel"]


def _secret_message(client: ApiClient, secret: str) -> str:
    return (
        f"Cliente {client.name}: client id {client.client_id}, segredo {secret} — "
        "copie agora, ele não será exibido novamente."
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """API clients, scoped like the API; secrets shown once through messages."""

    list_display = ("name", "client_id", "role", "channel", "is_active", "last_used_at")
    list_filter = ("is_active", "role", "channel")
    search_fields = ("name", "client_id")
    list_select_related = ("role", "channel")
    readonly_fields = (
        "client_id",
        "role",
        "user",
        "created_by",
        "created_at",
        "secret_rotated_at",
        "last_used_at",
        "is_active",
    )
    fields = (
        "name",
        "client_id",
        "role",
        "channel",
        "user",
        "is_active",
        "created_by",
        "created_at",
        "secret_rotated_at",
        "last_used_at",
    )
    actions = ["rotate_secrets", "deactivate_clients"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        """Only the clients the actor's scope reaches."""
        return scope_queryset(super().get_queryset(request), request.user)

    def get_form(
        self,
        request: HttpRequest,
        obj: ApiClient | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Creation asks for name, role and channel; editing changes the name and channel."""
        if obj is None:
            kwargs["form"] = ApiClientCreationForm
            kwargs["fields"] = ["name", "role_name", "channel"]
        form = super().get_form(request, obj, change=change, **kwargs)
        if "channel" in form.base_fields:
            channel_field: Any = form.base_fields["channel"]
            channel_field.queryset = scope_queryset(SalesChannel.objects.all(), request.user)
        return form

    def get_fields(self, request: HttpRequest, obj: ApiClient | None = None) -> Any:
        """The creation form has its own short field list."""
        if obj is None:
            return ["name", "role_name", "channel"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiClient | None = None) -> Any:
        """Nothing is read-only on the creation form (its fields are all inputs)."""
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        """Clients are deactivated, never deleted (their history stays)."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        """Role permission, and `can` on the object itself."""
        allowed = super().has_change_permission(request, obj)
        return bool(allowed) and (obj is None or can(request.user, "change", obj))

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        """Creation goes through the service and shows the secret once; edits save as usual."""
        if change:
            super().save_model(request, obj, form, change)
            return
        actor = request.user
        assert isinstance(actor, User)
        client, secret = api_clients.create_api_client(
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role_name"],
            channel=form.cleaned_data.get("channel"),
            created_by=actor,
        )
        # The admin goes on with this instance (log entry, redirect to the change page).
        for field in ApiClient._meta.concrete_fields:
            setattr(obj, field.attname, getattr(client, field.attname))
        obj._state.adding = False
        obj._state.db = client._state.db
        messages.warning(request, _secret_message(client, secret))

    @admin.action(description="Gerar novo segredo", permissions=["change"])
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        """New secrets for the selected active clients, shown once; their tokens end."""
        for client in queryset.filter(is_active=True):
            if not can(request.user, "change", client):
                continue
            secret = api_clients.rotate_secret(api_client=client)
            messages.warning(request, _secret_message(client, secret))

    @admin.action(description="Desativar clientes selecionados", permissions=["change"])
    def deactivate_clients(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        """Switch the selected clients off; their tokens are refused from now on."""
        count = 0
        for client in queryset.filter(is_active=True):
            if can(request.user, "change", client):
                api_clients.deactivate_api_client(api_client=client)
                count += 1
        messages.success(request, f"{count} cliente(s) de API desativado(s).")
