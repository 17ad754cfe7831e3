"""Template filters of the finance pages: fractions of the credit shown as percentages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from consorcio.money import round_half_up

register = template.Library()


@register.filter(name="pct")
def pct(value: object, places: int = 4) -> str:
    """A fraction of the credit as a Brazilian percentage: ``Decimal("0.0117")`` -> ``1,1700%``."""
    if value is None or value == "":
        return "—"
    percent = round_half_up(Decimal(str(value)) * 100, int(places))
    return f"{percent:.{int(places)}f}".replace(".", ",") + "%"
