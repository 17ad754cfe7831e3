"""Assembly results under races and faults, a thousand times (issue 12 §5): for each of
``RESULTS_REPETITIONS`` (default 1,000) small random assemblies, a seeded choice of two
workers racing, a lock holder frozen (SIGSTOP) past its TTL while the other takes over, or
the test's own Redis killed before or in the middle of the computation and started again.

What a user would notice if the guarantees broke: two results for one assembly, awards
without a result (or a result without its awards), a quota contemplated twice, a caller
told something other than "computed" or a clean refusal.
"""

from __future__ import annotations

import pytest

from tests.accounts.factories import UserFactory
from tests.draws.results_support import build_scenario, open_campaign, repetitions

pytestmark = [
    pytest.mark.stress,
    pytest.mark.django_db(transaction=True),
    # About 0.7 s a repetition on 2 shared cores: well past the suite's 300 s default.
    pytest.mark.timeout(120 + 3 * repetitions(1000)),
]

TTL = 0.5
PAUSES = ("acquired", "write:1", "write:2", "write:3", "write:5", "commit")
TIMINGS = ("late", "soon")


def test_assembly_results_stay_whole_under_races_frozen_holders_and_redis_deaths(
    start_campaign, quiet_logs, tmp_path
):
    campaign = start_campaign("results", timed=False)
    campaign.declare(
        "repetitions", "races", "frozen_holders", "redis_kills", "computed",
        "computed_after_the_fault", "refused", "violations",
    )  # fmt: skip
    total = repetitions(1000)
    rng = campaign.rng("scenarios")
    actor = UserFactory()
    with open_campaign(tmp_path, ttl=TTL) as results:
        try:
            _run(campaign, results, total, rng, actor)
        finally:
            _copy_counts(campaign, results)
    campaign.report()
    for name, count in sorted(results.counts.items()):
        if name.startswith("refused."):
            print(f"results.{name} {count}", flush=True)
    assert campaign["repetitions"] == total, campaign.replay_hint()
    assert campaign["violations"] == 0, campaign.replay_hint()
    assert results.counts.get("errors", 0) == 0, campaign.replay_hint()


def _run(campaign, results, total, rng, actor) -> None:
    """The repetitions: a new assembly each, a seeded kind of trouble for it."""
    for repetition in range(total):
        scenario = build_scenario(actor, rng)
        roll = rng.random()
        try:
            if roll < 0.4:
                results.race(scenario, rng)
            elif roll < 0.7:
                results.freeze(scenario, rng.choice(PAUSES))
            else:
                moment = rng.choice(("before", *(f"{p}/{t}" for p in PAUSES for t in TIMINGS)))
                results.cut_redis(scenario, moment, rng)
        except AssertionError as failure:
            campaign.add("violations")
            raise AssertionError(
                f"repetition {repetition}: {failure}; {campaign.replay_hint()}"
            ) from None
        campaign.add("repetitions")


def _copy_counts(campaign, results) -> None:
    for name in ("races", "frozen_holders", "redis_kills", "computed", "computed_after_the_fault"):
        campaign.set(name, results.counts.get(name, 0))
    campaign.set(
        "refused", sum(n for name, n in results.counts.items() if name.startswith("refused."))
    )
