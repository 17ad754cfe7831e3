"""The personal-data access log: who read whose data, why; rows nobody can rewrite."""

from __future__ import annotations

import uuid

import pytest
import structlog
from django.db import DatabaseError, transaction

from apps.accounts.models import User
from consorcio.access_log import accesses_for_subject, record_personal_data_access
from consorcio.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst() -> User:
    return User.objects.create_user(username=f"analista-{uuid.uuid4().hex[:6]}", password="x")


def test_a_read_of_personal_data_is_recorded_with_reader_fields_purpose_and_request_id(analyst):
    request_id = str(uuid.uuid4())

    with structlog.contextvars.bound_contextvars(request_id=request_id):
        access = record_personal_data_access(
            actor=analyst,
            subject_type="members.member",
            subject_id=981,
            fields=["cpf", "endereco", "cpf"],
            purpose="análise de crédito da cota 12/0034",
        )

    stored = PersonalDataAccess.objects.get(pk=access.pk)
    assert stored.actor == analyst
    assert stored.actor_label == analyst.username
    assert (stored.subject_type, stored.subject_id) == ("members.member", "981")
    assert stored.fields == ["cpf", "endereco"]
    assert stored.purpose == "análise de crédito da cota 12/0034"
    assert stored.request_id == request_id


def test_a_read_by_the_system_itself_is_recorded_as_sistema():
    access = record_personal_data_access(
        actor=None,
        subject_type="members.member",
        subject_id="7",
        fields=["email"],
        purpose="envio do extrato mensal",
    )

    assert access.actor is None
    assert access.actor_label == "sistema"
    assert access.request_id == ""


@pytest.mark.parametrize(
    "overrides",
    [
        {"fields": []},
        {"fields": ["cpf", " "]},
        {"fields": "cpf"},
        {"fields": ["x" * 81]},
        {"purpose": ""},
        {"purpose": "   "},
        {"purpose": "p" * 201},
        {"subject_type": "Member"},
        {"subject_id": ""},
    ],
)
def test_an_access_without_fields_purpose_or_a_proper_subject_is_refused(analyst, overrides):
    arguments = {
        "actor": analyst,
        "subject_type": "members.member",
        "subject_id": 1,
        "fields": ["cpf"],
        "purpose": "atendimento",
        **overrides,
    }

    with pytest.raises(ValueError, match="record_personal_data_access"):
        record_personal_data_access(**arguments)

    assert not PersonalDataAccess.objects.exists()


def test_accesses_of_one_subject_are_listed_newest_first_and_only_theirs(analyst):
    first = record_personal_data_access(
        actor=analyst,
        subject_type="members.member",
        subject_id=5,
        fields=["cpf"],
        purpose="cadastro",
    )
    record_personal_data_access(
        actor=analyst,
        subject_type="members.member",
        subject_id=6,
        fields=["cpf"],
        purpose="cadastro",
    )
    second = record_personal_data_access(
        actor=analyst,
        subject_type="members.member",
        subject_id="5",
        fields=["renda"],
        purpose="análise de crédito",
    )

    assert list(accesses_for_subject("members.member", 5)) == [second, first]
    assert list(accesses_for_subject("members.company", 5)) == []


def test_the_database_refuses_to_update_or_delete_a_recorded_access(analyst):
    """Needs the kernel migration that installs consorcio.access_log.APPEND_ONLY_SQL."""
    access = record_personal_data_access(
        actor=analyst,
        subject_type="members.member",
        subject_id=5,
        fields=["cpf"],
        purpose="cadastro",
    )
    rows = PersonalDataAccess.objects.filter(pk=access.pk)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(purpose="apagando o rastro")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.delete()

    stored = rows.get()
    assert stored.purpose == "cadastro"
    assert stored.fields == ["cpf"]
