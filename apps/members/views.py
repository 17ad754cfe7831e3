"""The "Consorciados" pages: list with live search and filters, detail, create and edit.

Thin: access through `apps.accounts.selectors.authorization`, reads through
`apps.members.selectors`, writes through `apps.members.services`. A member outside the
actor's scope answers 404; opening its page writes a personal-data access entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from apps.members.forms import (
    CONSENT_PURPOSES,
    ConsentForm,
    MemberCreateForm,
    MemberEditForm,
    NewAddressForm,
    PhoneForm,
)
from apps.members.models import UF_CHOICES, Address, Member
from consorcio.errors import DomainError
from consorcio.ui import (
    ChoiceFilter,
    Column,
    FilterState,
    ListPageView,
    TableState,
    hx_toast,
    is_htmx,
)

PAGE_PURPOSE = "Consulta do cadastro pela equipe"
CHANGE_PURPOSE = "Alteração do cadastro pela equipe"


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
        **_record_context(request, member),
    }
    return render(request, "members/detail.html", context)


# --- Addresses, phones and consents: htmx fragments of the member page -------------------
# Each collection is a fragment (``members/_addresses.html``…) whose forms post to the views
# below. htmx gets the fragment back (with a toast); a plain form post is redirected to the
# member page with a message. A refusal changes nothing and is shown where it happened.


def _record_context(request: HttpRequest, member: Member, **forms: Any) -> dict[str, Any]:
    """What the fragments need: the record's collections, the empty forms, the permission."""
    return {
        "member": member,
        "addresses": list(member.addresses.all()),
        "consents": list(member.consents.all()),
        "can_change": can(request.user, "change", member),
        "address_form": forms.get("address_form") or NewAddressForm(prefix="endereco"),
        "phone_form": forms.get("phone_form") or PhoneForm(prefix="telefone"),
        "consent_form": forms.get("consent_form") or ConsentForm(prefix="consentimento"),
        "consent_purposes": CONSENT_PURPOSES,
    }


def _member_for(request: HttpRequest, pk: int) -> Member:
    """The member in the actor's scope (404 outside it); changes need the change right."""
    member = selectors.visible_members(request.user).filter(pk=pk).first()
    if member is None or not can(request.user, "view", member):
        raise Http404
    if request.method == "POST" and not can(request.user, "change", member):
        raise PermissionDenied
    return member


def _fragment(
    request: HttpRequest,
    pk: int,
    template: str,
    *,
    done: str = "",
    error: str = "",
    **forms: Any,
) -> HttpResponse:
    """The fragment after an action (htmx), or back to the member page (plain post)."""
    if request.method == "POST" and not is_htmx(request):
        if done:
            messages.success(request, done)
        if error or forms:
            messages.error(request, error or "Confira os dados informados.")
        return HttpResponseRedirect(reverse("members:detail", args=[pk]))
    member = services.open_member_record(actor=request.user, member_id=pk, purpose=CHANGE_PURPOSE)
    if member is None:
        raise Http404
    context = {**_record_context(request, member, **forms), "error": error}
    # 200 even for a refusal: htmx swaps only 2xx answers, and the refusal is in the fragment.
    response = render(request, template, context)
    if done:
        hx_toast(response, done)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def member_addresses(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's addresses; the POST adds one (primary when asked, or when the first)."""
    member = _member_for(request, pk)
    template = "members/_addresses.html"
    if request.method == "GET":
        return _fragment(request, pk, template)
    form = NewAddressForm(request.POST, prefix="endereco")
    if not form.is_valid():
        return _fragment(request, pk, template, address_form=form)
    try:
        services.add_address(member=member, address=form.address())
    except DomainError as refused:
        form.add_error(None, refused.detail)
        return _fragment(request, pk, template, address_form=form)
    return _fragment(request, pk, template, done="Endereço incluído.")


def _on_address(
    request: HttpRequest, pk: int, act: Callable[[Address], object], done: str
) -> HttpResponse:
    """Apply ``act`` to the member's address named by ``endereco`` (its id) and answer."""
    member = _member_for(request, pk)
    raw = request.POST.get("endereco", "")
    address = member.addresses.filter(pk=int(raw)).first() if raw.isdigit() else None
    template = "members/_addresses.html"
    if address is None:
        return _fragment(request, pk, template, error="Endereço não encontrado.")
    act(address)
    return _fragment(request, pk, template, done=done)


@login_required
@require_http_methods(["POST"])
def member_address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one address; the oldest left becomes primary if the primary went."""
    return _on_address(
        request, pk, lambda address: services.remove_address(address=address), "Endereço removido."
    )


@login_required
@require_http_methods(["POST"])
def member_address_primary(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one address the primary one."""
    return _on_address(
        request,
        pk,
        lambda address: services.set_primary_address(address=address),
        "Endereço principal alterado.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_phones(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's phones; the POST adds one."""
    member = _member_for(request, pk)
    template = "members/_phones.html"
    if request.method == "GET":
        return _fragment(request, pk, template)
    form = PhoneForm(request.POST, prefix="telefone")
    if not form.is_valid():
        return _fragment(request, pk, template, phone_form=form)
    services.add_phone(member=member, phone=form.cleaned_data["phone"])
    return _fragment(request, pk, template, done="Telefone incluído.")


@login_required
@require_http_methods(["POST"])
def member_phone_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one phone (``telefone`` = the number)."""
    member = _member_for(request, pk)
    phone = request.POST.get("telefone", "")
    template = "members/_phones.html"
    if not phone or "".join(ch for ch in phone if ch.isdigit()) not in member.phones:
        return _fragment(request, pk, template, error="Telefone não encontrado.")
    services.remove_phone(member=member, phone=phone)
    return _fragment(request, pk, template, done="Telefone removido.")


@login_required
@require_http_methods(["GET", "POST"])
def member_consents(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's LGPD consents; the POST records one (a new text version replaces)."""
    member = _member_for(request, pk)
    template = "members/_consents.html"
    if request.method == "GET":
        return _fragment(request, pk, template)
    form = ConsentForm(request.POST, prefix="consentimento")
    if not form.is_valid():
        return _fragment(request, pk, template, consent_form=form)
    try:
        services.give_consent(member=member, actor=request.user, **form.cleaned_data)
    except DomainError as refused:
        form.add_error(None, refused.detail)
        return _fragment(request, pk, template, consent_form=form)
    return _fragment(
        request, pk, template, done=f"Consentimento registrado: {form.cleaned_data['purpose']}."
    )


@login_required
@require_http_methods(["POST"])
def member_consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the consent in force for a purpose (``finalidade``)."""
    member = _member_for(request, pk)
    purpose = request.POST.get("finalidade", "")
    template = "members/_consents.html"
    try:
        services.revoke_consent(member=member, purpose=purpose, actor=request.user)
    except DomainError as refused:
        return _fragment(request, pk, template, error=refused.detail)
    return _fragment(request, pk, template, done=f"Consentimento revogado: {purpose}.")


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
