"""Personal-data access log (ARCHITECTURE.md §4): who read whose personal data, and why.

Code that shows or exports a member's full record calls ``record_personal_data_access`` in
the same request; the ``audit`` context presents the log. Rows are append-only **in the
database**: a trigger (``APPEND_ONLY_SQL``, installed by a kernel migration) refuses UPDATE and
DELETE on the table, so not even a bug or a shell session can rewrite history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from consorcio.models import PersonalDataAccess
from consorcio.observability import current_request_id

SYSTEM_ACTOR_LABEL: Final = "sistema"
_SUBJECT_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_FIELD_MAX = PersonalDataAccess._meta.get_field("fields").base_field.max_length or 80
_PURPOSE_MAX = PersonalDataAccess._meta.get_field("purpose").max_length or 200
_SUBJECT_ID_MAX = PersonalDataAccess._meta.get_field("subject_id").max_length or 64

# The trigger that makes the table append-only. A generic function, so later append-only
# tables (ledger entries, settlements) attach their own trigger to it. TRUNCATE stays allowed:
# it needs table ownership, and Django's test flush relies on it.
APPEND_ONLY_SQL: Final = """
CREATE OR REPLACE FUNCTION consorcio_refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% em %: tabela somente de inclusão (append-only)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER consorcio_personaldataaccess_append_only
    BEFORE UPDATE OR DELETE ON consorcio_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION consorcio_refuse_append_only_change();
"""
APPEND_ONLY_REVERSE_SQL: Final = """
DROP TRIGGER IF EXISTS consorcio_personaldataaccess_append_only ON consorcio_personaldataaccess;
DROP FUNCTION IF EXISTS consorcio_refuse_append_only_change();
"""


def _actor_label(actor: AbstractBaseUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return SYSTEM_ACTOR_LABEL
    return str(actor.get_username())[:200]


def record_personal_data_access(
    *,
    actor: AbstractBaseUser | None,
    subject_type: str,
    subject_id: str | int,
    fields: Sequence[str],
    purpose: str,
) -> PersonalDataAccess:
    """Record that ``actor`` read ``fields`` of one data subject, for ``purpose``.

    ``subject_type`` is the model label of the subject (``"members.member"``); ``actor`` is
    ``None`` for the system itself (a report run by beat). The row carries the current request
    id. Raises ``ValueError`` on empty fields or purpose: a read with no stated purpose is a
    bug in the caller, never something to record silently.
    """
    if isinstance(fields, str):
        raise ValueError("record_personal_data_access: fields is a list of names, not a string")
    clean_fields = [str(field).strip() for field in fields]
    clean_purpose = purpose.strip()
    clean_subject_id = str(subject_id).strip()
    if not clean_fields or not all(clean_fields):
        raise ValueError("record_personal_data_access: fields must be a non-empty list of names")
    if any(len(field) > _FIELD_MAX for field in clean_fields):
        raise ValueError(f"record_personal_data_access: field names are at most {_FIELD_MAX}")
    if not clean_purpose or len(clean_purpose) > _PURPOSE_MAX:
        raise ValueError(f"record_personal_data_access: purpose is 1..{_PURPOSE_MAX} characters")
    if not _SUBJECT_TYPE.fullmatch(subject_type):
        raise ValueError("record_personal_data_access: subject_type is 'app_label.model'")
    if not clean_subject_id or len(clean_subject_id) > _SUBJECT_ID_MAX:
        raise ValueError(f"record_personal_data_access: subject_id is 1..{_SUBJECT_ID_MAX}")
    return PersonalDataAccess.objects.create(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        actor_label=_actor_label(actor),
        subject_type=subject_type,
        subject_id=clean_subject_id,
        fields=list(dict.fromkeys(clean_fields)),
        purpose=clean_purpose,
        request_id=current_request_id() or "",
    )


def accesses_for_subject(subject_type: str, subject_id: str | int) -> QuerySet[PersonalDataAccess]:
    """Every recorded read of one subject's data, newest first, with the actor joined."""
    return (
        PersonalDataAccess.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
        .select_related("actor")
        .order_by("-accessed_at", "-id")
    )
