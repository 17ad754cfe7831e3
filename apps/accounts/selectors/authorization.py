"""Who may see and do what: roles, ownership scope and per-object exceptions, decided once.

Three layers, combined by `can` and `scope_queryset` so pages, the API and the admin decide
alike:

1. **Role permissions**: Django model permissions carried by the user's role groups
   (``user.has_perm("app.view_model")``). No permission, no access, whatever the scope.
2. **Ownership scope** (`actor_scope`): what part of the owned records the actor may reach.
   Staff without a representative profile see everything their role allows; a sales
   representative sees the records it brought in; an API client bound to a channel sees that
   channel's records. Ownership is a column on the record (``sales_channel``,
   ``sales_representative`` by default), so scoping is a plain indexed ``WHERE``.
3. **Per-object exceptions** (django-guardian): a permission granted on one object lets the
   actor act on it even outside its scope (and even without the role permission).

A model declares its ownership columns with class attributes ``owner_channel_field`` and
``owner_representative_field`` (``"pk"`` when the row *is* the owner; ``None`` when it has no
such column). Without declarations, the columns ``sales_channel`` and ``sales_representative``
are used when the model has them; a model with neither is not owned, and its access is decided
by role permissions alone. A model owned only by a channel (no representative column) is shared
by the channel's representatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.accounts.models import ApiClient, SalesRepresentative, User
from apps.accounts.roles import Role, role_names

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser
else:
    Actor = Any

ModelT = TypeVar("ModelT", bound=Model)

DEFAULT_CHANNEL_FIELD = "sales_channel"
DEFAULT_REPRESENTATIVE_FIELD = "sales_representative"
_UNSET: Any = object()
_SCOPE_CACHE_ATTR = "_accounts_actor_scope"


class ScopeKind(StrEnum):
    """How far an actor's reach over owned records goes."""

    ALL = "all"
    CHANNEL = "channel"
    REPRESENTATIVE = "representative"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    """The owned records an actor may reach (before per-object exceptions)."""

    kind: ScopeKind
    channel_id: int | None = None
    representative_id: int | None = None

    @property
    def is_unrestricted(self) -> bool:
        """Whether ownership limits nothing (role permissions alone decide)."""
        return self.kind is ScopeKind.ALL


@dataclass(frozen=True)
class Ownership:
    """The ownership columns of a model (lookups usable in ``filter``), or ``None`` each."""

    channel_field: str | None
    representative_field: str | None


NO_SCOPE = Scope(ScopeKind.NONE)
FULL_SCOPE = Scope(ScopeKind.ALL)


def _compute_scope(user: Actor) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return FULL_SCOPE
    if user.kind == User.Kind.API_CLIENT:
        client = ApiClient.objects.filter(user_id=user.pk).only("is_active", "channel_id").first()
        if client is None or not client.is_active:
            return NO_SCOPE
        if client.channel_id is None:
            return FULL_SCOPE
        return Scope(ScopeKind.CHANNEL, channel_id=client.channel_id)
    representative = (
        SalesRepresentative.objects.filter(user_id=user.pk).only("is_active", "channel_id").first()
    )
    if representative is None:
        return FULL_SCOPE
    if not representative.is_active:
        # A former representative keeps no reach over what it sold.
        return NO_SCOPE
    return Scope(
        ScopeKind.REPRESENTATIVE,
        channel_id=representative.channel_id,
        representative_id=representative.pk,
    )


def actor_scope(user: Actor) -> Scope:
    """What owned records the actor may reach: all, one channel's, its own, or none.

    Superusers and staff without a representative profile: all. An active sales
    representative: its own records (and channel-owned rows of its channel). An API client's
    machine account: its channel's records when bound to one, all otherwise; an inactive
    client or representative, and anonymous or inactive users: none. Cached on the user object
    for the rest of the request.
    """
    cached = getattr(user, _SCOPE_CACHE_ATTR, None)
    if isinstance(cached, Scope):
        return cached
    scope = _compute_scope(user)
    if user.is_authenticated:
        setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def forget_actor_scope(user: Actor) -> None:
    """Drop the cached scope (after the actor's representative or client profile changed)."""
    if hasattr(user, _SCOPE_CACHE_ATTR):
        delattr(user, _SCOPE_CACHE_ATTR)


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def ownership_of(
    model: type[Model],
    *,
    channel_field: str | None = _UNSET,
    representative_field: str | None = _UNSET,
) -> Ownership | None:
    """The model's ownership columns (explicit arguments win), or ``None`` if it is not owned."""
    if channel_field is _UNSET:
        default = DEFAULT_CHANNEL_FIELD if _has_field(model, DEFAULT_CHANNEL_FIELD) else None
        channel_field = getattr(model, "owner_channel_field", default)
    if representative_field is _UNSET:
        has_default = _has_field(model, DEFAULT_REPRESENTATIVE_FIELD)
        default = DEFAULT_REPRESENTATIVE_FIELD if has_default else None
        representative_field = getattr(model, "owner_representative_field", default)
    if channel_field is None and representative_field is None:
        return None
    return Ownership(channel_field=channel_field, representative_field=representative_field)


def _scope_condition(scope: Scope, ownership: Ownership) -> Q | None:
    """The WHERE clause of the scope over these columns; ``None`` means no row."""
    if scope.kind is ScopeKind.REPRESENTATIVE and ownership.representative_field:
        return Q(**{ownership.representative_field: scope.representative_id})
    if scope.kind in (ScopeKind.CHANNEL, ScopeKind.REPRESENTATIVE) and ownership.channel_field:
        return Q(**{ownership.channel_field: scope.channel_id})
    return None


def permission_name(model: type[Model], action: str) -> str:
    """``"app_label.<action>_<model>"``, the Django permission of an action on a model."""
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def has_model_permission(user: Actor, action: str, model: type[Model]) -> bool:
    """Whether the actor's roles allow ``action`` on the model at all (lists, create forms)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(permission_name(model, action))


def exception_ids(user: Actor, model: type[Model], action: str = "view") -> list[Any]:
    """Primary keys of the objects django-guardian lets the actor ``action`` individually.

    Covers permissions given to the user and to its groups. Exceptions are few by nature, so
    the list is fetched and inlined into the scoped query (keeping it index-friendly).
    """
    if not user.is_authenticated or not user.is_active:
        return []
    objects = get_objects_for_user(
        user,
        permission_name(model, action),
        klass=model,
        with_superuser=False,
        accept_global_perms=False,
    )
    return list(objects.values_list("pk", flat=True))


def scope_queryset(
    qs: QuerySet[ModelT],
    user: Actor,
    *,
    channel_field: str | None = _UNSET,
    representative_field: str | None = _UNSET,
    action: str = "view",
    include_exceptions: bool = True,
) -> QuerySet[ModelT]:
    """Restrict ``qs`` to the rows the actor's scope reaches, plus its per-object exceptions.

    Ownership columns come from the model (see the module docstring) unless given. The filter
    is a plain ``WHERE owner_column = %s`` (plus ``OR pk IN (...)`` for guardian exceptions of
    ``action``), so an index on the ownership column keeps it fast at any size. This does not
    check role permissions: callers check `has_model_permission` (lists) or `can` (objects).
    """
    scope = actor_scope(user)
    if scope.kind is ScopeKind.ALL:
        return qs
    if scope.kind is ScopeKind.NONE:
        return qs.none()
    ownership = ownership_of(
        qs.model, channel_field=channel_field, representative_field=representative_field
    )
    if ownership is None:
        return qs
    condition = _scope_condition(scope, ownership)
    extra = exception_ids(user, qs.model, action) if include_exceptions else []
    if extra:
        condition = Q(pk__in=extra) if condition is None else condition | Q(pk__in=extra)
    return qs.none() if condition is None else qs.filter(condition)


def _owner_value(obj: Model, field: str) -> Any:
    if field == "pk":
        return obj.pk
    model_field = obj._meta.get_field(field)
    return getattr(obj, getattr(model_field, "attname", None) or field)


def is_in_scope(user: Actor, obj: Model) -> bool:
    """Whether the object lies inside the actor's ownership scope (no permission check).

    Reads the object's own ownership columns (no query); a lookup that crosses a relation
    (``"quota__sales_channel"``) is checked with one query.
    """
    scope = actor_scope(user)
    if scope.kind is ScopeKind.ALL:
        return True
    if scope.kind is ScopeKind.NONE:
        return False
    ownership = ownership_of(type(obj))
    if ownership is None:
        return True
    condition = _scope_condition(scope, ownership)
    if condition is None:
        return False
    field, expected = condition.children[0]  # type: ignore[misc]
    if "__" in field:
        return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()
    return bool(_owner_value(obj, field) == expected)


def can(user: Actor, action: str, obj: Model) -> bool:
    """May this actor do ``action`` ("view", "change", "delete", "add", ...) to this object?

    Yes when django-guardian grants the permission on this very object (an exception, even
    outside the scope), or when the role permission exists *and* the object lies in the
    actor's scope. For "add", ``obj`` is the unsaved object as it would be created, so its
    ownership columns say whether the actor may create it there. Inactive and anonymous users
    may do nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    perm = permission_name(type(obj), action)
    if obj.pk is not None and user.has_perm(perm, obj):
        return True
    if not user.has_perm(perm):
        return False
    return is_in_scope(user, obj)


def user_roles(user: Actor) -> frozenset[Role]:
    """The roles the actor holds (its role groups; an API client's bound role included)."""
    if not user.is_authenticated:
        return frozenset()
    names = set(user.groups.filter(name__in=role_names()).values_list("name", flat=True))
    if user.kind == User.Kind.API_CLIENT:
        names.update(
            ApiClient.objects.filter(user_id=user.pk, role__name__in=role_names()).values_list(
                "role__name", flat=True
            )
        )
    return frozenset(Role(name) for name in names)
