"""The groups API: create, read, transitions and amendments, with refusals as problems."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.models import ConsortiumGroup, GroupRules
from tests.accounts.factories import UserFactory
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


def _client(role):
    user = roles.assign_roles(user=UserFactory(), roles=[role])
    client = APIClient(REMOTE_ADDR="10.13.0.1")
    client.force_authenticate(user)
    return client


def _post(client, url, body):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


BODY = {
    "code": "IMV-100",
    "name": "Imóveis 100 meses",
    "segment": "real_estate",
    "reference_credit_value": "100000.00",
    "term_months": 100,
    "max_quotas": 200,
    "rules": {
        "contract_version": "2026.1",
        "adjustment_index": "incc",
        "admin_fee_total": "0.15",
        "reserve_fund": "0.02",
        "assembly_day": 21,
    },
}


def test_operations_creates_a_group_and_sales_reads_it():
    created = _post(_client(Role.OPERATIONS), URL, BODY)
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "formation"
    assert created.json()["current_rules"]["version"] == 1
    assert created.json()["current_rules"]["admin_fee_total"] == "0.1500000000"
    listed = _client(Role.SALES).get(URL)
    assert listed.status_code == 200
    assert [g["code"] for g in listed.json()["results"]] == ["IMV-100"]


def test_sales_may_not_create_a_group_and_nothing_is_created():
    response = _post(_client(Role.SALES), URL, BODY)
    assert response.status_code == 403
    assert not ConsortiumGroup.objects.exists()


def test_a_group_share_below_half_is_refused_with_a_problem_and_nothing_created():
    body = {**BODY, "rules": {**BODY["rules"], "late_group_share": "0.40"}}
    response = _post(_client(Role.OPERATIONS), URL, body)
    assert response.status_code == 422
    assert response.json()["code"] == "group_rules_invalid"
    assert not ConsortiumGroup.objects.exists()


def test_transitions_and_amendments_through_the_api():
    group = make_group()
    ops = _client(Role.OPERATIONS)
    detail = f"{URL}{group.pk}/"
    wrong = _post(ops, detail + "transition/", {"to_state": "closed", "on_date": "2026-03-10"})
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "group_invalid_transition"
    ok = _post(ops, detail + "transition/", {"to_state": "running", "on_date": "2026-03-10"})
    assert ok.status_code == 200
    assert ok.json()["state"] == "running"
    amended = _post(
        ops, detail + "amend/", {"changes": {"draws_per_assembly": 2}, "reason": "AGE 05/2026"}
    )
    assert amended.status_code == 201, amended.content
    assert amended.json()["version"] == 2
    assert GroupRules.objects.filter(group=group).count() == 2
    unknown = _post(ops, detail + "amend/", {"changes": {"nope": 1}, "reason": "AGE"})
    assert unknown.status_code == 422
    assert GroupRules.objects.filter(group=group).count() == 2
