"""The nightly flush deletes only refresh tokens that can no longer be presented."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import TokenFamily
from apps.accounts.services import tokens
from apps.accounts.tasks import flush_expired_tokens
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_flush_deletes_expired_tokens_with_their_blacklist_entries_and_keeps_live_ones():
    user = UserFactory()
    live = tokens.issue_token_pair(user=user)
    expired = OutstandingToken.objects.create(
        user=user,
        jti="expired-jti",
        token="x",
        created_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=2),
    )
    BlacklistedToken.objects.create(token=expired)

    result = flush_expired_tokens()

    assert result["deleted_rows"] == 2  # the token and its blacklist entry
    assert not OutstandingToken.objects.filter(jti="expired-jti").exists()
    assert tokens.rotate_refresh_token(raw_refresh=live.refresh).access


def test_flush_keeps_a_revoked_family_while_its_tokens_could_still_be_presented(settings):
    user = UserFactory()
    recent = TokenFamily.objects.create(user=user, revoked_at=timezone.now(), revoked_reason="x")
    old = TokenFamily.objects.create(
        user=user, revoked_at=timezone.now() - timedelta(days=30), revoked_reason="x"
    )

    flushed = tokens.flush_expired_tokens()

    assert flushed.deleted_families == 1
    assert TokenFamily.objects.filter(pk=recent.pk).exists()
    assert not TokenFamily.objects.filter(pk=old.pk).exists()


def test_the_flush_runs_every_night_from_a_schedule_editable_in_the_admin():
    task = PeriodicTask.objects.get(name="accounts.flush_expired_tokens")

    assert task.enabled
    assert task.task == "apps.accounts.tasks.flush_expired_tokens"
    assert (task.crontab.hour, task.crontab.minute) == ("3", "30")
