"""``/api/v1/payments/``: apply a settlement (Idempotency-Key), list with filters, problems."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.contrib.auth.models import Group, Permission
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.finance.models import Charge, LedgerTransaction, Payment
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from consorcio.idempotency import REPLAYED_HEADER
from tests.accounts.factories import PASSWORD, UserFactory
from tests.finance.billing_support import billing_group
from tests.finance.test_payments import make_charge
from tests.ui.support import ensure_roles

URL = "/api/v1/payments/"
TOKEN_URL = "/api/v1/auth/token/"


def grant_payment_permissions() -> None:
    """What the finance role will hold once the lead's grant migration lands."""
    ensure_roles()
    perms = Permission.objects.filter(
        content_type__app_label="finance", codename__in=["add_payment", "view_payment"]
    )
    Group.objects.get(name=Role.FINANCE.value).permissions.add(*perms)


def token_for(user) -> str:
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def body(target, **overrides: Any) -> dict[str, Any]:
    return {
        "charge": target.pk,
        "settlement_id": "PSP-0001",
        "source": "pix",
        "amount": "1199.25",
        "paid_on": "2026-03-25",
        "fine_interest": "29.25",
        **overrides,
    }


@pytest.fixture
def finance_api(db) -> APIClient:
    grant_payment_permissions()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(UserFactory(roles=[Role.FINANCE]))}")
    return client


@pytest.fixture
def charge(db, finance_user):
    return make_charge(billing_group(finance_user))


def post(client: APIClient, data: dict[str, Any], key: str | None = None) -> Any:
    return client.post(
        URL, data, format="json", headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


@pytest.mark.django_db
class TestApplyingAPayment:
    def test_a_late_pix_payment_is_applied_with_its_late_charges(self, finance_api, charge):
        response = post(finance_api, body(charge))

        assert response.status_code == 201, response.content
        data = response.json()
        assert data["amount"] == "1199.25"
        assert (data["late_days"], data["late_fine"], data["late_interest"]) == (
            15,
            "23.40",
            "5.85",
        )
        assert (data["alloc_late_group"], data["alloc_late_admin"]) == ("14.63", "14.62")
        assert data["source"] == "pix"
        assert data["credited_on"] == "2026-03-25"
        assert Charge.objects.get(pk=charge.pk).status == "paid"
        assert find_ledger_violations(group_id=charge.group_id) == []

    def test_the_same_settlement_under_a_new_key_answers_200_with_the_first_payment(
        self, finance_api, charge
    ):
        first = post(finance_api, body(charge))
        again = post(finance_api, body(charge))

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert Payment.objects.count() == 1

    def test_a_settlement_id_reused_with_other_data_answers_409(self, finance_api, charge):
        post(finance_api, body(charge))

        response = post(finance_api, body(charge, amount="1190.00"))

        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "settlement_id_conflict"
        assert Payment.objects.count() == 1

    def test_refusals_are_problems_with_stable_codes_and_change_nothing(self, finance_api, charge):
        Charge.objects.filter(pk=charge.pk).update(status="cancelled")
        cases = [
            (body(charge, charge=999_999), 404, "charge_not_found"),
            (body(charge), 409, "charge_cancelled"),
            (body(charge, amount="0.00"), 400, "validation_error"),
            (body(charge, paid_on="2999-01-01"), 422, "payment_date_invalid"),
        ]
        for data, status, code in cases:
            response = post(finance_api, data)
            assert response.status_code == status, response.content
            assert response.json()["code"] == code
        assert Payment.objects.count() == 0
        assert LedgerTransaction.objects.count() == 0

    def test_the_idempotency_key_is_required(self, finance_api, charge):
        response = finance_api.post(URL, body(charge), format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "idempotency_key_required"
        assert Payment.objects.count() == 0

    def test_a_role_without_the_permission_is_refused(self, db, charge):
        grant_payment_permissions()
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token_for(UserFactory(roles=[Role.SALES]))}"
        )

        assert post(client, body(charge)).status_code == 403
        assert client.get(URL).status_code == 403
        assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_the_list_pages_by_cursor_and_filters(finance_api, finance_user):
    group = billing_group(finance_user)
    charges = [make_charge(group, n) for n in (1, 2, 3)]
    for n, charge in enumerate(charges):
        post(finance_api, body(charge, settlement_id=f"S{n}", source="api", amount="1170.00"))

    page = finance_api.get(URL, {"page_size": 2}).json()
    rest = finance_api.get(page["next"]).json()
    one = finance_api.get(URL, {"charge": charges[1].pk}).json()
    bad = finance_api.get(URL, {"paid_from": "25/03/2026"})

    assert [p["settlement_id"] for p in page["results"]] == ["S2", "S1"]
    assert [p["settlement_id"] for p in rest["results"]] == ["S0"]
    assert [p["settlement_id"] for p in one["results"]] == ["S1"]
    assert finance_api.get(URL, {"source": "manual"}).json()["results"] == []
    assert bad.status_code == 400


class _WideServer(ThreadedWSGIServer):
    # Django's live server listens with a backlog of 10: fifty simultaneous clients would be
    # reset by the kernel before reaching the application.
    request_queue_size = 128


class _WideServerThread(LiveServerThread):
    server_class = _WideServer


@pytest.fixture
def wide_live_server() -> Iterator[str]:
    """A live server (real HTTP, one thread per request) that accepts 50 clients at once."""
    thread = _WideServerThread("localhost", _StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://{thread.host}:{thread.port}"
    finally:
        thread.terminate()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_with_one_idempotency_key_apply_exactly_once(
    wide_live_server, finance_user
):
    grant_payment_permissions()
    charge = make_charge(billing_group(finance_user))
    user = UserFactory(roles=[Role.FINANCE])
    headers = {"Authorization": f"Bearer {token_for(user)}", "Idempotency-Key": "one-key"}
    clients = 50
    start = threading.Barrier(clients)

    def racer(_: int) -> requests.Response:
        start.wait(timeout=30)
        return requests.post(
            f"{wide_live_server}{URL}", json=body(charge), headers=headers, timeout=60
        )

    with ThreadPoolExecutor(max_workers=clients) as pool:
        responses = list(pool.map(racer, range(clients)))

    executed = [r for r in responses if r.status_code == 201 and REPLAYED_HEADER not in r.headers]
    replayed = [r for r in responses if r.headers.get(REPLAYED_HEADER) == "true"]
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(executed) == 1
    assert len(executed) + len(replayed) + len(in_progress) == clients
    assert all(r.json()["code"] == "idempotency_request_in_progress" for r in in_progress)
    assert all(r.json() == executed[0].json() for r in replayed)
    assert Payment.objects.count() == 1
    assert LedgerTransaction.objects.filter(group_id=charge.group_id).count() == 1
    assert find_ledger_violations(group_id=charge.group_id) == []
