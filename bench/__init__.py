"""Benchmarks: each `bench/bench_*.py` prints its figures beside the limit it is measured against.

Every benchmark module exposes ``run(options: BenchOptions | None = None) -> list[Measurement]``;
``python -m bench`` (``make bench``) runs them all and prints one ``name value unit`` line per
figure. A figure compared with a limit is printed next to that limit, measured in the same run,
and their ratio (unit ``ratio``), so a reader never compares numbers from different machines.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

DEFAULT_ROWS = 1_000_000
DEFAULT_ITERATIONS = 5_000
DEFAULT_MEMBERS_IMPORT_ROWS = 100_000
DEFAULT_MEMBERS_ROWS = 1_000_000


@dataclass(frozen=True)
class BenchOptions:
    """What the command line may change: sizes of the workloads."""

    rows: int = DEFAULT_ROWS
    iterations: int = DEFAULT_ITERATIONS
    members_import_rows: int = DEFAULT_MEMBERS_IMPORT_ROWS
    members_rows: int = DEFAULT_MEMBERS_ROWS


@dataclass(frozen=True)
class Measurement:
    """One printed figure: ``name value unit``, with ``digits`` decimal places."""

    name: str
    value: float
    unit: str
    digits: int = 0

    def line(self) -> str:
        """The stable, parseable form: three fields separated by single spaces."""
        return f"{self.name} {self.value:.{self.digits}f} {self.unit}"


def ratio(name: str, measured: float, limit: float) -> Measurement:
    """The measured figure as a multiple of its limit (1.0 = as fast as the limit allows)."""
    return Measurement(name, measured / limit if limit else 0.0, "ratio", 3)


def percentiles_us(samples_ns: list[int]) -> dict[str, float]:
    """p50, p95 and p99 of latency samples (nanoseconds), in microseconds."""
    cuts = statistics.quantiles(samples_ns, n=100, method="inclusive")
    return {"p50": cuts[49] / 1000, "p95": cuts[94] / 1000, "p99": cuts[98] / 1000}


def setup_django() -> None:
    """Configure Django from the environment (dev settings unless told otherwise), once."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
