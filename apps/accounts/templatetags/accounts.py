"""Template filters of the accounts pages (``{% load accounts %}``)."""

from __future__ import annotations

from django import template

from apps.accounts.roles import ROLE_LABELS, Role

register = template.Library()


@register.filter(name="role_label")
def role_label(name: object) -> str:
    """The Portuguese name of a role (``"finance"`` -> ``"Financeiro"``); other names as is."""
    try:
        return ROLE_LABELS[Role(str(name))]
    except ValueError:
        return str(name)
