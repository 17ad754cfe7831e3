"""``/api/v1/assemblies/`` and ``/api/v1/bids/``: an integrator places a sealed bid with an
Idempotency-Key and reads back its own receipt; after the close the bid is refused with
``bidding_closed``; results answer only once published, by quota number."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import api_clients, roles, tokens
from apps.draws.models import Bid
from apps.draws.services import assemblies, minutes, results
from apps.groups.models import QuotaVersion
from consorcio.idempotency import REPLAYED_HEADER
from tests.accounts.factories import SalesChannelFactory, UserFactory
from tests.draws.interface_support import PRIZES, prizes_day, upcoming_assembly

pytestmark = pytest.mark.django_db

BIDS = "/api/v1/bids/"


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token_pair(user=user).access}")
    return client


def _staff(role: Role):
    return roles.assign_roles(user=UserFactory(), roles=[role])


@pytest.fixture
def operator():
    return _staff(Role.OPERATIONS)


@pytest.fixture
def assembly(operator):
    return assemblies.open_bidding(assembly=upcoming_assembly(operator))


@pytest.fixture
def integrator(assembly):
    """A sales channel's API client; quota 7 was sold through its channel."""
    channel = SalesChannelFactory()
    client, _secret = api_clients.create_api_client(
        name="Parceiro", role=Role.SALES, channel=channel, created_by=None
    )
    QuotaVersion.objects.filter(quota__group=assembly.group, quota__number=7).update(
        sales_channel=channel
    )
    return client.user


def _bid(client: APIClient, assembly, key: str, **body):
    data = {"assembly": assembly.pk, "quota": 7, "kind": "free", "fraction": "0.45", **body}
    return client.post(BIDS, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_an_integrator_places_a_bid_and_reads_back_its_receipt(assembly, integrator):
    client = _api(integrator)

    placed = _bid(client, assembly, "lance-7-a")
    replay = _bid(client, assembly, "lance-7-a")
    mine = client.get(f"{BIDS}{placed.json()['id']}/")

    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["quota"], body["kind"], body["fraction"]) == (7, "free", "0.4500000000")
    bid = Bid.objects.get()
    assert body["receipt"] == bid.receipt
    assert len(bid.receipt) == 64
    assert replay.status_code == 201
    assert replay[REPLAYED_HEADER] == "true"
    assert replay.json() == body
    assert mine.status_code == 200
    assert mine.json()["receipt"] == bid.receipt


def test_nobody_else_reads_a_bid_not_even_an_auditor(assembly, integrator):
    placed = _bid(_api(integrator), assembly, "lance-7-b").json()

    for other in (_staff(Role.AUDITOR), _staff(Role.OPERATIONS)):
        response = _api(other).get(f"{BIDS}{placed['id']}/")
        assert response.status_code == 404
        assert placed["receipt"] not in response.content.decode()


def test_a_quota_outside_the_integrators_channel_is_not_found_and_nothing_is_placed(
    assembly, integrator
):
    response = _bid(_api(integrator), assembly, "lance-3", quota=3)

    assert response.status_code == 404
    assert response.json()["code"] == "quota_not_found"
    assert not Bid.objects.exists()


def test_a_bid_after_the_close_is_refused_with_bidding_closed(assembly, integrator):
    assemblies.close_bidding(assembly=assembly)

    response = _bid(_api(integrator), assembly, "lance-tarde")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "bidding_closed"
    assert not Bid.objects.exists()


def test_a_bid_without_idempotency_key_is_refused(assembly, integrator):
    response = _api(integrator).post(
        BIDS,
        {"assembly": assembly.pk, "quota": 7, "kind": "free", "fraction": "0.3"},
        format="json",
    )

    assert response.status_code == 400
    assert not Bid.objects.exists()


def test_assemblies_list_by_group_and_hide_the_seed(assembly, integrator):
    client = _api(integrator)

    listed = client.get("/api/v1/assemblies/", {"group": assembly.group_id})
    one = client.get(f"/api/v1/assemblies/{assembly.pk}/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [assembly.pk]
    assert one.json()["state"] == "bidding_open"
    assert one.json()["revealed_seed"] is None


def test_results_answer_only_once_published_and_by_quota_number(assembly, operator, integrator):
    client = _api(integrator)
    _bid(client, assembly, "lance-res")
    closed = assemblies.close_bidding(assembly=assembly)
    assemblies.record_extraction(
        assembly=closed, concurso=5000, drawn_on=prizes_day(), prizes=list(PRIZES), actor=operator
    )
    results.compute_results(assembly=closed, actor=operator)

    early = client.get(f"/api/v1/assemblies/{assembly.pk}/results/")
    minutes.publish_with_minutes(assembly=closed, actor=operator)
    published = client.get(f"/api/v1/assemblies/{assembly.pk}/results/")

    assert early.status_code == 409
    assert early.json()["code"] == "results_not_published"
    assert published.status_code == 200, published.content
    body = published.json()
    assert body["key"] == 2  # 48602 mod 12
    assert next((a["kind"], a["quota"]) for a in body["awards"]) == ("draw", 3)
    assert body["ranking"][0]["quota"] == 7
    assert body["ranking"][0]["receipt"] == Bid.objects.get().receipt
    assert "Consorciado" not in published.content.decode()  # no member names (LGPD)
