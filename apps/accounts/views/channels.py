"""The "Canais de vendas" and "Representantes" pages: list, create and edit, scoped.

A representative or a channel's user sees only its own channel and representatives; what a
role may change is decided by `selectors.authorization.can`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import SalesChannelForm, SalesRepresentativeForm
from apps.accounts.models import SalesChannel, SalesRepresentative
from apps.accounts.selectors import channels as channel_selectors
from apps.accounts.selectors.authorization import can, has_model_permission
from apps.accounts.services import channels as channel_services
from apps.accounts.views.access import get_object_for, posted, require_model_permission
from consorcio.ui import ChoiceFilter, Column, ListPageView

PAGE_SIZE = 25
_ACTIVE_FILTER = ChoiceFilter(
    "situacao",
    "Situação",
    [("ativos", "Ativos"), ("inativos", "Inativos")],
    lookup="is_active",
    coerce=lambda value: value == "ativos",
)


def _channel_link(channel: SalesChannel) -> str:
    return reverse("accounts:channel_edit", args=[channel.pk])


def _representative_link(representative: SalesRepresentative) -> str:
    return reverse("accounts:representative_edit", args=[representative.pk])


class ChannelListView(ListPageView):
    """The sales channels the actor reaches, searchable by name or code."""

    template_name = "accounts/channels/list.html"
    permission_required = "accounts.view_saleschannel"
    table_id = "channels"
    columns = (
        Column("name", "Nome", sort="name", link=_channel_link),
        Column("code", "Código", sort="code"),
        Column("kind", "Tipo", format="choice", sort="kind"),
        Column("is_active", "Ativo", format="bool", sort="is_active"),
        Column("created_at", "Cadastrado em", format="data", sort="created_at"),
    )
    search_fields = ("name", "code")
    search_placeholder = "Buscar por nome ou código"
    filters = (
        ChoiceFilter("tipo", "Tipo", SalesChannel.Kind.choices, lookup="kind"),
        _ACTIVE_FILTER,
    )
    paginate_by = PAGE_SIZE
    empty_message = "Nenhum canal de vendas cadastrado."

    def get_queryset(self) -> QuerySet[SalesChannel]:
        return channel_selectors.visible_channels(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = has_model_permission(self.request.user, "add", SalesChannel)
        return context


@login_required
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    """Register a new branch or partner."""
    require_model_permission(request, "add", SalesChannel)
    form = SalesChannelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            channel = channel_services.create_sales_channel(**form.cleaned_data)
        except channel_services.DuplicateChannelCodeError as error:
            form.add_error("code", error.detail)
        else:
            messages.success(request, f"Canal {channel} cadastrado.")
            return HttpResponseRedirect(reverse("accounts:channel_list"))
    return render(request, "accounts/channels/form.html", {"form": form, "channel": None})


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, reclassify or (de)activate a channel."""
    channel = get_object_for(request, "change", SalesChannel.objects.all(), pk)
    form = SalesChannelForm(posted(request), instance=channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channel_services.update_sales_channel(
            channel=channel, name=data["name"], kind=data["kind"], is_active=data["is_active"]
        )
        messages.success(request, f"Canal {data['name']} atualizado.")
        return HttpResponseRedirect(reverse("accounts:channel_list"))
    return render(request, "accounts/channels/form.html", {"form": form, "channel": channel})


class RepresentativeListView(ListPageView):
    """The representatives the actor reaches, searchable by person or channel."""

    template_name = "accounts/representatives/list.html"
    permission_required = "accounts.view_salesrepresentative"
    table_id = "representatives"
    columns = (
        Column("user", "Representante", sort="user__full_name", link=_representative_link),
        Column("user.username", "Usuário", sort="user__username"),
        Column("channel", "Canal de vendas", sort="channel__name"),
        Column("is_active", "Ativo", format="bool", sort="is_active"),
    )
    search_fields = ("user__full_name", "user__username", "channel__name")
    search_placeholder = "Buscar por nome, usuário ou canal"
    filters = (_ACTIVE_FILTER,)
    paginate_by = PAGE_SIZE
    empty_message = "Nenhum representante cadastrado."

    def get_queryset(self) -> QuerySet[SalesRepresentative]:
        return channel_selectors.visible_representatives(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = has_model_permission(self.request.user, "add", SalesRepresentative)
        return context


def _representative_form(
    request: HttpRequest, instance: SalesRepresentative | None = None
) -> SalesRepresentativeForm:
    return SalesRepresentativeForm(
        posted(request),
        channels=channel_selectors.visible_channels(request.user).filter(is_active=True),
        users=channel_selectors.users_available_as_representatives(),
        instance=instance,
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative_create(request: HttpRequest) -> HttpResponse:
    """Make a staff user a representative of a channel the actor reaches."""
    require_model_permission(request, "add", SalesRepresentative)
    form = _representative_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not can(
            request.user, "add", SalesRepresentative(user=data["user"], channel=data["channel"])
        ):
            form.add_error("channel", "Você não pode cadastrar representantes neste canal.")
        else:
            try:
                representative = channel_services.create_sales_representative(
                    user=data["user"], channel=data["channel"], is_active=data["is_active"]
                )
            except (
                channel_services.NotAStaffUserError,
                channel_services.AlreadyRepresentativeError,
            ) as error:
                form.add_error("user", error.detail)
            else:
                messages.success(request, f"Representante {representative.user} cadastrado.")
                return HttpResponseRedirect(reverse("accounts:representative_list"))
    return render(
        request, "accounts/representatives/form.html", {"form": form, "representative": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a representative to another channel the actor reaches, or (de)activate it."""
    representative = get_object_for(
        request, "change", SalesRepresentative.objects.select_related("user", "channel"), pk
    )
    form = _representative_form(request, instance=representative)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moved = SalesRepresentative(
            pk=representative.pk, user=representative.user, channel=data["channel"]
        )
        if data["channel"] != representative.channel and not can(request.user, "add", moved):
            form.add_error("channel", "Você não pode mover representantes para este canal.")
        else:
            channel_services.update_sales_representative(
                representative=representative,
                channel=data["channel"],
                is_active=data["is_active"],
            )
            messages.success(request, f"Representante {representative.user} atualizado.")
            return HttpResponseRedirect(reverse("accounts:representative_list"))
    return render(
        request,
        "accounts/representatives/form.html",
        {"form": form, "representative": representative},
    )
