"""What every stress campaign shares: seed and time budget, counts, quiet logs, scratch tables."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.db import connection

# A failure prints its seed; `STRESS_SEED=<seed> make stress` replays the same choices.
DEFAULT_SEED = 20240808
DEFAULT_SECONDS = 60.0
# Loggers whose expected warnings (failed deliveries, lost leases, 500s) would bury the counts.
NOISY_LOGGERS = ("consorcio", "django.request", "django.server", "django_structlog")


@dataclass
class Campaign:
    """One campaign's seed, time budget and counts (thread-safe), printed as ``name value``."""

    name: str
    seed: int
    seconds: float
    started: float = field(default_factory=time.monotonic)
    counts: dict[str, int] = field(default_factory=dict)
    reported: bool = False
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def rng(self, *parts: object) -> random.Random:
        """A random generator of its own for one actor, derived from the seed and ``parts``."""
        return random.Random(":".join([str(self.seed), self.name, *map(str, parts)]))

    def add(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the count ``name`` (created at zero)."""
        with self._guard:
            self.counts[name] = self.counts.get(name, 0) + amount

    def set(self, name: str, value: int) -> None:
        """Set the count ``name``."""
        with self._guard:
            self.counts[name] = value

    def declare(self, *names: str) -> None:
        """Fix the printing order of counts and make them appear even when they stay zero."""
        with self._guard:
            for name in names:
                self.counts.setdefault(name, 0)

    def __getitem__(self, name: str) -> int:
        with self._guard:
            return self.counts.get(name, 0)

    def time_left(self) -> float:
        """Seconds left of the campaign's budget (negative once spent)."""
        return self.seconds - (time.monotonic() - self.started)

    def restart_clock(self) -> None:
        """Start the budget now (after a slow setup such as starting processes)."""
        self.started = time.monotonic()

    def report(self) -> None:
        """Print the counts, one ``<campaign>.<name> <value>`` line each, in declared order."""
        with self._guard:
            self.reported = True
            lines = [f"{self.name}.{name} {value}" for name, value in self.counts.items()]
            lines.append(f"{self.name}.elapsed_seconds {time.monotonic() - self.started:.1f}")
        print("\n".join(lines), flush=True)

    def replay_hint(self) -> str:
        """How to run this campaign again with the same seed (for assertion messages)."""
        return f"replay: STRESS_SEED={self.seed} make stress PYTEST_ARGS='-k {self.name}'"


def stress_seed() -> int:
    """The seed of this run: ``STRESS_SEED`` or the fixed default."""
    return int(os.environ.get("STRESS_SEED", DEFAULT_SEED))


def stress_seconds() -> float:
    """The time budget of each campaign: ``STRESS_SECONDS`` or 60."""
    return float(os.environ.get("STRESS_SECONDS", DEFAULT_SECONDS))


@pytest.fixture
def start_campaign() -> Iterator[Callable[..., Campaign]]:
    """Start a named campaign: prints its seed and budget; prints its counts if it crashed.

    ``timed=False`` for a campaign bounded by a count of its own (a Hypothesis profile).
    """
    started: list[Campaign] = []

    def start(name: str, *, timed: bool = True) -> Campaign:
        campaign = Campaign(name=name, seed=stress_seed(), seconds=stress_seconds())
        print(f"\n{name}.seed {campaign.seed}", flush=True)
        if timed:
            print(f"{name}.seconds {campaign.seconds:g}", flush=True)
        started.append(campaign)
        return campaign

    yield start
    for campaign in started:
        if not campaign.reported:
            print(f"{campaign.name}: interrupted; counts so far:", flush=True)
            campaign.report()


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    """Silence the loggers whose expected warnings the campaigns provoke by the thousand."""
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


class ScratchTables:
    """Plain tables a campaign creates for its effects, committed so every process sees them."""

    def __init__(self) -> None:
        self.suffix = uuid.uuid4().hex[:10]
        self.created: list[str] = []

    def create(self, name: str, columns: str) -> str:
        """Create ``stress_<name>_<suffix>`` with the given column list; its full name."""
        table = f"stress_{name}_{self.suffix}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} ({columns})")
        self.created.append(table)
        return table

    def drop_all(self) -> None:
        with connection.cursor() as cursor:
            for table in reversed(self.created):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


@pytest.fixture
def scratch_tables(transactional_db: None) -> Iterator[ScratchTables]:
    """Scratch tables in the test database, dropped afterwards."""
    tables = ScratchTables()
    yield tables
    tables.drop_all()


def fetch_all(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Rows of a raw query on this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())
