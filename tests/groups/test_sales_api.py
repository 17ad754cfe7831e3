"""The quotas API: reserve, confirm and cancel, with refusals as problems that change nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.models import Quota, QuotaObligation, QuotaVersion
from tests.accounts.factories import UserFactory
from tests.groups.conftest import make_group
from tests.members.factories import register

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotas/"


def _client(role):
    user = roles.assign_roles(user=UserFactory(), roles=[role])
    client = APIClient(REMOTE_ADDR="10.14.0.1")
    client.force_authenticate(user)
    return client, user


def _post(client, url, body=None):
    return client.post(url, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


@pytest.fixture
def world():
    from decimal import Decimal

    client, user = _client(Role.SALES)
    group = make_group(rules={"admin_fee_upfront": Decimal("0.01")})
    return client, group, register(actor=user)


def test_a_seller_reserves_and_confirms_a_sale_through_the_api(world):
    client, group, member = world
    reserved = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk})
    assert reserved.status_code == 201, reserved.content
    assert reserved.json()["number"] == 1
    assert reserved.json()["status"] == "reserved"
    pk = reserved.json()["id"]

    confirmed = _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "active"
    assert QuotaObligation.objects.get(quota_version_id=pk).amount == 1000
    listed = client.get(URL, {"group": group.pk})
    assert [v["id"] for v in listed.json()["results"]] == [pk]


def test_reserving_a_taken_quota_is_a_409_problem_and_changes_nothing(world):
    client, group, member = world
    first = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk, "number": 3})
    assert first.status_code == 201
    again = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk, "number": 3})
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    assert again.json()["code"] == "quota_not_available"
    assert QuotaVersion.objects.filter(quota__group=group).count() == 1


def test_confirming_an_expired_reservation_is_refused_and_nothing_changes(world):
    client, group, member = world
    pk = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk}).json()["id"]
    QuotaVersion.objects.filter(pk=pk).update(
        reserved_until=timezone.now() - dt.timedelta(seconds=1)
    )
    refused = _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})
    assert refused.status_code == 409
    assert refused.json()["code"] == "quota_reservation_expired"
    assert QuotaVersion.objects.get(pk=pk).sold_at is None
    assert not QuotaObligation.objects.exists()


def test_cancelling_a_reservation_frees_the_quota(world):
    client, group, member = world
    pk = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk}).json()["id"]
    cancelled = _post(client, f"{URL}{pk}/cancel/")
    assert cancelled.status_code == 204
    assert Quota.objects.get(group=group, number=1).current_version_id is None


def test_an_auditor_may_read_but_not_reserve(world):
    _, group, member = world
    auditor, _ = _client(Role.AUDITOR)
    assert auditor.get(URL).status_code == 200
    refused = _post(auditor, f"{URL}reserve/", {"group": group.pk, "member": member.pk})
    assert refused.status_code == 403
    assert not QuotaVersion.objects.exists()


def test_a_sale_is_transferred_to_another_member_through_the_api(world):
    client, group, member = world
    pk = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk}).json()["id"]
    _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})
    buyer = register(name="Comprador")
    moved = _post(client, f"{URL}{pk}/transfer/", {"to_member": buyer.pk})
    assert moved.status_code == 201, moved.content
    assert (moved.json()["version"], moved.json()["member"]) == (2, buyer.pk)
    assert QuotaVersion.objects.get(pk=pk).status == "transferred"
    again = _post(client, f"{URL}{pk}/transfer/", {"to_member": member.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "quota_invalid_transition"
    assert QuotaVersion.objects.filter(quota__group=group).count() == 2


def test_a_sale_cancelled_in_the_cooling_off_through_the_api_frees_the_quota(world):
    client, group, member = world
    pk = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk}).json()["id"]
    _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})
    missing_reason = _post(client, f"{URL}{pk}/cancel/")
    assert missing_reason.status_code == 400
    assert QuotaVersion.objects.get(pk=pk).status == "active"
    cancelled = _post(client, f"{URL}{pk}/cancel/", {"reason": "Desistência"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
