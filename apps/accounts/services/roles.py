"""Roles as Django groups: granting permissions to a role, and giving users their roles.

``grant``/``revoke`` are written to run both at run time and inside data migrations: a
migration passes its historical ``Group`` and ``Permission`` models (its own
``apps.get_model`` lookups) and calls ``create_missing_permissions(apps)`` first, because
Django creates permissions only after all migrations ran (``post_migrate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import Role, role_names
from consorcio.errors import DomainError


class UnknownRoleError(DomainError):
    """A role name that is not one of `Role`."""

    code = "unknown_role"


class NotAStaffUserError(DomainError):
    """Roles of an API client's machine account come from its `ApiClient.role`, not here."""

    code = "not_a_staff_user"


def _split(perm: str) -> tuple[str, str]:
    app_label, dot, codename = perm.partition(".")
    if not dot or not app_label or not codename:
        raise ValueError(f"permission must read 'app_label.codename', got {perm!r}")
    return app_label, codename


def _permissions(perms: Iterable[str], permission_model: Any) -> list[Any]:
    found = []
    for perm in perms:
        app_label, codename = _split(perm)
        try:
            found.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        except permission_model.DoesNotExist:
            # A typo in a permission list must fail the migration, not grant less silently.
            raise LookupError(f"permission {perm!r} does not exist") from None
    return found


def grant(
    role: Role | str,
    perms: Iterable[str],
    *,
    group_model: Any = None,
    permission_model: Any = None,
) -> int:
    """Add permissions (``"app_label.codename"``) to the role's group; returns how many.

    Creates the group when missing. From a migration pass the migration's historical
    ``Group`` and ``Permission`` models (``group_model=``, ``permission_model=``) after
    ``create_missing_permissions(apps)``. An unknown permission raises ``LookupError``.
    """
    group_model = group_model or Group
    permission_model = permission_model or Permission
    group, _ = group_model.objects.get_or_create(name=str(role))
    found = _permissions(perms, permission_model)
    group.permissions.add(*found)
    return len(found)


def revoke(
    role: Role | str,
    perms: Iterable[str],
    *,
    group_model: Any = None,
    permission_model: Any = None,
) -> int:
    """Remove permissions from the role's group (the reverse of `grant`); returns how many."""
    group_model = group_model or Group
    permission_model = permission_model or Permission
    group = group_model.objects.filter(name=str(role)).first()
    if group is None:
        return 0
    found = _permissions(perms, permission_model)
    group.permissions.remove(*found)
    return len(found)


def create_missing_permissions(app_registry: Any) -> None:
    """Create the content types and permissions of every model a migration state knows.

    For data migrations (pass their ``apps``): on a fresh database the permissions do not
    exist yet while migrations run.
    """
    for app_config in app_registry.get_app_configs():
        # create_permissions skips app configs without a models module; state apps have none.
        app_config.models_module = True
        create_permissions(app_config, apps=app_registry, verbosity=0)
        app_config.models_module = None


@transaction.atomic
def assign_roles(*, user: User, roles: Iterable[Role | str]) -> User:
    """Make ``roles`` exactly the user's roles (groups that are not roles are kept).

    A user with at least one role may enter the admin site (``is_staff``), which then shows
    only what the role's permissions and the actor's scope allow. API client accounts are
    refused: their role is the one bound to the client. auditlog records the change of
    groups (with the acting user, from the request).
    """
    wanted = {str(role) for role in roles}
    unknown = wanted - role_names()
    if unknown:
        raise UnknownRoleError(f"Papel desconhecido: {', '.join(sorted(unknown))}.")
    if user.kind != User.Kind.STAFF:
        raise NotAStaffUserError("Papéis de clientes de API são definidos no próprio cliente.")
    user = User.objects.select_for_update().get(pk=user.pk)
    current = set(user.groups.filter(name__in=role_names()).values_list("name", flat=True))
    to_remove = Group.objects.filter(name__in=current - wanted)
    to_add = [Group.objects.get_or_create(name=name)[0] for name in sorted(wanted - current)]
    if to_remove:
        user.groups.remove(*to_remove)
    if to_add:
        user.groups.add(*to_add)
    is_staff = bool(wanted) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return user
