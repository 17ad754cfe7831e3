"""The assembly calendar: business days (weekends and Brazil's national holidays) and the dates
of a group's assemblies (day N of each month, moved to the next business day)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from functools import lru_cache

import holidays
from django.utils import timezone

from apps.groups.models import ConsortiumGroup, GroupRules

__all__ = [
    "assembly_date_in_month",
    "assembly_dates",
    "bid_closing_at",
    "eligibility_cutoff",
    "is_business_day",
    "next_business_day",
]


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[dt.date]:
    # National holidays only (no state or municipal ones, no Carnival: the package lists
    # Carnival as an optional day, not a national holiday).
    return frozenset(holidays.country_holidays("BR", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    """Whether ``day`` is neither a weekend nor a national holiday in Brazil."""
    return day.weekday() < 5 and day not in _national_holidays(day.year)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, otherwise the next business day."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def assembly_date_in_month(rules: GroupRules, year: int, month: int) -> dt.date:
    """The assembly of ``year``/``month``: the rules' day (capped at the month's last day),
    moved to the next business day (which may fall in the next month)."""
    last_day = pycalendar.monthrange(year, month)[1]
    return next_business_day(dt.date(year, month, min(rules.assembly_day, last_day)))


def assembly_dates(group: ConsortiumGroup, start: dt.date, count: int) -> list[dt.date]:
    """The group's next ``count`` assembly dates on or after ``start`` (rules in force)."""
    rules = group.current_rules
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    if count < 0:
        raise ValueError("count must not be negative")
    dates: list[dt.date] = []
    year, month = start.year, start.month
    while len(dates) < count:
        candidate = assembly_date_in_month(rules, year, month)
        if candidate >= start and (not dates or candidate > dates[-1]):
            dates.append(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def eligibility_cutoff(rules: GroupRules, assembly: dt.date) -> dt.date:
    """The eligibility cut-off date of an assembly (A5: by default the day before)."""
    return assembly - dt.timedelta(days=rules.eligibility_cutoff_days_before)


def bid_closing_at(rules: GroupRules, assembly: dt.date) -> dt.datetime:
    """When bidding closes for an assembly (A8: 23:59 of the cut-off date by default), in the
    administradora's time zone (``TIME_ZONE``)."""
    naive = dt.datetime.combine(eligibility_cutoff(rules, assembly), rules.bid_closing_time)
    return timezone.make_aware(naive)
