"""The "Canais de vendas" and "Representantes" pages: scoped lists, create and edit."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from apps.accounts.models import SalesChannel, SalesRepresentative
from apps.accounts.roles import Role
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def north_and_south(db):
    north = SalesChannelFactory(name="Parceiro Norte", code="norte")
    south = SalesChannelFactory(name="Parceiro Sul", code="sul")
    own = SalesRepresentativeFactory(
        channel=north, user=UserFactory(full_name="Olga Norte", roles=[Role.SALES])
    )
    SalesRepresentativeFactory(channel=north, user=UserFactory(full_name="Paulo Norte"))
    SalesRepresentativeFactory(channel=south, user=UserFactory(full_name="Rita Sul"))
    return {"north": north, "south": south, "own": own}


def test_the_admin_sees_every_channel_and_representative(north_and_south, admin_user, signed_in):
    client = signed_in(admin_user)

    channels = client.get(reverse("accounts:channel_list")).content.decode()
    reps = client.get(reverse("accounts:representative_list")).content.decode()

    assert "Parceiro Norte" in channels
    assert "Parceiro Sul" in channels
    assert all(name in reps for name in ("Olga Norte", "Paulo Norte", "Rita Sul"))
    assert "Novo canal" in channels


@pytest.mark.embedded
def test_a_representative_sees_only_its_channel_and_itself(north_and_south, signed_in):
    client = signed_in(north_and_south["own"].user)

    channels = client.get(reverse("accounts:channel_list")).content.decode()
    reps = client.get(reverse("accounts:representative_list")).content.decode()

    assert "Parceiro Norte" in channels
    assert "Parceiro Sul" not in channels
    assert "Novo canal" not in channels
    assert "Olga Norte" in reps
    assert "Paulo Norte" not in reps
    assert "Rita Sul" not in reps


def test_the_live_search_answers_only_the_results_fragment(north_and_south, admin_user, signed_in):
    client = signed_in(admin_user)

    response = client.get(
        reverse("accounts:channel_list"),
        {"q": "sul"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="channels-results",
    )

    content = response.content.decode()
    assert "Parceiro Sul" in content
    assert "Parceiro Norte" not in content
    assert "<html" not in content


def test_the_admin_creates_and_edits_a_channel(admin_user, signed_in):
    client = signed_in(admin_user)

    created = client.post(
        reverse("accounts:channel_create"),
        {"code": "loja-centro", "name": "Loja Centro", "kind": "branch", "is_active": "on"},
    )
    channel = SalesChannel.objects.get(code="loja-centro")
    edited = client.post(
        reverse("accounts:channel_edit", args=[channel.pk]),
        {"code": "outro-codigo", "name": "Loja do Centro", "kind": "branch"},
    )

    assert created.status_code == 302
    assert edited.status_code == 302
    channel.refresh_from_db()
    assert (channel.code, channel.name, channel.is_active) == (
        "loja-centro",
        "Loja do Centro",
        False,
    )


def test_a_duplicate_channel_code_is_refused_next_to_the_field(
    north_and_south, admin_user, signed_in
):
    client = signed_in(admin_user)

    response = client.post(
        reverse("accounts:channel_create"),
        {"code": "norte", "name": "Outro Norte", "kind": "partner", "is_active": "on"},
    )

    assert response.status_code == 200
    assert 'data-testid="field-errors-code"' in response.content.decode()
    assert SalesChannel.objects.filter(code="norte").count() == 1


def test_a_representative_cannot_create_or_edit_channels(north_and_south, signed_in):
    client = signed_in(north_and_south["own"].user)
    north = north_and_south["north"]

    created = client.post(
        reverse("accounts:channel_create"), {"code": "x", "name": "X", "kind": "branch"}
    )
    edited = client.post(
        reverse("accounts:channel_edit", args=[north.pk]),
        {"name": "Tomado", "kind": "branch", "is_active": "on"},
    )
    hidden = client.get(reverse("accounts:channel_edit", args=[north_and_south["south"].pk]))

    assert (created.status_code, edited.status_code, hidden.status_code) == (403, 403, 404)
    assert not SalesChannel.objects.filter(code="x").exists()
    north.refresh_from_db()
    assert north.name == "Parceiro Norte"


def test_the_admin_makes_a_staff_user_a_representative_and_moves_it(
    north_and_south, admin_user, signed_in
):
    client = signed_in(admin_user)
    newcomer = UserFactory(full_name="Tiago Novo")

    created = client.post(
        reverse("accounts:representative_create"),
        {"user": newcomer.pk, "channel": north_and_south["north"].pk, "is_active": "on"},
    )
    rep = SalesRepresentative.objects.get(user=newcomer)
    moved = client.post(
        reverse("accounts:representative_edit", args=[rep.pk]),
        {"channel": north_and_south["south"].pk, "is_active": "on"},
    )

    assert (created.status_code, moved.status_code) == (302, 302)
    rep.refresh_from_db()
    assert rep.channel == north_and_south["south"]
    assert rep.user == newcomer


def test_a_user_already_selling_for_a_channel_is_not_offered_again(
    north_and_south, admin_user, signed_in
):
    client = signed_in(admin_user)
    seller = north_and_south["own"].user

    response = client.post(
        reverse("accounts:representative_create"),
        {"user": seller.pk, "channel": north_and_south["south"].pk, "is_active": "on"},
    )

    assert response.status_code == 200
    assert 'data-testid="field-errors-user"' in response.content.decode()
    assert SalesRepresentative.objects.get(user=seller).channel == north_and_south["north"]


def test_changes_made_on_the_pages_are_in_the_audit_trail_with_their_author(admin_user, signed_in):
    client = signed_in(admin_user)

    client.post(
        reverse("accounts:channel_create"),
        {"code": "loja-sul", "name": "Loja Sul", "kind": "branch", "is_active": "on"},
    )

    channel = SalesChannel.objects.get(code="loja-sul")
    entry = LogEntry.objects.get_for_object(channel).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin_user


def test_the_auditor_reads_the_audit_trail_in_the_admin(admin_user, signed_in):
    SalesChannelFactory(name="Auditável")
    auditor = signed_in(UserFactory(roles=[Role.AUDITOR], is_staff=True))

    response = auditor.get(reverse("admin:auditlog_logentry_changelist"))

    assert response.status_code == 200
    assert "Auditável" in response.content.decode()
