"""The assembly calendar with Brazil's national holidays (holidays package)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.groups.services import calendar
from tests.groups.conftest import make_group

D = dt.date


def test_tiradentes_and_weekends_are_not_business_days():
    assert not calendar.is_business_day(D(2026, 4, 21))  # Tiradentes, a Tuesday
    assert not calendar.is_business_day(D(2026, 4, 25))  # Saturday
    assert calendar.next_business_day(D(2026, 4, 21)) == D(2026, 4, 22)
    assert calendar.next_business_day(D(2026, 4, 3)) == D(2026, 4, 6)  # Good Friday + weekend
    assert calendar.next_business_day(D(2026, 3, 10)) == D(2026, 3, 10)  # A4's Tuesday


def test_carnival_is_not_a_national_holiday_in_the_holidays_package():
    # Carnival Tuesday 2026 is 17/02: an optional day (ponto facultativo), not a holiday.
    assert calendar.is_business_day(D(2026, 2, 17))


def test_november_20_black_awareness_day_is_a_national_holiday_since_2024():
    assert calendar.next_business_day(D(2026, 11, 20)) == D(2026, 11, 23)


@pytest.mark.django_db
def test_assembly_dates_move_day_21_to_the_next_business_day():
    group = make_group(rules={"assembly_day": 21})
    dates = calendar.assembly_dates(group, D(2026, 3, 1), 4)
    # 21/03/2026 Saturday -> 23/03; 21/04 Tiradentes -> 22/04; 21/05 Thursday; 21/06 Sunday -> 22/06
    assert dates == [D(2026, 3, 23), D(2026, 4, 22), D(2026, 5, 21), D(2026, 6, 22)]


@pytest.mark.django_db
def test_day_31_is_capped_at_the_end_of_short_months_and_cutoff_is_the_day_before():
    group = make_group(rules={"assembly_day": 31, "admin_fee_total": Decimal("0.1")})
    dates = calendar.assembly_dates(group, D(2026, 2, 1), 2)
    # 28/02/2026 Saturday -> 02/03; 31/03 Tuesday.
    assert dates == [D(2026, 3, 2), D(2026, 3, 31)]
    rules = group.current_rules
    assert calendar.eligibility_cutoff(rules, D(2026, 3, 31)) == D(2026, 3, 30)
    closing = calendar.bid_closing_at(rules, D(2026, 3, 31))
    assert (closing.date(), closing.hour, closing.minute) == (D(2026, 3, 30), 23, 59)
    assert str(closing.tzinfo) == "America/Sao_Paulo"
