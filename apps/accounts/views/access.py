"""Access checks shared by the accounts pages, all through `selectors.authorization`.

An object outside the actor's reach answers 404 (its existence is not revealed); an object
within reach that the role may not act on answers 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, QueryDict

from apps.accounts.selectors.authorization import can, has_model_permission, scope_queryset

ModelT = TypeVar("ModelT", bound=Model)


def require_model_permission(request: HttpRequest, action: str, model: type[Model]) -> None:
    """Refuse (403) unless the actor's roles allow ``action`` on the model."""
    if not has_model_permission(request.user, action, model):
        raise PermissionDenied


def get_object_for(
    request: HttpRequest, action: str, queryset: QuerySet[ModelT], pk: int
) -> ModelT:
    """The object if the actor may reach it (404 otherwise) and may ``action`` it (403)."""
    obj = scope_queryset(queryset, request.user, action="view").filter(pk=pk).first()
    if obj is None:
        obj = scope_queryset(queryset, request.user, action=action).filter(pk=pk).first()
    if obj is None:
        raise Http404
    if not can(request.user, action, obj):
        if not can(request.user, "view", obj):
            raise Http404
        raise PermissionDenied
    return obj


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST (even an empty one), ``None`` for a GET (unbound form)."""
    return request.POST if request.method == "POST" else None
