"""The beat sweeper frees quotas whose reservation ran out and leaves the rest alone."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.groups.models import Quota, QuotaStatus, QuotaVersion
from apps.groups.services import sales
from apps.groups.tasks import expire_reservations
from tests.members.factories import register


@pytest.fixture
def member(db, staff_user):
    return register(actor=staff_user)


def _reserve(group, staff_user, member, number, *, expired):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member, number=number)
    if expired:
        QuotaVersion.objects.filter(pk=version.pk).update(
            reserved_until=timezone.now() - dt.timedelta(minutes=1)
        )
    return version


def test_the_sweeper_frees_expired_reservations_and_keeps_live_ones_and_sales(
    group, staff_user, member
):
    expired = _reserve(group, staff_user, member, 1, expired=True)
    live = _reserve(group, staff_user, member, 2, expired=False)
    sold = _reserve(group, staff_user, member, 3, expired=False)
    sales.confirm_sale(actor=staff_user, reservation=sold, contract_accepted=True)

    result = expire_reservations.apply().get()

    assert result == {"freed": 1}
    assert Quota.objects.get(group=group, number=1).current_version_id is None
    assert not QuotaVersion.objects.filter(pk=expired.pk).exists()
    assert QuotaVersion.objects.get(pk=live.pk).status == QuotaStatus.RESERVED
    assert QuotaVersion.objects.get(pk=sold.pk).status == QuotaStatus.ACTIVE


def test_the_command_reports_how_many_reservations_it_freed(group, staff_user, member):
    _reserve(group, staff_user, member, 1, expired=True)
    _reserve(group, staff_user, member, 2, expired=True)
    out = StringIO()
    call_command("expire_reservations", stdout=out)
    assert "Reservas expiradas liberadas: 2." in out.getvalue()
    assert not QuotaVersion.objects.filter(quota__group=group).exists()


def test_beat_runs_the_sweeper_every_minute(db):
    task = PeriodicTask.objects.get(name="groups.expire_reservations")
    assert task.enabled
    assert task.task == "apps.groups.tasks.expire_reservations"
    assert (task.interval.every, task.interval.period) == (1, "minutes")
