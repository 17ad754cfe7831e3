"""The staff roles: one Django group per role, named exactly as the `Role` values.

The groups and their permission sets are created by the migration
``0003_roles``; later contexts extend a role's permissions in their own migrations with
``apps.accounts.services.roles.grant``. Code compares roles with these constants, never with
string literals.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    """A staff role; its value is the name of the Django group that carries it."""

    ADMIN = "admin"
    OPERATIONS = "operations"
    SALES = "sales"
    FINANCE = "finance"
    CREDIT = "credit"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        """The role's name as staff read it (pt-BR)."""
        return ROLE_LABELS[self]


ROLE_LABELS: Final[dict[Role, str]] = {
    Role.ADMIN: "Administrador",
    Role.OPERATIONS: "Operações",
    Role.SALES: "Vendas",
    Role.FINANCE: "Financeiro",
    Role.CREDIT: "Crédito",
    Role.AUDITOR: "Auditor",
}

# Choices for forms and filters, in the order staff expect to read them.
ROLE_CHOICES: Final[list[tuple[str, str]]] = [(role.value, role.label) for role in Role]


def role_names() -> frozenset[str]:
    """The group names that are roles (other groups, if any, are not roles)."""
    return frozenset(role.value for role in Role)
