"""Two sales channels' API clients: each sees only its own channel's records (404 for others)."""

from __future__ import annotations

import pytest

from apps.accounts.models import SalesChannel, SalesRepresentative
from apps.accounts.roles import Role
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory
from tests.api.conftest import CHANNELS_URL, bearer, new_client, obtain_client_tokens

pytestmark = pytest.mark.django_db

REPRESENTATIVES_URL = "/api/v1/sales-representatives/"


@pytest.fixture
def two_channels(make_api_client):
    """Channels A and B, a representative in each, and a sales API client bound to each."""
    channel_a, channel_b = SalesChannelFactory(name="Canal A"), SalesChannelFactory(name="Canal B")
    rep_a = SalesRepresentativeFactory(channel=channel_a)
    rep_b = SalesRepresentativeFactory(channel=channel_b)
    callers = {}
    for label, channel in (("a", channel_a), ("b", channel_b)):
        client, secret = make_api_client(role=Role.SALES, channel=channel)
        callers[label] = bearer(obtain_client_tokens(new_client(), client, secret).json()["access"])
    return channel_a, channel_b, rep_a, rep_b, callers


def _ids(response) -> list[int]:
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_each_channels_client_lists_only_its_own_channel(two_channels):
    channel_a, channel_b, _rep_a, _rep_b, callers = two_channels

    assert _ids(callers["a"].get(CHANNELS_URL)) == [channel_a.pk]
    assert _ids(callers["b"].get(CHANNELS_URL)) == [channel_b.pk]


def test_a_channels_client_gets_404_for_the_other_channel(two_channels):
    channel_a, channel_b, _rep_a, _rep_b, callers = two_channels

    assert callers["a"].get(f"{CHANNELS_URL}{channel_a.pk}/").status_code == 200
    response = callers["a"].get(f"{CHANNELS_URL}{channel_b.pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_channels_client_sees_only_its_channels_representatives(two_channels):
    _channel_a, _channel_b, rep_a, rep_b, callers = two_channels

    assert _ids(callers["a"].get(REPRESENTATIVES_URL)) == [rep_a.pk]
    assert callers["a"].get(f"{REPRESENTATIVES_URL}{rep_b.pk}/").status_code == 404
    assert _ids(callers["b"].get(REPRESENTATIVES_URL)) == [rep_b.pk]


def test_filtering_cannot_reach_past_the_scope(two_channels):
    _channel_a, channel_b, _rep_a, _rep_b, callers = two_channels

    response = callers["a"].get(REPRESENTATIVES_URL, {"channel": channel_b.pk})

    assert _ids(response) == []


def test_a_sales_client_cannot_change_even_its_own_channel(two_channels):
    channel_a, _channel_b, _rep_a, _rep_b, callers = two_channels

    response = callers["a"].patch(f"{CHANNELS_URL}{channel_a.pk}/", {"name": "Tomado"})

    assert response.status_code == 403
    channel_a.refresh_from_db()
    assert channel_a.name == "Canal A"


def test_an_admin_sees_both_channels_and_edits_one(two_channels, as_staff):
    channel_a, channel_b, _rep_a, _rep_b, _callers = two_channels
    admin = as_staff(Role.ADMIN)

    listed = set(_ids(admin.get(CHANNELS_URL, {"page_size": 500})))
    response = admin.patch(f"{CHANNELS_URL}{channel_b.pk}/", {"name": "Canal B2"})

    assert {channel_a.pk, channel_b.pk} <= listed
    assert response.status_code == 200
    channel_b.refresh_from_db()
    assert channel_b.name == "Canal B2"


def test_an_admin_registers_a_channel_and_a_replay_with_the_same_key_creates_nothing(as_staff):
    admin = as_staff(Role.ADMIN)
    payload = {"code": "parceiro-novo", "name": "Parceiro novo", "kind": "partner"}

    first = admin.post(CHANNELS_URL, payload, HTTP_IDEMPOTENCY_KEY="canal-1")
    replay = admin.post(CHANNELS_URL, payload, HTTP_IDEMPOTENCY_KEY="canal-1")

    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert SalesChannel.objects.filter(code="parceiro-novo").count() == 1


def test_a_duplicate_channel_code_answers_409(as_staff):
    SalesChannelFactory(code="repetido")
    admin = as_staff(Role.ADMIN)

    response = admin.post(CHANNELS_URL, {"code": "repetido", "name": "Outro"})

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_channel_code"
    assert SalesChannel.objects.filter(code="repetido").count() == 1


def test_an_admin_makes_a_staff_user_a_representative(as_staff, staff):
    channel = SalesChannelFactory()
    seller = staff(Role.SALES)
    admin = as_staff(Role.ADMIN)

    response = admin.post(REPRESENTATIVES_URL, {"user": seller.pk, "channel": channel.pk})

    assert response.status_code == 201
    assert SalesRepresentative.objects.get(user=seller).channel == channel
