"""The admin decides like pages and API: scoped change lists and `can` per object."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.models import SalesChannel
from apps.accounts.roles import Role
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps(db):
    north, south = SalesChannelFactory(name="Norte"), SalesChannelFactory(name="Sul")
    return {
        "own": SalesRepresentativeFactory(
            channel=north,
            user=UserFactory(full_name="Olga Norte", roles=[Role.SALES], is_staff=True),
        ),
        "colleague": SalesRepresentativeFactory(
            channel=north, user=UserFactory(full_name="Paulo Norte")
        ),
        "other": SalesRepresentativeFactory(channel=south, user=UserFactory(full_name="Rita Sul")),
    }


def _changelist(model: str) -> str:
    return reverse(f"admin:accounts_{model}_changelist")


def _change(model: str, pk: int) -> str:
    return reverse(f"admin:accounts_{model}_change", args=[pk])


def test_a_representative_sees_only_itself_in_the_admin(reps, signed_in):
    client = signed_in(reps["own"].user)

    content = client.get(_changelist("salesrepresentative")).content.decode()
    channels = client.get(_changelist("saleschannel")).content.decode()

    assert "Olga Norte" in content
    assert "Paulo Norte" not in content
    assert "Rita Sul" not in content
    assert "Norte" in channels
    assert "Sul" not in channels


def test_a_representative_cannot_open_another_representative_in_the_admin(reps, signed_in):
    client = signed_in(reps["own"].user)

    response = client.get(_change("salesrepresentative", reps["other"].pk))

    # Outside the scope the admin behaves as if the object did not exist.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_auditor_views_records_in_the_admin_but_cannot_save_changes(reps, signed_in):
    auditor = UserFactory(roles=[Role.AUDITOR], is_staff=True)
    client = signed_in(auditor)
    channel = reps["other"].channel

    page = client.get(_change("saleschannel", channel.pk))
    refused = client.post(
        _change("saleschannel", channel.pk),
        {"code": channel.code, "name": "Renomeado", "kind": channel.kind, "is_active": "on"},
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert refused.status_code == 403
    channel.refresh_from_db()
    assert channel.name == "Sul"


def test_the_admin_role_creates_a_channel_in_the_admin(signed_in):
    client = signed_in(UserFactory(roles=[Role.ADMIN], is_staff=True))

    response = client.post(
        reverse("admin:accounts_saleschannel_add"),
        {"code": "loja-centro", "name": "Loja Centro", "kind": "branch", "is_active": "on"},
    )

    assert response.status_code == 302
    assert SalesChannel.objects.filter(code="loja-centro").exists()


def test_the_users_admin_shows_kind_and_roles(signed_in):
    UserFactory(username="sergio", roles=[Role.FINANCE, Role.CREDIT])
    client = signed_in(UserFactory(roles=[Role.ADMIN], is_staff=True))

    content = client.get(reverse("admin:accounts_user_changelist")).content.decode()

    assert "credit, finance" in content  # the admin lists group names
    assert "colaborador" in content
