"""Outbox delivery under failures: events published while concurrent delivery loops and
sweepers run, with subscribers that fail at seeded moments and a "broker" that loses and
duplicates messages.

What a user would notice if the guarantees broke: a reaction applied twice (two e-mails, two
ledger entries), a reaction never applied although its delivery says delivered, or a delivery
left pending forever.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections, transaction

from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.outbox import DeliveryOutcome, claim_due_deliveries, deliver, publish
from tests.kernel.celery_app.support import queue_length, routed_to, unique_queue_name
from tests.stress import outbox_subscribers as subscribers
from tests.stress.conftest import Campaign, fetch_all

pytestmark = [pytest.mark.stress, pytest.mark.django_db(transaction=True)]

DELIVERY_LOOPS = 4
SWEEPERS = 2
MAX_ATTEMPTS = 5
# Share of the budget spent publishing; the rest (and a grace period) drains what is left.
PUBLISH_SHARE = 0.6
DRAIN_GRACE_SECONDS = 60.0
ROLLBACK_CHANCE = 0.1  # a publishing transaction that rolls back: its events must vanish
LOST_CHANCE = 0.1  # the message of a delivery never reaches a delivery loop
DUPLICATE_CHANCE = 0.2  # the message arrives twice
REDELIVERED_CHANCE = 0.05  # a delivery loop's message comes back again after it ran
OUTCOME_COUNTS = {
    DeliveryOutcome.DELIVERED: "delivered",
    DeliveryOutcome.FAILED: "retried",
    DeliveryOutcome.DEAD: "dead",
    DeliveryOutcome.SKIPPED: "duplicate_deliveries_attempted",
}


class _RolledBack(Exception):
    pass


class Broker:
    """An in-process stand-in for the task queue that loses and duplicates messages."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.messages: queue.Queue[int] = queue.Queue()

    def send(self, delivery_id: int, roll: float) -> None:
        if roll < LOST_CHANCE:
            self.campaign.add("lost_enqueues")
            return
        self.messages.put(delivery_id)
        self.campaign.add("enqueued")
        if roll > 1 - DUPLICATE_CHANCE:
            self.messages.put(delivery_id)
            self.campaign.add("duplicate_enqueues")


def run_until(stop: threading.Event, body: Callable[[], None]) -> Callable[[], None]:
    """A thread target repeating ``body`` until ``stop``; closes its connections at the end."""

    def target() -> None:
        try:
            while not stop.is_set():
                body()
        finally:
            connections.close_all()

    return target


def start_workers(
    campaign: Campaign, broker: Broker, stop: threading.Event, delivered: Counter[int]
) -> list[threading.Thread]:
    """Delivery loops (as Celery workers would run) and sweepers (as beat would)."""
    guard = threading.Lock()

    def delivery_loop(index: int) -> Callable[[], None]:
        rng = campaign.rng("delivery", index)

        def body() -> None:
            try:
                delivery_id = broker.messages.get(timeout=0.05)
            except queue.Empty:
                return
            outcome = deliver(delivery_id)
            campaign.add("deliver_calls")
            campaign.add(OUTCOME_COUNTS[outcome])
            if outcome is DeliveryOutcome.DELIVERED:
                with guard:
                    delivered[delivery_id] += 1
            if rng.random() < REDELIVERED_CHANCE:
                broker.messages.put(delivery_id)
                campaign.add("duplicate_enqueues")

        return body

    def sweeper(index: int) -> Callable[[], None]:
        rng = campaign.rng("sweeper", index)

        def body() -> None:
            picked = claim_due_deliveries(limit=100)
            campaign.add("sweeper_picks", len(picked))
            for delivery_id in picked:
                broker.messages.put(delivery_id)
            time.sleep(rng.uniform(0.02, 0.1))

        return body

    bodies = [delivery_loop(i) for i in range(DELIVERY_LOOPS)] + [
        sweeper(i) for i in range(SWEEPERS)
    ]
    threads = [threading.Thread(target=run_until(stop, body), daemon=True) for body in bodies]
    for thread in threads:
        thread.start()
    return threads


def publish_events(campaign: Campaign, broker: Broker, run: str) -> set[int]:
    """Publish batches of events until the publishing share of the budget is spent.

    Returns the numbers of the events whose transaction rolled back.
    """
    rng = campaign.rng("publisher")
    rolled_back: set[int] = set()
    number = 0
    while campaign.time_left() > campaign.seconds * (1 - PUBLISH_SHARE):
        batch = range(number, number + rng.randint(1, 5))
        number = batch.stop
        try:
            with transaction.atomic():
                events = [
                    publish(subscribers.StressThingHappened(run=run, number=n)) for n in batch
                ]
                if rng.random() < ROLLBACK_CHANCE:
                    raise _RolledBack
        except _RolledBack:
            rolled_back.update(batch)
            campaign.add("rolled_back_events", len(batch))
            continue
        campaign.add("events_published", len(batch))
        ids = OutboxDelivery.objects.filter(event__in=events).order_by("id")
        for delivery_id in ids.values_list("id", flat=True):
            broker.send(delivery_id, rng.random())
        time.sleep(rng.uniform(0, 0.005))
    return rolled_back


def drain(campaign: Campaign, run: str) -> int:
    """Wait until no delivery of the campaign is pending (or the grace ends); how many are."""
    deadline = time.monotonic() + max(0.0, campaign.time_left()) + DRAIN_GRACE_SECONDS
    pending = OutboxDelivery.objects.filter(
        event__payload__run=run, status=OutboxDelivery.Status.PENDING
    )
    while True:
        left = pending.count()
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def check_invariants(
    campaign: Campaign, plan: subscribers.FlakyPlan, delivered: Counter[int], rolled_back: set[int]
) -> None:
    """Count the violations of "each reaction at most once, exactly once when delivered"."""
    rows = list(
        OutboxDelivery.objects.filter(event__payload__run=plan.run).values_list(
            "id", "event_id", "subscriber", "status", "attempts", "event__payload__number"
        )
    )
    campaign.set("deliveries", len(rows))
    status_of = {(event_id, sub): status for _, event_id, sub, status, _, _ in rows}
    delivered_pairs = {pair for pair, status in status_of.items() if status == "delivered"}
    dead_rows = [row for row in rows if row[3] == "dead"]
    effect_rows = fetch_all(f"SELECT event_id, subscriber FROM {plan.effect_table}")
    effects = {(event_id, str(sub)) for event_id, sub in effect_rows}
    campaign.set("effects", len(effects))
    campaign.set("dead_letters", len(dead_rows))
    campaign.set("duplicate_effects", plan.duplicate_effects)
    campaign.set("missing_effects", len(delivered_pairs - effects))
    campaign.set("stray_effects", len(effects - delivered_pairs))
    campaign.set("double_deliveries", sum(n - 1 for n in delivered.values() if n > 1))
    campaign.set("unrecorded_deliveries", abs(len(delivered_pairs) - len(delivered)))
    campaign.set("dead_miscounted", abs(len(dead_rows) - campaign["dead"]))
    campaign.set("dead_before_last_attempt", sum(1 for row in dead_rows if row[4] != MAX_ATTEMPTS))
    campaign.set(
        "poisoned_not_dead",
        sum(
            1
            for _, _, sub, status, _, number in rows
            if plan.is_poisoned(int(number), sub) and status != "dead"
        ),
    )
    campaign.set("handler_runs", plan.handler_runs)
    outcomes = campaign["delivered"] + campaign["retried"] + campaign["dead"]
    campaign.set("unaccounted_handler_runs", abs(plan.handler_runs - outcomes))
    campaign.set(
        "rolled_back_leaks",
        OutboxEvent.objects.filter(
            payload__run=plan.run, payload__number__in=sorted(rolled_back)
        ).count(),
    )


VIOLATIONS = (
    "pending_left", "duplicate_effects", "missing_effects", "stray_effects", "double_deliveries",
    "unrecorded_deliveries", "dead_miscounted", "dead_before_last_attempt", "poisoned_not_dead",
    "unaccounted_handler_runs", "rolled_back_leaks", "fast_path_mismatch",
)  # fmt: skip


def test_each_subscriber_reacts_once_per_delivered_event_despite_failures_and_duplicates(
    start_campaign, scratch_tables, quiet_logs, settings
):
    campaign = start_campaign("outbox")
    campaign.declare(
        "events_published", "rolled_back_events", "deliveries", "enqueued", "lost_enqueues",
        "duplicate_enqueues", "sweeper_picks", "fast_path_messages", "deliver_calls",
        "delivered", "retried", "dead", "duplicate_deliveries_attempted", "handler_runs",
        "effects", "dead_letters", *VIOLATIONS, "violations",
    )  # fmt: skip
    settings.OUTBOX_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.02
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.2
    settings.OUTBOX_REDELIVERY_AFTER_SECONDS = 0.25
    plan = subscribers.FlakyPlan(
        seed=campaign.seed,
        run=scratch_tables.suffix,
        effect_table=scratch_tables.create(
            "outbox_effect",
            "event_id uuid NOT NULL, subscriber text NOT NULL, number integer NOT NULL, "
            "PRIMARY KEY (event_id, subscriber)",
        ),
        fail_chance=0.3,
        poison_chance=0.03,
        max_hold=0.002,
    )
    subscribers.plan = plan
    broker = Broker(campaign)
    delivered: Counter[int] = Counter()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        # The after-commit fast path sends real task messages: to a queue of our own, which
        # no worker consumes (the delivery loops above stand for the workers).
        with routed_to(unique_queue_name()) as fast_path:
            threads = start_workers(campaign, broker, stop, delivered)
            rolled_back = publish_events(campaign, broker, plan.run)
            campaign.set("pending_left", drain(campaign, plan.run))
            expected = campaign["events_published"] * len(subscribers.SUBSCRIBERS)
            campaign.set("fast_path_messages", queue_length(fast_path, expected=expected))
            campaign.set("fast_path_mismatch", abs(campaign["fast_path_messages"] - expected))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        subscribers.plan = None

    check_invariants(campaign, plan, delivered, rolled_back)
    campaign.set("violations", sum(campaign[name] for name in VIOLATIONS))
    campaign.report()

    hint = campaign.replay_hint()
    assert campaign["violations"] == 0, hint
    assert campaign["deliveries"] == campaign["events_published"] * len(subscribers.SUBSCRIBERS)
    assert campaign["effects"] == campaign["delivered"] > 0, hint
    # The campaign really exercised retries and duplicate messages (and dead letters, where
    # the seed poisoned some pairs: `poisoned_not_dead` above).
    assert campaign["retried"] > 0, hint
    assert campaign["duplicate_deliveries_attempted"] > 0, hint
