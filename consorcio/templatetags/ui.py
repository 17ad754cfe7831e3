"""Template tags of the staff UI (``{% load ui %}``): money, dates and component helpers.

Pages show money as ``R$ 1.234,56`` and dates as ``dd/mm/aaaa`` whatever the active locale.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.paginator import Page
from django.forms import BoundField
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from consorcio.models import Job
from consorcio.money import format_brl
from consorcio.ui import Column, progress_context

register = template.Library()


@register.filter(name="brl")
def brl(value: object) -> str:
    """Show an amount as ``R$ 1.234,56``; empty for None/"" and the value itself if not a number.

    Floats are refused as money elsewhere; here a float is shown through its string form so a
    template never crashes, but callers should pass Decimal.
    """
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return format_brl(amount)


@register.filter(name="data")
def data(value: object) -> str:
    """Show a date (or a datetime, in the local time zone) as ``dd/mm/aaaa``; empty for None."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


@register.filter(name="data_hora")
def data_hora(value: object) -> str:
    """Show a datetime as ``dd/mm/aaaa hh:mm`` in the local time zone; empty for None."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    return data(value)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (None/"" removes one).

    Used by sort headers and pagination links so they keep the filters: ``?{% query_with
    page=3 %}``. Returns the encoded string without the leading ``?``.
    """
    request = context.get("request")
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def _resolve(row: object, key: str) -> object:
    """Follow a dotted attribute path; a method at the end is called without arguments."""
    value: object = row
    for part in key.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
    if callable(value):
        value = value()
    return value


@register.simple_tag
def table_cell(row: object, column: Column) -> str:
    """One data-table cell: the column's value formatted (and linked) for display."""
    value = _resolve(row, column.key)
    if column.template:
        return render_to_string(column.template, {"row": row, "value": value, "column": column})
    text: str
    if column.format == "choice":
        display = getattr(row, f"get_{column.key}_display", None)
        text = capfirst(str(display())) if callable(display) else str(value or "")
    elif column.format == "brl":
        text = brl(value)
    elif column.format == "data":
        text = data(value)
    elif column.format == "data_hora":
        text = data_hora(value)
    elif column.format == "bool":
        text = "" if value is None else ("Sim" if value else "Não")
    else:
        text = "" if value is None else str(value)
    if not text:
        return mark_safe('<span class="muted" aria-label="vazio">—</span>')
    if column.link is not None:
        return format_html('<a href="{}">{}</a>', column.link(row), text)
    return conditional_escape(text)


@register.simple_tag
def page_numbers(page_obj: Page[Any]) -> list[int | None]:
    """The page numbers to show around the current page; None where pages are elided."""
    numbers: list[int | None] = []
    for number in page_obj.paginator.get_elided_page_range(
        page_obj.number, on_each_side=2, on_ends=1
    ):
        numbers.append(number if isinstance(number, int) else None)
    return numbers


@register.simple_tag
def field_widget(field: BoundField) -> str:
    """A form field's widget, marked ``aria-invalid`` and linked to its errors/help text."""
    attrs: dict[str, str | bool] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        attrs["aria-invalid"] = "true"
        described_by.append(f"{field.auto_id}_errors")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("components/progress.html")
def job_progress(job: Job) -> dict[str, Any]:
    """The progress component of ``job`` (polls itself every second until the job ends)."""
    return progress_context(job)
