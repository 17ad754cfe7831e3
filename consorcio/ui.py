"""Kernel helpers for staff pages: list pages (search, filters, sort, pagination) and htmx glue.

A context's list page subclasses ``ListPageView``, declares its columns, search fields and
filters, and scopes ``get_queryset`` through its selectors; the shared template
``components/data_table.html`` renders it. No business rules here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, Literal

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.generic import TemplateView

from consorcio.api import job_progress
from consorcio.jobs import TERMINAL_STATES
from consorcio.models import Job

CellFormat = Literal["text", "brl", "data", "data_hora", "bool", "choice"]
ToastLevel = Literal["success", "info", "warning", "error"]

SORT_PARAM = "sort"
PAGE_PARAM = "page"
SEARCH_PARAM = "q"


def progress_context(job: Job) -> dict[str, Any]:
    """Context of ``components/progress.html``: the job API's data plus what the page needs.

    ``progress`` is exactly what ``GET /api/v1/jobs/<id>/`` answers; ``finished`` stops the
    polling (the partial then renders without its ``hx-trigger``).
    """
    progress = job_progress(job)
    return {
        "job": job,
        "progress": progress,
        "finished": job.state in TERMINAL_STATES,
        "state_label": Job.State(job.state).label,
        "poll_url": reverse("jobs-progress", args=[job.pk]),
        "page_url": reverse("jobs-page", args=[job.pk]),
    }


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent (``HX-Request: true``), history restores excluded."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def hx_toast(response: HttpResponseBase, text: str, level: ToastLevel = "success") -> None:
    """Make the page show a toast when htmx receives ``response`` (sets ``HX-Trigger``).

    Other events already in the header are kept.
    """
    events: dict[str, Any] = {}
    current = response.headers.get("HX-Trigger")
    if current:
        try:
            parsed = json.loads(current)
            events = parsed if isinstance(parsed, dict) else {}
        except json.JSONDecodeError:
            events = {name.strip(): None for name in current.split(",") if name.strip()}
    events["toast"] = {"level": level, "text": text}
    response.headers["HX-Trigger"] = json.dumps(events, ensure_ascii=False)


class StaffPageMixin(LoginRequiredMixin):
    """Login required; an htmx request from an expired session is sent to the login page
    with ``HX-Redirect`` (a plain redirect would swap the login page into a fragment).
    A signed-in user lacking permission gets 403.
    """

    request: HttpRequest

    # django-stubs types the parent as returning a redirect; htmx needs a 204 + HX-Redirect.
    def handle_no_permission(self) -> HttpResponseBase:  # type: ignore[override]
        """Anonymous: to the login page (htmx-aware); signed in: 403."""
        if self.request.user.is_authenticated:
            raise PermissionDenied("Você não tem permissão para acessar esta página.")
        if is_htmx(self.request):
            login = redirect_to_login(self.request.get_full_path(), self.get_login_url())
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login["Location"]
            return response
        return super().handle_no_permission()


@dataclass(frozen=True)
class Column:
    """A column of a data table.

    ``key`` is the attribute shown (dotted paths follow relations); ``sort`` the ordering
    field a click sorts by (None: not sortable); ``link`` builds the cell's link from the row;
    ``template`` renders the cell itself (context: ``row``, ``value``, ``column``).
    """

    key: str
    label: str
    sort: str | None = None
    format: CellFormat = "text"
    link: Callable[[Any], str] | None = None
    template: str | None = None
    numeric: bool = False

    @property
    def sort_key(self) -> str:
        """The value of ``?sort=`` that selects this column (its key)."""
        return self.key


@dataclass(frozen=True)
class ChoiceFilter:
    """A select in the filter bar: ``?<param>=<value>`` keeps rows whose ``lookup`` matches.

    Only the declared values are applied (anything else is ignored, never an error);
    ``coerce`` turns the query value into the lookup's value (default: the string itself).
    """

    param: str
    label: str
    choices: Sequence[tuple[str, str]]
    lookup: str
    coerce: Callable[[str], object] | None = None
    empty_label: str = "Todos"


@dataclass
class FilterState:
    """A filter and the value currently chosen ("" when none)."""

    filter: ChoiceFilter
    value: str


@dataclass
class HeaderState:
    """A column header: its column, the link that sorts by it, and the current direction."""

    column: Column
    query: str = ""
    direction: Literal["asc", "desc", ""] = ""


@dataclass
class TableState:
    """Everything ``components/data_table.html`` needs to render one list page."""

    table_id: str
    path: str
    sort: str
    headers: list[HeaderState]
    columns: Sequence[Column]
    page_obj: Page[Any]
    search: str
    search_enabled: bool
    search_placeholder: str
    filters: list[FilterState]
    empty_message: str
    empty_hint: str
    filtered: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def results_id(self) -> str:
        """The id of the element htmx swaps (results, summary and pagination)."""
        return f"{self.table_id}-results"

    @property
    def rows(self) -> list[Any]:
        """The rows of the current page."""
        return list(self.page_obj.object_list)


class ListPageView(StaffPageMixin, TemplateView):
    """A staff list page: search, choice filters, sortable columns and pagination.

    Subclasses set ``columns``, ``template_name`` (a page that includes
    ``components/data_table.html``) and ``get_queryset`` (scoped by a selector); optionally
    ``search_fields``, ``filters``, ``default_sort``, ``paginate_by``, ``permission_required``.
    The live search (htmx targeting ``#<table_id>-results``) gets only the results partial.
    """

    columns: Sequence[Column] = ()
    search_fields: Sequence[str] = ()
    search_placeholder: str = "Buscar"
    filters: Sequence[ChoiceFilter] = ()
    default_sort: str = ""
    paginate_by: int = 25
    table_id: str = "table"
    empty_message: str = "Nenhum registro encontrado."
    empty_filtered_message: str = "Nenhum resultado para os filtros escolhidos."
    empty_hint: str = ""
    permission_required: str | Sequence[str] = ()
    results_template_name: str = "components/data_table_results.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Require login, then the permissions in ``permission_required`` (403 if missing)."""
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perms = (
            (self.permission_required,)
            if isinstance(self.permission_required, str)
            else tuple(self.permission_required)
        )
        if perms and not request.user.has_perms(perms):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        """The rows this user may see, before search/filters/sort (override; scope it!)."""
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_queryset()")

    # --- the steps, each overridable ---------------------------------------------------
    def apply_search(self, queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
        """Keep rows where any ``search_fields`` contains ``term`` (case-insensitive)."""
        if not term or not self.search_fields:
            return queryset
        condition = reduce(or_, (Q(**{f"{name}__icontains": term}) for name in self.search_fields))
        return queryset.filter(condition)

    def apply_filters(
        self, queryset: QuerySet[Any], params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], list[FilterState]]:
        """Apply each declared filter whose value is one of its choices; others are ignored."""
        states = []
        for choice_filter in self.filters:
            value = params.get(choice_filter.param, "")
            if value not in {key for key, _ in choice_filter.choices}:
                value = ""
            if value:
                coerced = choice_filter.coerce(value) if choice_filter.coerce else value
                queryset = queryset.filter(**{choice_filter.lookup: coerced})
            states.append(FilterState(choice_filter, value))
        return queryset, states

    def current_sort(self) -> tuple[Column | None, bool]:
        """The column chosen by ``?sort=`` (``-key`` descending), if sortable; else None."""
        raw = self.request.GET.get(SORT_PARAM, "")
        descending = raw.startswith("-")
        key = raw.removeprefix("-")
        for column in self.columns:
            if column.sort and column.key == key:
                return column, descending
        return None, False

    def apply_sort(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Order by the chosen column (then by pk for a stable pagination) or the default."""
        column, descending = self.current_sort()
        if column is not None and column.sort:
            order = f"-{column.sort}" if descending else column.sort
            return queryset.order_by(order, "-pk" if descending else "pk")
        if self.default_sort:
            return queryset.order_by(self.default_sort, "-pk")
        return queryset if queryset.ordered else queryset.order_by("-pk")

    def build_headers(self) -> list[HeaderState]:
        """Each column's header with the query string that sorts by it (toggling direction)."""
        column_sorted, descending = self.current_sort()
        headers = []
        for column in self.columns:
            if not column.sort:
                headers.append(HeaderState(column))
                continue
            query = self.request.GET.copy()
            query.pop(PAGE_PARAM, None)
            active = column is column_sorted
            query[SORT_PARAM] = f"-{column.key}" if active and not descending else column.key
            direction: Literal["asc", "desc", ""] = (
                ("desc" if descending else "asc") if active else ""
            )
            headers.append(HeaderState(column, query.urlencode(), direction))
        return headers

    def get_table(self) -> TableState:
        """Run search, filters, sort and pagination over ``get_queryset()``."""
        params = self.request.GET
        term = params.get(SEARCH_PARAM, "").strip()[:200]
        queryset = self.apply_search(self.get_queryset(), term)
        queryset, filter_states = self.apply_filters(queryset, params)
        queryset = self.apply_sort(queryset)
        paginator = Paginator(queryset, self.paginate_by)
        page_obj = paginator.get_page(params.get(PAGE_PARAM))
        filtered = bool(term) or any(state.value for state in filter_states)
        return TableState(
            table_id=self.table_id,
            path=self.request.path,
            sort=params.get(SORT_PARAM, "") if self.current_sort()[0] else "",
            headers=self.build_headers(),
            columns=self.columns,
            page_obj=page_obj,
            search=term,
            search_enabled=bool(self.search_fields),
            search_placeholder=self.search_placeholder,
            filters=filter_states,
            empty_message=self.empty_filtered_message if filtered else self.empty_message,
            empty_hint="" if filtered else self.empty_hint,
            filtered=filtered,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The page context with ``table`` (a ``TableState``) and ``page_obj``."""
        context = super().get_context_data(**kwargs)
        table = self.get_table()
        context.update(table=table, page_obj=table.page_obj)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The full page, or only the results partial for the table's own htmx requests."""
        context = self.get_context_data(**kwargs)
        wants_results = is_htmx(request) and request.headers.get("HX-Target") == (
            context["table"].results_id
        )
        template = self.results_template_name if wants_results else self.get_template_names()
        response = TemplateResponse(request, template, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
