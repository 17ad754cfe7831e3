"""A bulk write leaves one audit entry for the whole batch: what, how many, by whom."""

from __future__ import annotations

import uuid

import pytest
import structlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from apps.accounts.models import User
from consorcio.audit import record_batch_audit
from consorcio.models import JobMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> User:
    return User.objects.create_user(
        username=f"operador-{uuid.uuid4().hex[:6]}", password="x", email="op@example.com"
    )


def test_a_bulk_write_records_exactly_one_entry_with_actor_count_and_request_id(operator):
    request_id = str(uuid.uuid4())
    before = LogEntry.objects.count()

    with structlog.contextvars.bound_contextvars(request_id=request_id):
        entry = record_batch_audit(
            actor=operator,
            action="finance.installments.generated",
            model=User,
            count=1000,
            details={"group": 42, "month": "2025-03"},
            operation="create",
        )

    assert LogEntry.objects.count() == before + 1
    entry.refresh_from_db()
    assert entry.object_repr == "lote: 1.000 registros"
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == operator
    assert entry.actor_email == "op@example.com"
    assert entry.cid == request_id
    assert entry.content_type == ContentType.objects.get_for_model(User)
    assert entry.additional_data == {
        "action": "finance.installments.generated",
        "count": 1000,
        "details": {"group": 42, "month": "2025-03"},
    }


def test_the_model_may_be_named_by_its_label_and_the_system_may_be_the_actor():
    entry = record_batch_audit(
        actor=None,
        action="jobs.messages.purged",
        model="consorcio.JobMessage",
        count=1,
        details={},
        operation="delete",
    )

    assert entry.content_type == ContentType.objects.get_for_model(JobMessage)
    assert entry.object_repr == "lote: 1 registro"
    assert entry.action == LogEntry.Action.DELETE
    assert entry.actor is None
    assert entry.cid is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "  "}, "action"),
        ({"count": -1}, "count"),
        ({"operation": "upsert"}, "operation"),
    ],
)
def test_a_malformed_batch_audit_is_refused_and_writes_nothing(operator, kwargs, message):
    arguments = {
        "actor": operator,
        "action": "x.y.z",
        "model": User,
        "count": 3,
        "details": {},
        **kwargs,
    }
    before = LogEntry.objects.count()

    with pytest.raises(ValueError, match=message):
        record_batch_audit(**arguments)

    assert LogEntry.objects.count() == before
