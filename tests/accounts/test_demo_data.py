import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from apps.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_demo_admin_can_sign_in_and_reloading_the_demo_creates_no_second_user():
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")
    call_command("seed_demo", "--username", "demo", "--password", "s3nha-demo")

    assert User.objects.filter(username="demo").count() == 1
    user = authenticate(RequestFactory().post("/"), username="demo", password="s3nha-demo")
    assert user is not None
    assert user.is_superuser
    assert user.is_staff


def test_the_custom_user_model_is_the_one_django_uses():
    from django.contrib.auth import get_user_model

    assert get_user_model() is User
