"""Idempotency under concurrency: client threads against a live server send POSTs with fresh
keys, repeated keys (often while the first request still runs), reused keys with a different
body, requests that crash (500) and their retries.

What a user would notice if the guarantees broke: an operation executed twice for one key, a
replay that differs from the first answer, or a key stuck after a crash.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from consorcio.idempotency import REPLAYED_HEADER
from consorcio.models import IdempotencyRecord
from tests.stress import idempotency_urls
from tests.stress.conftest import Campaign, fetch_all

pytestmark = [
    pytest.mark.stress,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.stress.idempotency_urls"),
]

CLIENTS = 8
HOT_KEYS = 30  # repeats pick among the most recently sent keys
# What a client does next: (action, weight); "recover" falls back to "fresh" when none failed.
ACTIONS = (("fresh", 35), ("repeat", 35), ("mismatch", 15), ("recover", 15))
FAIL_SHARE = 0.06  # fresh requests that crash after writing
INVALID_SHARE = 0.06  # fresh requests refused with 400 (stored and replayed)
ALLOWED = {
    "fresh": {201, 400, 409},
    "fresh-fail": {500},
    "repeat": {201, 400, 409},
    "mismatch": {422},
    "recover": {201},
}
CODES = {409: "idempotency_request_in_progress", 422: "idempotency_key_mismatch"}


@dataclass
class Answer:
    intent: str
    status: int
    replayed: bool
    body: Any


@dataclass
class Pools:
    """Keys the clients share: recently sent, known stored, and crashed (free to retry)."""

    hot: deque[tuple[str, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=HOT_KEYS))
    stored: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    guard: threading.Lock = field(default_factory=threading.Lock)


def client(campaign: Campaign, url: str, index: int, pools: Pools, run: str) -> None:
    """One client thread: seeded actions until the budget is spent."""
    rng = campaign.rng("client", index)
    session = requests.Session()
    sequence = 0
    actions, weights = zip(*ACTIONS, strict=True)
    while campaign.time_left() > 0:
        action = rng.choices(actions, weights)[0]
        headers = {}
        with pools.guard:
            if action == "repeat" and pools.hot:
                key, body = rng.choice(list(pools.hot))
            elif action == "mismatch" and pools.stored:
                key, stored_body = rng.choice(pools.stored)
                body = {**stored_body, "item": f"outro-{rng.randrange(10**6)}"}
            elif action == "recover" and pools.failed:
                key, body = pools.failed.pop(rng.randrange(len(pools.failed)))
                headers["X-Stress-Recover"] = "1"
            else:
                action = "fresh"
                sequence += 1
                key = f"{run}-{index}-{sequence}"
                body = {"item": f"item-{key}", "pause": rng.uniform(0, 0.03)}
                roll = rng.random()
                if roll < FAIL_SHARE:
                    action, body["fail"] = "fresh-fail", True
                elif roll < FAIL_SHARE + INVALID_SHARE:
                    body["item"] = ""
                if action == "fresh":
                    pools.hot.append((key, body))
        headers["Idempotency-Key"] = key
        response = session.post(url, json=body, headers=headers, timeout=30)
        answer = Answer(
            intent=action,
            status=response.status_code,
            replayed=response.headers.get(REPLAYED_HEADER) == "true",
            body=response.json(),
        )
        with pools.guard:
            pools.answers[key].append(answer)
            if answer.status in (201, 400):
                pools.stored.append((key, body))
            elif answer.status == 500:
                pools.failed.append((key, body))
        _count(campaign, answer)
    session.close()


def _count(campaign: Campaign, answer: Answer) -> None:
    campaign.add("requests")
    if answer.replayed:
        campaign.add("replayed")
    elif answer.status == 201:
        campaign.add("recovered" if answer.intent == "recover" else "created")
    name = {400: "refused_400", 409: "conflicts", 422: "mismatches", 500: "server_errors"}
    if answer.status in name:
        campaign.add(name[answer.status])


def check_invariants(campaign: Campaign, pools: Pools, effect_table: str, run: str) -> None:
    """Count the violations: double executions, replays unlike the first answer, odd answers."""
    rows = fetch_all(f"SELECT idempotency_key, count(*) FROM {effect_table} GROUP BY 1")
    rows_per_key = {str(key): int(str(n)) for key, n in rows}
    executed = {
        key
        for key, answers in pools.answers.items()
        if any(a.status == 201 and not a.replayed for a in answers)
    }
    campaign.set("rows", sum(rows_per_key.values()))
    campaign.set("distinct_successful_keys", len(executed))
    executions = [
        sum(a.status == 201 and not a.replayed for a in ans) for ans in pools.answers.values()
    ]
    campaign.set(
        "double_executions",
        sum(n - 1 for n in rows_per_key.values() if n > 1) + sum(1 for n in executions if n > 1),
    )
    campaign.set("rows_without_success", len(set(rows_per_key) - executed))
    campaign.set("successes_without_row", len(executed - set(rows_per_key)))
    replay_mismatches = 0
    unexpected = 0
    for answers in pools.answers.values():
        for status in (201, 400):
            bodies = {repr(a.body) for a in answers if a.status == status}
            replay_mismatches += max(0, len(bodies) - 1)
        for a in answers:
            if a.status not in ALLOWED[a.intent] or (
                a.status in CODES and a.body.get("code") != CODES[a.status]
            ):
                unexpected += 1
    campaign.set("replay_mismatches", replay_mismatches)
    campaign.set("unexpected_answers", unexpected)
    stored_keys = {
        k for k, answers in pools.answers.items() if any(a.status in (201, 400) for a in answers)
    }
    records = IdempotencyRecord.objects.filter(owner="anon", key__startswith=f"{run}-")
    completed = set(records.filter(state="completed").values_list("key", flat=True))
    campaign.set("stored_answers_missing", len(stored_keys ^ completed))
    campaign.set("stuck_records", records.exclude(state="completed").count())


VIOLATIONS = (
    "double_executions", "rows_without_success", "successes_without_row", "replay_mismatches",
    "unexpected_answers", "stored_answers_missing", "stuck_records",
)  # fmt: skip


def test_concurrent_requests_execute_each_idempotency_key_at_most_once(
    start_campaign, scratch_tables, quiet_logs, live_server
):
    campaign = start_campaign("idempotency")
    campaign.declare(
        "clients", "requests", "created", "replayed", "conflicts", "mismatches", "refused_400",
        "server_errors", "recovered", "rows", "distinct_successful_keys", *VIOLATIONS,
        "violations",
    )  # fmt: skip
    campaign.set("clients", CLIENTS)
    run = scratch_tables.suffix
    effect_table = scratch_tables.create(
        "idempotency_effect", "id bigserial PRIMARY KEY, idempotency_key text NOT NULL, item text"
    )
    idempotency_urls.effect_table = effect_table
    pools = Pools()
    url = f"{live_server.url}/items"
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            client(campaign, url, index, pools, run)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=campaign.seconds + 60)
    finally:
        idempotency_urls.effect_table = None

    check_invariants(campaign, pools, effect_table, run)
    campaign.set("violations", sum(campaign[name] for name in VIOLATIONS))
    campaign.report()

    hint = campaign.replay_hint()
    assert not errors, f"{errors[:3]}; {hint}"
    assert campaign["violations"] == 0, hint
    assert campaign["rows"] == campaign["distinct_successful_keys"] > 0, hint
    # The campaign really met every situation it is about.
    for name in ("replayed", "conflicts", "mismatches", "server_errors", "recovered"):
        assert campaign[name] > 0, f"no {name}; {hint}"
