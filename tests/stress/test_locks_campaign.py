"""Locks under races and faults: real processes increment shared counters under
``locked_atomic(fence=True)`` while a seeded injector freezes lock holders past their TTL
(SIGSTOP, then SIGCONT) and kills processes mid-section (SIGKILL), restarting them.

What a user would notice if the guarantees broke: a counter that does not match the number
of committed increments (a lost update, or an increment applied twice).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from consorcio.locks import held_locks
from consorcio.locks.backend import FENCE_PREFIX, get_redis
from tests.stress.conftest import Campaign, ScratchTables, fetch_all

pytestmark = [pytest.mark.stress, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
WORKERS = 4
KEYS = ("k0", "k1", "k2")
TTL = 0.3
# Per injector tick (every 0.05-0.25 s): chance to freeze a holder, chance to kill one.
FREEZE_CHANCE = 0.2
KILL_CHANCE = 0.03
OUTCOMES = {
    "A": "acquired",
    "C": "committed",
    "D": "already_applied",
    "N": "contended",
    "L": "lost",
    "S": "stale_refused",
    "E": "errors",
}


@dataclass
class WorkerProcess:
    """One incarnation of a ``lock_worker`` in a slot; a restart is a new incarnation."""

    slot: int
    name: str
    process: subprocess.Popen[str]
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None
    frozen_until: float | None = None
    killed: bool = False
    finished: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return not self.killed and self.process.poll() is None


class Fleet:
    """The worker processes of one campaign and what they reported."""

    def __init__(
        self, campaign: Campaign, tables: ScratchTables, counter: str, effect: str, stop_file: Path
    ):
        self.campaign = campaign
        self.lock_prefix = f"stresslock:{tables.suffix}:"
        self.counter, self.effect = counter, effect
        self.stop_file = stop_file
        self.workers: list[WorkerProcess] = []
        self.incarnations: Counter[int] = Counter()
        self.confirmed: set[tuple[str, int]] = set()
        self.error_names: Counter[str] = Counter()
        self._guard = threading.Lock()

    def start(self, slot: int) -> WorkerProcess:
        self.incarnations[slot] += 1
        name = f"w{slot}.{self.incarnations[slot]}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "STRESS_DB_NAME": str(connection.settings_dict["NAME"]),
            "REDIS_URL": str(settings.REDIS_URL),
            "PYTHONPATH": str(BASE_DIR),
            "LOG_LEVEL": "CRITICAL",  # lost leases are expected here; the counts tell
        }
        args = [
            name, str(self.campaign.seed), self.lock_prefix, ",".join(KEYS), str(TTL),
            self.counter, self.effect, str(self.stop_file),
        ]  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.stress.lock_worker", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        worker = WorkerProcess(slot=slot, name=name, process=process)
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
        worker.reader.start()
        self.workers.append(worker)
        self.campaign.add("workers_started")
        return worker

    def _read(self, worker: WorkerProcess) -> None:
        assert worker.process.stdout is not None
        for line in worker.process.stdout:
            code, *rest = line.split()
            if code == "ready":
                worker.ready.set()
            elif code == "done":
                worker.finished = True
            elif code == "X":
                with self._guard:
                    self.error_names[rest[-1]] += 1
            elif code in OUTCOMES:
                self.campaign.add(OUTCOMES[code])
                if code in ("C", "D"):
                    with self._guard:
                        self.confirmed.add((worker.name, int(rest[0])))

    def live(self) -> list[WorkerProcess]:
        return [worker for worker in self.workers if worker.alive]

    def holders(self) -> list[WorkerProcess]:
        """Live, running workers that hold one of the campaign's locks right now."""
        pids = {held.holder_pid for held in held_locks(self.lock_prefix)}
        return [w for w in self.live() if w.pid in pids and w.frozen_until is None]

    def thaw(self, worker: WorkerProcess) -> None:
        if worker.frozen_until is not None and worker.alive:
            os.kill(worker.pid, signal.SIGCONT)
        worker.frozen_until = None

    def stop_all(self, timeout: float = 30.0) -> int:
        """Ask every worker to finish its operation and exit; how many had to be killed."""
        self.stop_file.touch()
        for worker in self.workers:
            self.thaw(worker)
        hung = 0
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            try:
                worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                hung += 1
                worker.process.kill()
                worker.process.wait(timeout=10)
            if worker.reader is not None:
                worker.reader.join(timeout=10)
        self.stop_file.unlink(missing_ok=True)
        return hung

    def kill_everything(self) -> None:
        """Stop whatever still runs, and drop the fencing counters (they would live a week)."""
        for worker in self.workers:
            if worker.process.poll() is None:
                os.kill(worker.pid, signal.SIGCONT)
                worker.process.kill()
                worker.process.wait(timeout=10)
        self.stop_file.unlink(missing_ok=True)
        get_redis().delete(*(f"{FENCE_PREFIX}{self.lock_prefix}{key}" for key in KEYS))


def inject_faults(fleet: Fleet, campaign: Campaign) -> None:
    """Freeze holders past their TTL and kill processes, at seeded moments, until time is up."""
    rng = campaign.rng("faults")
    restarts: list[tuple[float, int]] = []
    while campaign.time_left() > 0:
        time.sleep(rng.uniform(0.05, 0.25))
        now = time.monotonic()
        for worker in fleet.live():
            if worker.frozen_until is not None and now >= worker.frozen_until:
                fleet.thaw(worker)
        for due, slot in [item for item in restarts if item[0] <= now]:
            restarts.remove((due, slot))
            fleet.start(slot)
            campaign.add("restarts")
        roll = rng.random()
        if roll < FREEZE_CHANCE:
            target = _pick(rng, fleet.holders() or fleet.live())
            if target is not None and target.frozen_until is None:
                os.kill(target.pid, signal.SIGSTOP)
                target.frozen_until = now + TTL * rng.uniform(1.5, 4.0)
                campaign.add("sigstops")
        elif roll < FREEZE_CHANCE + KILL_CHANCE:
            target = _pick(rng, fleet.holders() or fleet.live())
            if target is not None:
                target.killed = True
                os.kill(target.pid, signal.SIGKILL)
                target.process.wait(timeout=10)
                campaign.add("sigkills")
                restarts.append((now + rng.uniform(0.2, 1.0), target.slot))


def _pick(rng: random.Random, workers: list[WorkerProcess]) -> WorkerProcess | None:
    return rng.choice(sorted(workers, key=lambda w: w.slot)) if workers else None


def check_invariants(fleet: Fleet, campaign: Campaign) -> None:
    """Count the violations: counters against committed effects, commits, fencing order."""
    rows = fetch_all(f"SELECT key, value FROM {fleet.counter}")
    values = {str(key): int(str(value)) for key, value in rows}
    effects = fetch_all(f"SELECT worker, seq, key, fencing_token FROM {fleet.effect} ORDER BY id")
    per_key = Counter(str(key) for _, _, key, _ in effects)
    campaign.set("effects", len(effects))
    campaign.set("counter_total", sum(values.values()))
    campaign.set("lost_updates", sum(max(0, per_key[k] - values[k]) for k in KEYS))
    campaign.set("phantom_increments", sum(max(0, values[k] - per_key[k]) for k in KEYS))

    applied = {(str(worker), int(str(seq))) for worker, seq, _, _ in effects}
    campaign.set("missing_commits", len(fleet.confirmed - applied))
    killed = {worker.name for worker in fleet.workers if worker.killed}
    unconfirmed = Counter(worker for worker, _ in applied - fleet.confirmed)
    campaign.set("unconfirmed_effects", sum(unconfirmed.values()))
    # Only a killed process can leave a commit it never confirmed, and at most its last one.
    campaign.set(
        "unexplained_effects",
        sum(n if name not in killed else max(0, n - 1) for name, n in unconfirmed.items()),
    )
    by_worker: dict[str, list[int]] = {}
    for worker, seq in applied:
        by_worker.setdefault(worker, []).append(seq)
    campaign.set(
        "seq_gaps", sum(1 for seqs in by_worker.values() if sorted(seqs) != list(range(len(seqs))))
    )
    last_token: dict[str, int] = {}
    order_violations = 0
    for _, _, key, token in effects:
        if int(str(token)) <= last_token.get(str(key), 0):
            order_violations += 1
        last_token[str(key)] = int(str(token))
    campaign.set("fence_order_violations", order_violations)


def test_locked_counters_survive_racing_frozen_and_killed_processes_without_lost_updates(
    start_campaign, scratch_tables, quiet_logs, tmp_path
):
    campaign = start_campaign("locks")
    campaign.declare(
        "workers_started", "restarts", "sigstops", "sigkills", "acquired", "committed",
        "already_applied", "contended", "lost", "stale_refused", "errors", "effects",
        "counter_total", "unconfirmed_effects", "lost_updates", "phantom_increments",
        "missing_commits", "unexplained_effects", "seq_gaps", "fence_order_violations",
        "hung_workers", "violations",
    )  # fmt: skip
    counter = scratch_tables.create("lock_counter", "key text PRIMARY KEY, value bigint NOT NULL")
    effect = scratch_tables.create(
        "lock_effect",
        "id bigserial UNIQUE, worker text NOT NULL, seq bigint NOT NULL, key text NOT NULL, "
        "fencing_token bigint NOT NULL, PRIMARY KEY (worker, seq)",
    )
    with connection.cursor() as cursor:
        for key in KEYS:
            cursor.execute(f"INSERT INTO {counter} (key, value) VALUES (%s, 0)", [key])
    fleet = Fleet(campaign, scratch_tables, counter, effect, tmp_path / "stop")
    try:
        for slot in range(WORKERS):
            fleet.start(slot)
        for worker in fleet.workers:
            assert worker.ready.wait(timeout=60), f"{worker.name} never became ready"
        campaign.restart_clock()
        inject_faults(fleet, campaign)
        campaign.set("hung_workers", fleet.stop_all())
    finally:
        fleet.kill_everything()

    check_invariants(fleet, campaign)
    violations = sum(
        campaign[name]
        for name in (
            "lost_updates", "phantom_increments", "missing_commits", "unexplained_effects",
            "seq_gaps", "fence_order_violations", "hung_workers",
        )
    )  # fmt: skip
    campaign.set("violations", violations)
    campaign.report()
    if fleet.error_names:
        print(f"locks: unexpected errors by class: {dict(fleet.error_names)}", flush=True)

    hint = campaign.replay_hint()
    assert campaign["violations"] == 0, hint
    assert campaign["errors"] == 0, f"{dict(fleet.error_names)}; {hint}"
    # The campaign really exercised the faults it is about.
    assert campaign["committed"] > 0, hint
    assert campaign["effects"] == campaign["counter_total"], hint
    assert campaign["sigstops"] > 0, hint
