"""Real processes racing on one key, and a holder frozen past its TTL (SIGSTOP)."""

from __future__ import annotations

import itertools
import os
import signal
import time

import pytest
from django.db import transaction

from consorcio.locks import check_fencing_token, critical_section
from consorcio.locks.backend import get_redis

pytestmark = pytest.mark.slow

PROCESSES = 3
ITERATIONS = 15


def test_processes_racing_on_one_key_never_overlap_and_lose_no_update(
    lock_key, start_worker, tmp_path
):
    counter_key = f"{lock_key}:counter"
    go_file = tmp_path / "go"
    workers = [
        start_worker("race", lock_key, counter_key, str(ITERATIONS), str(go_file))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.expect("ready")
    go_file.touch()
    holds = [
        (start, end, index)
        for index, worker in enumerate(workers)
        for start, end in worker.expect("done")["holds"]
    ]
    try:
        # Read-sleep-write of a plain counter: without mutual exclusion updates get lost.
        assert int(get_redis().get(counter_key) or 0) == PROCESSES * ITERATIONS
    finally:
        get_redis().delete(counter_key)
    holds.sort()
    assert len(holds) == PROCESSES * ITERATIONS
    for (_, end, _), (next_start, _, _) in itertools.pairwise(holds):
        assert end <= next_start
    # The processes really raced: the holder changed many times, not once per process.
    switches = sum(1 for a, b in itertools.pairwise(holds) if a[2] != b[2])
    assert switches >= PROCESSES


@pytest.mark.django_db(transaction=True)
def test_a_holder_frozen_past_its_ttl_cannot_write_after_a_newer_holder_did(
    lock_key, start_worker, committed_effects, tmp_path
):
    go_file = tmp_path / "go"
    frozen = start_worker("pause", lock_key, committed_effects.name, str(go_file))
    first_token = frozen.expect("acquired")["fencing_token"]
    os.kill(frozen.process.pid, signal.SIGSTOP)  # renewal thread included
    try:
        with critical_section(lock_key, ttl=5.0, wait=10.0) as lease:
            # Granted only once the frozen holder's 1 s TTL ran out.
            assert 0.3 < lease.waited < 5.0
            assert lease.fencing_token > first_token
            with transaction.atomic():
                check_fencing_token(lock_key, lease.fencing_token)
                committed_effects.write(lock_key, "B")
                lease.check()
    finally:
        go_file.touch()
        os.kill(frozen.process.pid, signal.SIGCONT)

    assert frozen.expect("refused")["error"] == "StaleFencingToken"
    assert frozen.expect("lock_lost")
    assert frozen.process.wait(timeout=10) == 0
    assert committed_effects.writers(lock_key) == ["B"]


def test_a_forked_child_renews_its_own_leases_with_its_own_connection(lock_key):
    with critical_section(lock_key, ttl=0.3):  # the parent's renewal thread and client exist
        time.sleep(0.2)
    pid = os.fork()
    if pid == 0:  # the child, as in a Celery prefork worker
        code = 1
        try:
            with critical_section(lock_key, ttl=0.3) as lease:
                time.sleep(0.8)  # past its initial TTL: only renewal keeps it
                lease.check()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with critical_section(lock_key, ttl=1.0):  # the parent's own connection still works
        pass
