"""django-auditlog records every change of business data, with who did it and the request id."""

from __future__ import annotations

import uuid

import pytest
import structlog
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from apps.accounts.models import User
from consorcio.models import OutboxEvent, PersonalDataAccess

pytestmark = pytest.mark.django_db

PASSWORD = "uma-senha-longa-e-boa-42"


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser(username=f"chefe-{uuid.uuid4().hex[:6]}", password="x")


def _entries_for(obj: object) -> list[LogEntry]:
    return list(
        LogEntry.objects.get_for_object(obj).order_by("timestamp", "id")  # type: ignore[arg-type]
    )


def test_creating_a_user_in_the_admin_records_who_created_it_and_the_request_id(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "maria",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    maria = User.objects.get(username="maria")
    [entry] = _entries_for(maria)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin_user
    assert entry.cid == response["X-Request-ID"]
    assert entry.changes_dict["username"][1] == "maria"


def test_the_password_hash_and_last_login_never_reach_the_audit_log(client, admin_user):
    client.force_login(admin_user)
    client.post(
        "/admin/accounts/user/add/",
        {
            "username": "joana",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    joana = User.objects.get(username="joana")
    with set_actor(admin_user):
        joana.set_password("outra-senha-muito-boa-77")
        joana.email = "joana@example.com"
        joana.save()

    entries = _entries_for(joana)
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    for entry in entries:
        assert "password" not in entry.changes_dict
        assert "last_login" not in entry.changes_dict
        assert joana.password not in str(entry.changes) + entry.changes_text
    assert entries[1].changes_dict["email"] == ["", "joana@example.com"]


def test_a_service_change_records_the_actor_and_the_request_id_it_ran_under(admin_user):
    user = User.objects.create_user(username="pedro", password="x")
    request_id = str(uuid.uuid4())

    with structlog.contextvars.bound_contextvars(request_id=request_id), set_actor(admin_user):
        user.full_name = "Pedro Álvares"
        user.save()
        user_pk = user.pk
        user.delete()

    update, delete = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_pk=str(user_pk)
        )
        .exclude(action=LogEntry.Action.CREATE)
        .order_by("timestamp", "id")
    )
    assert update.action == LogEntry.Action.UPDATE
    assert update.changes_dict["full_name"] == ["", "Pedro Álvares"]
    assert delete.action == LogEntry.Action.DELETE
    assert {update.actor, delete.actor} == {admin_user}
    assert {update.cid, delete.cid} == {request_id}


def test_deleting_a_user_in_the_admin_is_recorded(client, admin_user):
    victim = User.objects.create_user(username="temporario", password="x")
    client.force_login(admin_user)

    response = client.post(f"/admin/accounts/user/{victim.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=victim.pk).exists()
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(victim.pk),
        action=LogEntry.Action.DELETE,
    )
    assert entry.actor == admin_user
    assert entry.cid == response["X-Request-ID"]


def test_giving_a_user_a_role_is_recorded_with_the_actor(admin_user):
    clerk = User.objects.create_user(username="atendente", password="x")
    finance = Group.objects.create(name="financeiro")

    with set_actor(admin_user):
        clerk.groups.add(finance)

    entry = _entries_for(clerk)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert entry.changes_dict["groups"]["objects"] == ["financeiro"]
    assert entry.changes_dict["groups"]["operation"] == "add"


def test_append_only_kernel_rows_are_not_recorded_by_auditlog(admin_user):
    before = LogEntry.objects.count()

    with set_actor(admin_user):
        OutboxEvent.objects.create(
            type="test.nothing.happened", aggregate_type="t", aggregate_id="1"
        )
        PersonalDataAccess.objects.create(
            actor=admin_user,
            actor_label="chefe",
            subject_type="members.member",
            subject_id="1",
            fields=["cpf"],
            purpose="teste",
        )

    assert LogEntry.objects.count() == before
