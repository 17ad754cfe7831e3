"""Staff pages of assemblies, mounted at ``/assembleias/`` (namespace ``draws``).

Thin: forms check shape, ``apps.draws.services`` decide (the state machine, the extraction,
bids, the results computed once) and ``apps.draws.selectors`` read. Bids are sealed until
bidding closes (A8): before that no page lists them, whatever the role; a quota's own bid is
shown only on the bid entry page right after it is placed (its receipt). Results are listed
by group and quota number, never by member name (LGPD, DOMAIN.md §9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.draws import selectors
from apps.draws.models import Assembly, AssemblyState, Bid
from apps.draws.page_forms import BidForm, CancelForm, ExtractionForm, GenerateForm
from apps.draws.services import assemblies, bids, minutes, result_jobs
from apps.draws.services.lottery import LotteryPrizesInvalid
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.jobs import TERMINAL_STATES
from consorcio.ui import ChoiceFilter, Column, FilterState, ListPageView

if TYPE_CHECKING:
    from apps.accounts.models import User

VIEW_PERMISSION = "draws.view_assembly"
CHANGE_PERMISSION = "draws.change_assembly"
BID_PERMISSION = "draws.add_bid"

# The buttons of the state machine: target state → (label, confirmation question).
TRANSITION_BUTTONS: dict[str, tuple[str, str]] = {
    AssemblyState.BIDDING_OPEN: ("Abrir lances", "Abrir o recebimento de lances?"),
    AssemblyState.BIDDING_CLOSED: (
        "Encerrar lances",
        "Encerrar os lances? Depois disso nenhum lance é aceito e os lances deixam de ser "
        "sigilosos.",
    ),
    AssemblyState.RESULTS_PUBLISHED: (
        "Publicar resultado",
        "Publicar o resultado e gerar a ata? O resultado não pode mais ser apurado de novo.",
    ),
}


def _require(request: HttpRequest, permission: str) -> User:
    """The signed-in user when they hold ``permission`` (403 otherwise)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(permission):
        raise PermissionDenied
    return user


def _assembly(pk: int) -> Assembly:
    try:
        return selectors.assembly(pk)
    except Assembly.DoesNotExist as missing:
        raise Http404("Assembleia não encontrada.") from missing


def _detail_link(assembly: Assembly) -> str:
    return reverse("draws:detail", args=[assembly.pk])


def _month_choices() -> list[tuple[str, str]]:
    """The months of the last year and the next one (``AAAA-MM``), newest first."""
    today = timezone.localdate()
    months = []
    for offset in range(12, -13, -1):
        index = today.year * 12 + today.month - 1 + offset
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return [(month, f"{month[5:]}/{month[:4]}") for month in months]


def _month_range(value: str) -> tuple[dt.date, dt.date]:
    first = dt.date(int(value[:4]), int(value[5:]), 1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


class AssemblyListView(ListPageView):
    """The assemblies calendar: by group and month, filtered by group and state."""

    template_name = "draws/assembly_list.html"
    permission_required = VIEW_PERMISSION
    table_id = "assemblies"
    columns = (
        Column("group.code", "Grupo", sort="group__code", link=_detail_link),
        Column("number", "Nº", sort="number", numeric=True, link=_detail_link),
        Column("date", "Data", sort="date", format="data"),
        Column("state", "Situação", format="choice", sort="state"),
        Column("eligibility_cutoff", "Data de corte", format="data"),
        Column("bid_closes_at", "Lances até", format="data_hora"),
    )
    search_fields = ("group__code", "group__name")
    search_placeholder = "Buscar por código ou nome do grupo"
    default_sort = "date"
    paginate_by = 25
    empty_message = "Nenhuma assembleia gerada."
    empty_hint = "Gere as assembleias de um grupo a partir do seu calendário."

    def apply_filters(
        self, queryset: QuerySet[Any], params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], list[FilterState]]:
        # The choices depend on the data (groups) and on today (months): built per request.
        self.filters = (
            ChoiceFilter(
                "grupo",
                "Grupo",
                [(str(g.pk), g.code) for g in group_selectors.groups()],
                "group_id",
                coerce=int,
            ),
            ChoiceFilter("situacao", "Situação", AssemblyState.choices, "state"),
            ChoiceFilter("mes", "Mês", _month_choices(), "date__range", coerce=_month_range),
        )
        return super().apply_filters(queryset, params)

    def get_queryset(self) -> QuerySet[Assembly]:
        return selectors.assemblies()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(CHANGE_PERMISSION):
            context["generate_form"] = GenerateForm(initial={"start": timezone.localdate()})
        return context


@login_required
@require_http_methods(["POST"])
def assembly_generate(request: HttpRequest) -> HttpResponse:
    """Create a group's next assemblies from its calendar (dates already there are skipped)."""
    actor = _require(request, CHANGE_PERMISSION)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Escolha o grupo, a data inicial e quantas assembleias gerar.")
        return redirect("draws:list")
    group = form.cleaned_data["group"]
    try:
        created = assemblies.generate_assemblies(
            group=group,
            start=form.cleaned_data["start"],
            count=form.cleaned_data["count"],
            actor=actor,
        )
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(
            request, f"{len(created)} assembleia(s) gerada(s) para o grupo {group.code}."
        )
    return redirect(f"{reverse('draws:list')}?grupo={group.pk}")


def _results_job_context(assembly: Assembly) -> dict[str, Any]:
    job = result_jobs.latest_results_job(assembly)
    return {
        "results_job": job,
        "results_job_running": job is not None and job.state not in TERMINAL_STATES,
    }


def _actions(request: HttpRequest, assembly: Assembly) -> dict[str, Any]:
    """What the page offers this user, from the state machine and their permissions."""
    may_change = request.user.has_perm(CHANGE_PERMISSION)
    state = assembly.state
    allowed = assemblies.allowed_transitions(state) if may_change else frozenset()
    buttons = [
        {"state": target, "label": label, "confirm": confirm}
        for target, (label, confirm) in TRANSITION_BUTTONS.items()
        if target in allowed
    ]
    takes_extraction = state in (AssemblyState.BIDDING_OPEN, AssemblyState.BIDDING_CLOSED)
    return {
        "may_change": may_change,
        "transition_buttons": buttons,
        "may_cancel": AssemblyState.CANCELLED in allowed,
        "may_record_extraction": may_change and takes_extraction,
        "may_compute": may_change
        and state == AssemblyState.BIDDING_CLOSED
        and assembly.has_extraction,
        "may_bid": request.user.has_perm(BID_PERMISSION) and state == AssemblyState.BIDDING_OPEN,
    }


def _detail_context(request: HttpRequest, assembly: Assembly) -> dict[str, Any]:
    result = selectors.assembly_result(assembly)
    context: dict[str, Any] = {
        "assembly": assembly,
        "group": assembly.group,
        "bid_count": selectors.bid_count(assembly),
        "transitions": list(selectors.assembly_transitions(assembly)),
        "result": result,
        "results": minutes.results_presentation(assembly) if result is not None else None,
        # Sealed until the close (A8): listed only once bidding is over, for everyone.
        "closed_bids": (
            [
                {
                    "quota": bid.quota.number,
                    "kind": bid.get_kind_display(),
                    "percent": minutes.percent_text(bid.fraction, 4),
                    "receipt": bid.receipt,
                }
                for bid in selectors.sealed_bids(assembly)
            ]
            if assembly.is_bidding_over and result is None
            else []
        ),
        "seed_revealed": assembly.seed_revealed_at is not None,
        "minutes": minutes.minutes_for(assembly, request.user),
        "extraction_form": None,
        "cancel_form": None,
        **_results_job_context(assembly),
        **_actions(request, assembly),
    }
    if context["may_record_extraction"]:
        context["extraction_form"] = ExtractionForm(
            initial={"drawn_on": assembly.lottery_drawn_on or assembly.date}
        )
    if context["may_cancel"]:
        context["cancel_form"] = CancelForm()
    return context


@login_required
@require_http_methods(["GET"])
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One assembly: state and transitions, extraction, computation, results and minutes."""
    _require(request, VIEW_PERMISSION)
    assembly = _assembly(pk)
    return render(request, "draws/assembly_detail.html", _detail_context(request, assembly))


@login_required
@require_http_methods(["POST"])
def assembly_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Open or close bidding, publish, or cancel: the state machine refuses anything else."""
    actor = _require(request, CHANGE_PERMISSION)
    assembly = _assembly(pk)
    target = request.POST.get("to_state", "")
    try:
        if target == AssemblyState.BIDDING_OPEN:
            assemblies.open_bidding(assembly=assembly, actor=actor)
            text = "Lances abertos."
        elif target == AssemblyState.BIDDING_CLOSED:
            assemblies.close_bidding(assembly=assembly, actor=actor)
            text = "Lances encerrados."
        elif target == AssemblyState.RESULTS_PUBLISHED:
            minutes.publish_with_minutes(assembly=assembly, actor=actor)
            text = "Resultado publicado; a ata foi gerada e guardada nos documentos do grupo."
        elif target == AssemblyState.CANCELLED:
            form = CancelForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Informe o motivo do cancelamento.")
                return redirect("draws:detail", pk=assembly.pk)
            assemblies.cancel_assembly(
                assembly=assembly, actor=actor, reason=form.cleaned_data["reason"]
            )
            text = "Assembleia cancelada."
        else:
            messages.error(request, "Escolha uma ação válida para a assembleia.")
            return redirect("draws:detail", pk=assembly.pk)
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, text)
    return redirect("draws:detail", pk=assembly.pk)


@login_required
@require_http_methods(["POST"])
def assembly_extraction(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the extraction's five prizes typed by the operator, or fetch them (adapter)."""
    actor = _require(request, CHANGE_PERMISSION)
    assembly = _assembly(pk)
    if "fetch" in request.POST:
        try:
            assemblies.fetch_extraction(assembly=assembly, actor=actor)
        except DomainError as refused:
            messages.error(request, refused.detail)
        else:
            messages.success(request, "Resultado da Loteria Federal obtido da fonte.")
        return redirect("draws:detail", pk=assembly.pk)
    form = ExtractionForm(request.POST)
    if form.is_valid():
        try:
            assemblies.record_extraction(
                assembly=assembly,
                concurso=form.cleaned_data["concurso"],
                drawn_on=form.cleaned_data["drawn_on"],
                prizes=form.prizes(),
                actor=actor,
                note=form.cleaned_data["note"],
                confirm_unusual=form.cleaned_data["confirm_unusual"],
            )
        except LotteryPrizesInvalid as refused:
            form.add_service_errors(refused.extra.get("errors", {}), refused.detail)
        except DomainError as refused:
            form.add_error(None, refused.detail)
        else:
            messages.success(request, "Resultado da Loteria Federal registrado.")
            return redirect("draws:detail", pk=assembly.pk)
    context = _detail_context(request, assembly)
    context["extraction_form"] = form
    return render(request, "draws/assembly_detail.html", context, status=422)


@login_required
@require_http_methods(["POST"])
def assembly_compute(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the computation of the results as a job; the page follows its progress."""
    actor = _require(request, CHANGE_PERMISSION)
    assembly = _assembly(pk)
    try:
        result_jobs.start_results_job(assembly=assembly, actor=actor)
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        messages.info(request, "Apuração iniciada: acompanhe o progresso abaixo.")
    return redirect("draws:detail", pk=assembly.pk)


@login_required
@require_http_methods(["GET"])
def verifiable_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The published document of a verifiable draw (``sorteio.json``), for
    ``tools/verify_draw.py``; 404 for a Loteria Federal draw or before the results."""
    _require(request, VIEW_PERMISSION)
    assembly = _assembly(pk)
    presentation = minutes.results_presentation(assembly)
    if presentation is None or presentation.verifiable is None:
        raise Http404("Esta assembleia não tem sorteio verificável apurado.")
    response = JsonResponse(presentation.verifiable, json_dumps_params={"indent": 2})
    filename = f"sorteio-{assembly.group.code}-assembleia-{assembly.number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def bid_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter (or replace) the bid of one quota; the receipt of the bid just placed is shown.

    Only this quota's own bid, just placed, is shown: other bids stay sealed.
    """
    actor = _require(request, BID_PERMISSION)
    assembly = _assembly(pk)
    form = BidForm(request.POST if request.method == "POST" else None)
    placed: Bid | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        quota = (
            group_selectors.group_quotas(assembly.group)
            .filter(number=form.cleaned_data["quota_number"])
            .first()
        )
        if quota is None:
            form.add_error("quota_number", "Não há cota com esse número no grupo.")
        else:
            try:
                placed = bids.place_bid(
                    assembly=assembly, quota=quota, actor=actor, **form.service_arguments()
                )
            except DomainError as refused:
                form.add_service_errors(refused.extra.get("errors", {}), refused.detail)
            else:
                form = BidForm()
        if placed is None:
            status = 422
    context = {
        "assembly": assembly,
        "group": assembly.group,
        "form": form,
        "bid": placed,
        "bid_percent": minutes.percent_text(placed.fraction, 4) if placed else "",
        "bid_embedded_percent": (
            minutes.percent_text(placed.embedded_fraction, 4)
            if placed is not None and placed.embedded_fraction
            else ""
        ),
        "bidding_open": assembly.state == AssemblyState.BIDDING_OPEN,
    }
    return render(request, "draws/bid_entry.html", context, status=status)
