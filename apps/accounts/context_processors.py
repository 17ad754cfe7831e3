"""Template context for every staff page: the menu the signed-in user may see."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from apps.accounts.navigation import NavItem, menu_for


def navigation(request: HttpRequest) -> dict[str, Callable[[], list[NavItem]]]:
    """``nav_items``: the user's menu entries (computed only if a template reads them).

    ``nav_items`` lists the entries shown in the header menu; ``nav_shortcuts`` all the
    entries the user may see, with their descriptions, for the home page.
    """
    cache: dict[str, list[NavItem]] = {}

    def all_items() -> list[NavItem]:
        if "items" not in cache:
            cache["items"] = menu_for(request.user, request.path)
        return cache["items"]

    def menu_items() -> list[NavItem]:
        return [item for item in all_items() if item.in_menu]

    return {"nav_items": menu_items, "nav_shortcuts": all_items}
