"""The groups context's refusals (stable codes for the API, Portuguese text for staff)."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class GroupInvalidTransition(DomainError):
    """The requested lifecycle transition is not allowed from the group's state."""

    code: ClassVar[str] = "group_invalid_transition"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Transição de situação inválida"


class GroupRulesLocked(DomainError):
    """The group has members: its rules change only through a versioned amendment."""

    code: ClassVar[str] = "group_rules_locked"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Regras do grupo bloqueadas"
    default_detail: ClassVar[str] = (
        "O grupo já tem participantes: altere as regras por meio de um aditamento."
    )


class GroupRulesInvalid(DomainError):
    """The proposed rules break a rule of the plan (ranges, unknown fields, no change…)."""

    code: ClassVar[str] = "group_rules_invalid"
    title: ClassVar[str] = "Regras do grupo inválidas"


class GroupAmendmentRefused(DomainError):
    """An amendment cannot be made (no reason given, nothing changed, or the group is closed)."""

    code: ClassVar[str] = "group_amendment_refused"
    title: ClassVar[str] = "Aditamento recusado"


class GroupDataInvalid(DomainError):
    """The group's own data is invalid (a duplicate code, a term or size out of range)."""

    code: ClassVar[str] = "group_invalid"
    title: ClassVar[str] = "Dados do grupo inválidos"
