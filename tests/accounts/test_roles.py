"""The roles migration: one group per role with its permission set; giving users roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.roles import ROLE_LABELS, Role
from apps.accounts.services import roles
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.embedded
def test_every_role_is_a_group_created_by_the_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
    assert ROLE_LABELS[Role.FINANCE] == "Financeiro"
    assert Role.AUDITOR.label == "Auditor"


def test_the_admin_role_manages_users_channels_representatives_and_api_clients():
    perms = _perms(Role.ADMIN)

    assert {
        "accounts.add_user",
        "accounts.change_user",
        "accounts.add_saleschannel",
        "accounts.change_saleschannel",
        "accounts.add_salesrepresentative",
        "accounts.change_salesrepresentative",
        "accounts.add_apiclient",
        "accounts.change_apiclient",
        "auditlog.view_logentry",
    } <= perms
    assert "accounts.delete_user" not in perms  # users are deactivated, never deleted


def test_the_auditor_reads_everything_including_audit_data_and_changes_nothing():
    perms = _perms(Role.AUDITOR)
    accounts_models = ["user", "saleschannel", "salesrepresentative", "apiclient", "tokenfamily"]

    assert {f"accounts.view_{model}" for model in accounts_models} <= perms
    assert {"auditlog.view_logentry", "axes.view_accessattempt", "consorcio.view_job"} <= perms
    assert all(perm.split(".")[1].startswith("view_") for perm in perms)
    assert not any(
        perm.startswith(("otp_totp.", "otp_static.", "token_blacklist.")) for perm in perms
    )


def test_sales_operations_finance_and_credit_only_read_what_exists_so_far():
    for role in (Role.SALES, Role.OPERATIONS, Role.FINANCE, Role.CREDIT):
        perms = _perms(role)
        assert "accounts.view_saleschannel" in perms, role
        # Business contexts grant their own write permissions in later migrations (0005+).
        platform = {perm for perm in perms if perm.startswith(("accounts.", "consorcio."))}
        assert all(perm.split(".")[1].startswith("view_") for perm in platform), role


def test_grant_adds_permissions_to_a_role_and_revoke_takes_them_back():
    before = _perms(Role.SALES)

    added = roles.grant(Role.SALES, ["accounts.add_salesrepresentative"])
    granted = _perms(Role.SALES)
    removed = roles.revoke(Role.SALES, ["accounts.add_salesrepresentative"])

    assert (added, removed) == (1, 1)
    assert granted == before | {"accounts.add_salesrepresentative"}
    assert _perms(Role.SALES) == before


def test_granting_a_permission_that_does_not_exist_fails_loudly_and_grants_nothing():
    before = _perms(Role.SALES)

    with pytest.raises(LookupError, match=r"accounts\.fly_user"):
        roles.grant(Role.SALES, ["accounts.view_user", "accounts.fly_user"])

    assert _perms(Role.SALES) == before


def test_a_user_with_a_role_holds_exactly_its_permissions():
    user = UserFactory(roles=[Role.OPERATIONS])

    assert user.has_perm("accounts.view_user")
    assert not user.has_perm("accounts.change_user")
    assert Permission.objects.filter(group__name=Role.OPERATIONS.value).exists()


def test_the_admin_gives_roles_on_the_user_page(admin_user, signed_in):
    target = UserFactory(roles=[Role.SALES])
    client = signed_in(admin_user)

    response = client.post(
        reverse("accounts:user_detail", args=[target.pk]),
        {"roles": [Role.FINANCE.value, Role.CREDIT.value]},
    )

    assert response.status_code == 302
    assert set(target.groups.values_list("name", flat=True)) == {"finance", "credit"}
    target.refresh_from_db()
    assert target.is_staff  # may open the admin, which shows what the roles allow


def test_removing_every_role_closes_the_admin_to_the_user(admin_user, signed_in):
    target = UserFactory(roles=[Role.SALES], is_staff=True)
    client = signed_in(admin_user)

    client.post(reverse("accounts:user_detail", args=[target.pk]), {})

    target.refresh_from_db()
    assert not target.groups.exists()
    assert not target.is_staff


def test_an_auditor_sees_a_users_roles_but_cannot_change_them(signed_in):
    target = UserFactory(roles=[Role.SALES])
    client = signed_in(UserFactory(roles=[Role.AUDITOR]))

    page = client.get(reverse("accounts:user_detail", args=[target.pk]))
    refused = client.post(
        reverse("accounts:user_detail", args=[target.pk]), {"roles": [Role.ADMIN.value]}
    )

    assert page.status_code == 200
    assert refused.status_code == 403
    assert list(target.groups.values_list("name", flat=True)) == ["sales"]


def test_the_users_list_searches_by_name(admin_user, signed_in):
    UserFactory(username="joana", full_name="Joana Prado")
    UserFactory(username="kleber", full_name="Kleber Souza")
    client = signed_in(admin_user)

    content = client.get(reverse("accounts:user_list"), {"q": "prado"}).content.decode()

    assert "Joana Prado" in content
    assert "Kleber Souza" not in content


def test_the_users_list_is_refused_to_roles_without_access_to_users(signed_in):
    client = signed_in(UserFactory(roles=[Role.SALES]))

    assert client.get(reverse("accounts:user_list")).status_code == 403


def test_the_users_list_shows_roles_by_their_portuguese_names(admin_user, signed_in):
    UserFactory(username="joana", roles=[Role.FINANCE])
    client = signed_in(admin_user)

    content = client.get(reverse("accounts:user_list"), {"q": "joana"}).content.decode()

    assert '<span class="badge">Financeiro</span>' in content
