"""The "Usuários" pages: list and search staff users; one page per user with its roles and
the (de)activate and two-factor reset actions (each behind the confirm dialog)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.forms import UserRolesForm
from apps.accounts.models import User
from apps.accounts.roles import role_names
from apps.accounts.selectors import users as user_selectors
from apps.accounts.selectors.authorization import can
from apps.accounts.selectors.two_factor import has_confirmed_device
from apps.accounts.services import identity, roles, two_factor
from apps.accounts.views.access import get_object_for, posted
from consorcio.ui import ChoiceFilter, Column, ListPageView

PAGE_SIZE = 25


def _user_link(user: User) -> str:
    return reverse("accounts:user_detail", args=[user.pk])


def _staff_user(request: HttpRequest, action: str, pk: int) -> User:
    return get_object_for(request, action, User.objects.filter(kind=User.Kind.STAFF), pk)


def _back_to_user(target: User) -> HttpResponseRedirect:
    return HttpResponseRedirect(_user_link(target))


class UserListView(ListPageView):
    """Staff users with their roles, searchable by name, username or e-mail."""

    template_name = "accounts/users/list.html"
    permission_required = "accounts.view_user"
    table_id = "users"
    columns = (
        Column("username", "Usuário", sort="username", link=_user_link),
        Column("full_name", "Nome", sort="full_name"),
        Column("email", "E-mail", sort="email"),
        Column("role_groups", "Papéis", template="accounts/users/_roles_cell.html"),
        Column("has_two_factor", "Duas etapas", format="bool"),
        Column("is_active", "Ativo", format="bool", sort="is_active"),
    )
    search_fields = ("username", "full_name", "email")
    search_placeholder = "Buscar por nome, usuário ou e-mail"
    filters = (
        ChoiceFilter(
            "situacao",
            "Situação",
            [("ativos", "Ativos"), ("inativos", "Inativos")],
            lookup="is_active",
            coerce=lambda value: value == "ativos",
        ),
    )
    paginate_by = PAGE_SIZE
    empty_message = "Nenhum usuário cadastrado."

    def get_queryset(self) -> QuerySet[User]:
        return user_selectors.staff_users()


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One staff user: its data and roles (editable by who may change users)."""
    target = _staff_user(request, "view", pk)
    may_change = can(request.user, "change", target)
    current = sorted(target.groups.filter(name__in=role_names()).values_list("name", flat=True))
    form = UserRolesForm(posted(request), initial={"roles": current})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            roles.assign_roles(user=target, roles=form.cleaned_data["roles"])
            messages.success(request, f"Papéis de {target} atualizados.")
            return _back_to_user(target)
    context: dict[str, Any] = {
        "target": target,
        "form": form,
        "may_change": may_change,
        "is_self": target.pk == request.user.pk,
        "has_two_factor": has_confirmed_device(target),
    }
    return render(request, "accounts/users/detail.html", context)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable a user: it is signed out everywhere and its API tokens stop working."""
    target = _staff_user(request, "change", pk)
    try:
        identity.deactivate_user(user=target, actor=request.user)  # type: ignore[arg-type]
    except identity.CannotDeactivateSelfError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{target} foi desativado e desconectado de todas as sessões.")
    return _back_to_user(target)


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a disabled user sign in again."""
    target = _staff_user(request, "change", pk)
    identity.reactivate_user(user=target)
    messages.success(request, f"{target} foi reativado.")
    return _back_to_user(target)


@login_required
@require_POST
def user_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a user's authenticator app and backup codes (lost phone); it enrolls again."""
    target = _staff_user(request, "change", pk)
    two_factor.reset_two_factor(user=target)
    messages.success(request, f"A verificação em duas etapas de {target} foi redefinida.")
    return _back_to_user(target)
