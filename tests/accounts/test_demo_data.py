import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from apps.accounts.models import SalesChannel, SalesRepresentative, User
from apps.accounts.selectors.authorization import user_roles

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_demo_admin_can_sign_in_and_reloading_the_demo_creates_no_second_user():
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")

    assert User.objects.filter(username="demo").count() == 1
    user = authenticate(RequestFactory().post("/"), username="demo", password="s3nha-demo")
    assert user is not None
    assert user.is_superuser
    assert user.is_staff


def test_the_demo_has_a_user_per_role_two_channels_and_a_partner_representative():
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")

    roles_by_user = {
        username: {str(role) for role in user_roles(User.objects.get(username=username))}
        for username in ("operacoes", "vendas", "financeiro", "credito", "auditoria")
    }
    assert roles_by_user == {
        "operacoes": {"operations"},
        "vendas": {"sales"},
        "financeiro": {"finance"},
        "credito": {"credit"},
        "auditoria": {"auditor"},
    }
    assert SalesChannel.objects.filter(code__in=["matriz", "parceiro-demo"]).count() == 2
    representative = SalesRepresentative.objects.get(user__username="vendas")
    assert representative.channel.code == "parceiro-demo"
    assert authenticate(RequestFactory().post("/"), username="auditoria", password="s3nha-demo")


def test_the_custom_user_model_is_the_one_django_uses():
    from django.contrib.auth import get_user_model

    assert get_user_model() is User
