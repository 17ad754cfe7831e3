"""Real processes computing the same assembly's results (issue 12 §5): two workers racing
give one result and one set of awards, the other refused cleanly; a lock holder frozen
(SIGSTOP) past its TTL while another takes the lock over leaves one result, the resumed
holder refused without a trace of its writes.

Seeded: ``RESULTS_SEED`` replays a run; ``RESULTS_REPETITIONS`` changes how many assemblies
each test computes (the stress campaign in tests/stress runs a thousand).
"""

from __future__ import annotations

import os
import random

import pytest

from tests.accounts.factories import UserFactory
from tests.draws.results_support import build_scenario, open_campaign, repetitions

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("RESULTS_SEED", 20260310))
TTL = 1.0  # seconds: short, so a frozen holder loses its lock quickly
# A frozen holder stops right after the lock is granted, after its first or fifth write
# (fencing token recorded, the assembly's row locked, result rows written), or just before
# its COMMIT, its lease checked: it commits on waking, the other then finds the result.
PAUSES = ("acquired", "write:1", "commit", "write:5")


def test_two_workers_racing_on_one_assembly_give_one_result_the_other_refused(tmp_path):
    rng = random.Random(f"{SEED}:race")
    actor = UserFactory()
    with open_campaign(tmp_path, ttl=TTL) as campaign:
        for repetition in range(repetitions(8)):
            scenario = build_scenario(actor, rng)
            try:
                campaign.race(scenario, rng)
            except AssertionError as failure:
                raise AssertionError(f"seed {SEED}, repetition {repetition}: {failure}") from None
    assert campaign.counts["races"] == repetitions(8)
    assert campaign.counts["computed"] == repetitions(8)


def test_a_holder_frozen_past_its_ttl_while_another_takes_over_leaves_one_result(tmp_path):
    rng = random.Random(f"{SEED}:freeze")
    actor = UserFactory()
    with open_campaign(tmp_path, ttl=TTL) as campaign:
        for repetition in range(repetitions(6)):
            scenario = build_scenario(actor, rng)
            pause = PAUSES[repetition % len(PAUSES)]
            try:
                campaign.freeze(scenario, pause)
            except AssertionError as failure:
                raise AssertionError(
                    f"seed {SEED}, repetition {repetition}, paused at {pause}: {failure}"
                ) from None
    assert campaign.counts["frozen_holders"] == repetitions(6)
    assert campaign.counts.get("refused.lock_lost", 0) + campaign.counts.get(
        "refused.stale_fencing_token", 0
    ) >= repetitions(6)
