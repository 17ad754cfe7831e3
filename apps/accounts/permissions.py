"""DRF permission class deciding through `selectors.authorization.can` (as pages and admin do).

``CanActOnObject`` maps the HTTP method (or the view's own ``permission_actions``) to an
action. Lists and creation need the role permission on the model; a request on one object
defers to `can`, which also honours django-guardian exceptions. The view's queryset must be
scoped with ``scope_queryset`` so objects outside the actor's reach answer 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts.selectors.authorization import can, has_model_permission, scope_queryset

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def requested_action(request: Request, view: APIView) -> str:
    """The permission action the request needs ("view", "add", "change", "delete", ...).

    A view may name its own: ``permission_actions = {"rotate_secret": "change"}`` keyed by
    the viewset action.
    """
    custom: dict[str, str] = getattr(view, "permission_actions", {})
    action = getattr(view, "action", None)
    if action in custom:
        return custom[action]
    return METHOD_ACTIONS.get((request.method or "GET").upper(), "change")


def _view_model(view: APIView) -> type[Model]:
    queryset = getattr(view, "queryset", None)
    if queryset is None and hasattr(view, "get_queryset"):
        queryset = view.get_queryset()
    if queryset is None:
        raise AttributeError(f"{type(view).__name__} has no queryset to take the model from")
    return queryset.model


def _is_object_request(view: APIView) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class CanActOnObject(BasePermission):
    """Role permission for lists and creation; `can(user, action, obj)` for one object."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        if _is_object_request(view):
            # Decided on the object itself (a guardian exception may allow it without the
            # role permission).
            return True
        return has_model_permission(user, requested_action(request, view), _view_model(view))

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return can(request.user, requested_action(request, view), obj)


class ScopedAdminMixin:
    """ModelAdmin mixin: ownership scope on the change list, `can` on every object.

    Ownership columns are the model's (``owner_channel_field``/``owner_representative_field``
    or the default ``sales_channel``/``sales_representative``). Without an object, Django's
    model permissions decide (the list and the add button); with one, `can` decides.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return scope_queryset(queryset, request.user)

    def _decide(self, request: HttpRequest, action: str, obj: Model | None, fallback: bool) -> bool:
        if obj is None:
            return fallback
        return can(request.user, action, obj)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        fallback = super().has_view_permission(request)  # type: ignore[misc]
        if obj is None:
            return bool(fallback)
        return can(request.user, "view", obj) or can(request.user, "change", obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        fallback = super().has_change_permission(request)  # type: ignore[misc]
        return self._decide(request, "change", obj, bool(fallback))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        fallback = super().has_delete_permission(request)  # type: ignore[misc]
        return self._decide(request, "delete", obj, bool(fallback))
