"""Two sellers racing for the same quota: exactly one wins (Redis lock + database guarantee)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.groups.models import Quota, QuotaStatus, QuotaVersion
from apps.groups.services import quotas, sales
from apps.groups.services.quota_errors import QuotaNotAvailable
from tests.accounts.factories import UserFactory
from tests.groups.conftest import make_group
from tests.members.factories import register


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_sellers_racing_for_one_quota_leave_exactly_one_reservation():
    seller_a, seller_b = UserFactory(), UserFactory()
    group = make_group(max_quotas=10)
    quotas.ensure_quotas(group)
    members = [register(actor=seller_a, name="Maria"), register(actor=seller_b, name="José")]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def sell(seller, member):
        try:
            start.wait(timeout=10)
            outcomes.append(sales.reserve_quota(actor=seller, group=group, member=member, number=5))
        except QuotaNotAvailable as refusal:
            outcomes.append(refusal)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [
        threading.Thread(target=sell, args=(seller_a, members[0])),
        threading.Thread(target=sell, args=(seller_b, members[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [o for o in outcomes if isinstance(o, QuotaVersion)]
    refusals = [o for o in outcomes if isinstance(o, QuotaNotAvailable)]
    assert len(winners) == 1
    assert len(refusals) == 1
    assert refusals[0].code == "quota_not_available"
    quota = Quota.objects.get(group=group, number=5)
    live = QuotaVersion.objects.filter(quota=quota, status=QuotaStatus.RESERVED)
    assert list(live.values_list("pk", flat=True)) == [winners[0].pk]
    assert quota.current_version_id == winners[0].pk


BASE_DIR = Path(__file__).resolve().parents[2]
SELLERS = 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sellers_in_separate_processes_racing_for_one_quota_have_exactly_one_winner(tmp_path):
    group = make_group(max_quotas=10)
    quotas.ensure_quotas(group)
    sellers = [UserFactory() for _ in range(SELLERS)]
    members = [register(actor=seller, name=f"Consorciado {i}") for i, seller in enumerate(sellers)]
    go_file = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SALE_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "REDIS_URL": str(settings.REDIS_URL),
        "PYTHONPATH": str(BASE_DIR),
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.groups.sale_worker",
                str(seller.pk),
                str(group.pk),
                str(member.pk),
                "5",
                str(go_file),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for seller, member in zip(sellers, members, strict=True)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert json.loads(process.stdout.readline())["event"] == "ready"
        go_file.touch()
        results = []
        for process in processes:
            assert process.stdout is not None
            results.append(json.loads(process.stdout.readline()))
            assert process.wait(timeout=30) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()

    won = [r for r in results if r["event"] == "won"]
    refused = [r for r in results if r["event"] == "refused"]
    assert len(won) == 1
    assert [r["code"] for r in refused] == ["quota_not_available"] * (SELLERS - 1)
    quota = Quota.objects.get(group=group, number=5)
    assert quota.current_version_id == won[0]["version_id"]
    assert QuotaVersion.objects.filter(quota=quota).count() == 1
