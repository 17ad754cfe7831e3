"""The "Consorciados" pages: list with live search and filters, detail, create and edit.

Thin: access through `apps.accounts.selectors.authorization`, reads through
`apps.members.selectors`, writes through `apps.members.services`. A member outside the
actor's scope answers 404; opening its page writes a personal-data access entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import channels as channel_selectors
from apps.accounts.selectors.authorization import can, has_model_permission
from apps.members import selectors, services
from apps.members.forms import MemberCreateForm, MemberEditForm
from apps.members.models import UF_CHOICES, Member
from consorcio.ui import ChoiceFilter, Column, FilterState, ListPageView, TableState

PAGE_PURPOSE = "Consulta do cadastro pela equipe"


def _member_link(member: Member) -> str:
    return reverse("members:detail", args=[member.pk])


class MemberListView(ListPageView):
    """Members within the actor's scope: search by name, CPF/CNPJ or e-mail; filters."""

    template_name = "members/list.html"
    permission_required = "members.view_member"
    table_id = "members"
    columns = (
        Column("name", "Nome", sort="name", link=_member_link),
        Column("document_display", "CPF/CNPJ"),
        Column("kind", "Tipo", format="choice", sort="kind"),
        Column("email", "E-mail"),
        Column("created_at", "Cadastrado em", format="data", sort="created_at"),
    )
    search_fields = ("name", "document", "email")  # enables the box; `apply_search` decides
    search_placeholder = "Buscar por nome, CPF/CNPJ ou e-mail"
    paginate_by = 25
    empty_message = "Nenhum consorciado cadastrado."

    def get_queryset(self) -> QuerySet[Member]:
        return selectors.visible_members(self.request.user)

    def apply_search(self, queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
        """Name (accent-insensitive), document prefix or e-mail, through their indexes."""
        return selectors.apply_search(queryset, term)

    def _filters(self) -> tuple[ChoiceFilter, ...]:
        channels = channel_selectors.visible_channels(self.request.user)
        return (
            ChoiceFilter("tipo", "Tipo", Member.Kind.choices, lookup="kind"),
            ChoiceFilter("uf", "UF", UF_CHOICES, lookup="uf"),
            ChoiceFilter(
                "canal", "Canal", [(str(c.pk), c.name) for c in channels], lookup="channel"
            ),
        )

    def apply_filters(
        self, queryset: QuerySet[Any], params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], list[FilterState]]:
        """Kind, UF of the primary address and channel, applied by the selector."""
        states = []
        for choice_filter in self._filters():
            value = params.get(choice_filter.param, "")
            allowed = {key for key, _label in choice_filter.choices}
            states.append(FilterState(choice_filter, value if value in allowed else ""))
        values = {state.filter.lookup: state.value for state in states}
        filters = selectors.MemberFilters(
            kind=values["kind"],
            uf=values["uf"],
            channel_id=int(values["channel"]) if values["channel"] else None,
        )
        return selectors.filter_members(queryset, filters), states

    def get_table(self) -> TableState:
        """The page's rows with the document as the actor may see it."""
        table = super().get_table()
        rows = list(table.page_obj.object_list)
        for row in rows:
            row.document_display = selectors.display_document(self.request.user, row.document)
        table.page_obj.object_list = rows
        return table

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = has_model_permission(self.request.user, "add", Member)
        return context


def _require(request: HttpRequest, action: str) -> None:
    if not has_model_permission(request.user, action, Member):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's full record; the read is written to the personal-data access log."""
    _require(request, "view")
    member = services.open_member_record(actor=request.user, member_id=pk, purpose=PAGE_PURPOSE)
    if member is None:
        raise Http404
    context = {
        "member": member,
        "document": selectors.display_document(request.user, member.document),
        "addresses": list(member.addresses.all()),
        "consents": list(member.consents.all()),
        "can_change": can(request.user, "change", member),
    }
    return render(request, "members/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    """Register a member with its primary address; the actor's channel owns the record."""
    _require(request, "add")
    form = MemberCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.register_member(
                actor=request.user, addresses=[form.address()], **form.member_fields()
            )
        except services.MemberDocumentTakenError as error:
            form.add_error("document", error.detail)
        except services.InvalidAddressError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, f"Consorciado {member.name} cadastrado.")
            return HttpResponseRedirect(reverse("members:detail", args=[member.pk]))
    return render(request, "members/form.html", {"form": form, "member": None})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a member's editable fields (kind and document never change)."""
    member = selectors.visible_members(request.user).filter(pk=pk).first()
    if member is None or not can(request.user, "view", member):
        raise Http404
    if not can(request.user, "change", member):
        raise PermissionDenied
    if request.method == "POST":
        form = MemberEditForm(request.POST)
        if form.is_valid():
            services.update_member(member=member, **form.cleaned_data)
            messages.success(request, f"Consorciado {form.cleaned_data['name']} atualizado.")
            return HttpResponseRedirect(reverse("members:detail", args=[member.pk]))
    else:
        form = MemberEditForm(initial=MemberEditForm.initial_for(member))
    return render(request, "members/form.html", {"form": form, "member": member})
