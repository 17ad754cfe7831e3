"""Back-office admin of the accounts context, scoped like the pages and the API.

`ScopedAdminMixin` makes any ModelAdmin decide through `selectors.authorization`: the change
list shows only what the actor's scope reaches (plus its per-object exceptions), and each
object's view/change/delete permission is `can(user, action, obj)`. Other contexts use it for
their owned models.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import SalesChannel, SalesRepresentative, TokenFamily, User
from apps.accounts.permissions import ScopedAdminMixin
from apps.accounts.roles import role_names
from apps.accounts.selectors import channels as channel_selectors
from apps.accounts.services import channels as channel_services
from consorcio.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Perfil", {"fields": ("full_name", "kind")}),
    )
    list_display = ("username", "full_name", "email", "kind", "roles", "is_staff", "is_active")
    list_filter = ("kind", "is_active", "is_staff", "groups")
    search_fields = ("username", "full_name", "email")
    readonly_fields = ("kind", "last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="papéis")
    def roles(self, obj: User) -> str:
        names = sorted(group.name for group in obj.groups.all() if group.name in role_names())
        return ", ".join(names) or "—"


@admin.register(SalesChannel)
class SalesChannelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "kind", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is permanent once the channel exists (records and integrations cite it).
        return ("code", "created_at") if obj is not None else ("created_at",)

    def save_model(self, request: HttpRequest, obj: SalesChannel, form: Any, change: bool) -> None:
        if change:
            channel_services.update_sales_channel(
                channel=obj, name=obj.name, kind=obj.kind, is_active=obj.is_active
            )
            return
        created = channel_services.create_sales_channel(
            code=obj.code, name=obj.name, kind=obj.kind, is_active=obj.is_active
        )
        obj.pk, obj.created_at = created.pk, created.created_at


@admin.register(SalesRepresentative)
class SalesRepresentativeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "channel", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__full_name", "channel__name")
    list_select_related = ("user", "channel")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("user", "created_at") if obj is not None else ("created_at",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only channels the actor reaches, and only staff users not yet selling for one.
        if db_field.name == "channel":
            kwargs["queryset"] = channel_selectors.visible_channels(request.user)
        elif db_field.name == "user":
            kwargs["queryset"] = channel_selectors.users_available_as_representatives()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: SalesRepresentative, form: Any, change: bool
    ) -> None:
        if change:
            channel_services.update_sales_representative(
                representative=obj, channel=obj.channel, is_active=obj.is_active
            )
            return
        created = channel_services.create_sales_representative(
            user=obj.user, channel=obj.channel, is_active=obj.is_active
        )
        obj.pk, obj.created_at = created.pk, created.created_at


@admin.register(TokenFamily)
class TokenFamilyAdmin(ReadOnlyAdmin):
    """Refresh-token families, read-only: revocation happens through the services (sign-out,
    deactivation, password change, reuse of a rotated token), never by editing a row."""

    list_display = ("id", "user", "created_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    search_fields = ("user__username",)
    list_select_related = ("user",)


from apps.accounts import admin_api_clients  # noqa: E402, F401  (registers the ApiClient admin)
