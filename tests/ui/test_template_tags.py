"""``{% load ui %}``: money as R$ 1.234,56, dates as dd/mm/aaaa, query strings kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from consorcio.templatetags.ui import brl, data, data_hora


def _render(source: str, **context) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.56"), "R$ 1.234,56"),
        (Decimal("0"), "R$ 0,00"),
        (Decimal("1234567.8"), "R$ 1.234.567,80"),
        (Decimal("-10.5"), "-R$ 10,50"),
        (Decimal("2.345"), "R$ 2,35"),  # half-up to the cent
        (Decimal("999.999"), "R$ 1.000,00"),
    ],
)
def test_brl_shows_amounts_the_brazilian_way(amount, shown):
    assert brl(amount) == shown
    assert _render("{{ v|brl }}", v=amount) == shown


def test_brl_leaves_empty_values_empty_and_does_not_crash_on_text():
    assert brl(None) == ""
    assert brl("") == ""
    assert brl("não é número") == "não é número"
    assert brl("1500") == "R$ 1.500,00"


def test_data_shows_day_month_year():
    assert data(date(2024, 3, 5)) == "05/03/2024"
    assert _render("{{ d|data }}", d=date(2024, 12, 31)) == "31/12/2024"
    assert data(None) == ""


def test_datetimes_are_shown_in_sao_paulo_time():
    # 02:30 UTC on the 1st is 23:30 of the previous day in São Paulo (UTC-3).
    instant = datetime(2024, 3, 1, 2, 30, tzinfo=UTC)

    assert data(instant) == "29/02/2024"
    assert data_hora(instant) == "29/02/2024 23:30"


def test_query_with_replaces_one_parameter_and_keeps_the_others():
    request = RequestFactory().get(
        "/tarefas/", {"q": "remessa março", "sort": "-kind", "page": "3"}
    )

    shown = _render('{% query_with page=4 %}|{% query_with sort="" %}', request=request)

    assert shown == "q=remessa+mar%C3%A7o&amp;sort=-kind&amp;page=4|q=remessa+mar%C3%A7o&amp;page=3"
