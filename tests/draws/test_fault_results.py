"""Redis dying in the middle of computing an assembly's results (issue 12 §5): no partial
result, callers refused cleanly while it is down, and once it is back the assembly is
computed (once).

The Redis here is a redis-server the test starts on a free port and kills itself, never the
machine's shared one; the worker processes reach it through ``REDIS_URL``. Seeded:
``RESULTS_SEED`` replays a run, ``RESULTS_REPETITIONS`` changes the number of assemblies.
"""

from __future__ import annotations

import os
import random

import pytest

from tests.accounts.factories import UserFactory
from tests.draws.results_support import build_scenario, open_campaign, repetitions

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("RESULTS_SEED", 20260310))
TTL = 1.0
# When Redis dies: before the computation starts; or while a worker is paused right after
# the lock was granted or after its n-th write, the worker then continuing past its TTL
# (``late``: it cannot prove it still holds the lock, so it rolls back) or at once
# (``soon``: it may finish, as a whole, or roll back). Paused just before its COMMIT, its
# lease already checked, it commits on waking and is told the lock was lost.
MOMENTS = (
    "before",
    "acquired/late",
    "write:2/late",
    "write:4/soon",
    "acquired/soon",
    "commit/late",
)


def test_redis_killed_mid_computation_leaves_no_partial_result_and_the_assembly_computes_later(
    tmp_path,
):
    rng = random.Random(f"{SEED}:redis")
    actor = UserFactory()
    with open_campaign(tmp_path, ttl=TTL) as campaign:
        for repetition in range(repetitions(6)):
            scenario = build_scenario(actor, rng)
            moment = MOMENTS[repetition % len(MOMENTS)]
            try:
                campaign.cut_redis(scenario, moment, rng)
            except AssertionError as failure:
                raise AssertionError(
                    f"seed {SEED}, repetition {repetition}, Redis killed {moment}: {failure}"
                ) from None
    assert campaign.counts["redis_kills"] == repetitions(6)
    # Every assembly whose computation Redis cut off before its COMMIT (and past the TTL)
    # was computed once Redis came back.
    cut_off = [MOMENTS[n % len(MOMENTS)] for n in range(repetitions(6))]
    assert campaign.counts.get("computed_after_the_fault", 0) >= sum(
        1 for moment in cut_off if not moment.endswith("soon") and not moment.startswith("commit")
    )
