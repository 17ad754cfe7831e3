"""Redis lock acquire+release latency: the kernel's `critical_section` beside the raw floor.

The floor is the least a correct Redis lock can cost: ``SET key token NX PX`` to take it and a
token-checked delete (a Lua script, sent as EVALSHA) to release it, two round trips. The kernel
lock (``consorcio.locks.critical_section``) adds its fencing counter, lease bookkeeping and
metrics; its p50 is also printed as a ratio of the floor's. Each iteration takes and releases
one key unique to this run, uncontended, so the figures are latency, not waiting.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench import BenchOptions, Measurement, percentiles_us, ratio, setup_django

TTL_SECONDS = 5.0
WARMUP = 100

# Deletes the key only if it still holds our token (the release every correct lock needs).
_RELEASE_IF_OURS = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _sample(operation: Callable[[], None], iterations: int) -> tuple[list[int], float]:
    """Per-call latencies (ns) of ``operation`` after a warm-up, and the wall time in seconds."""
    for _ in range(WARMUP):
        operation()
    samples: list[int] = []
    started = time.perf_counter()
    for _ in range(iterations):
        before = time.perf_counter_ns()
        operation()
        samples.append(time.perf_counter_ns() - before)
    return samples, time.perf_counter() - started


def _figures(prefix: str, samples: list[int], seconds: float) -> list[Measurement]:
    cuts = percentiles_us(samples)
    return [
        *(Measurement(f"{prefix}_{name}", value, "us", 1) for name, value in cuts.items()),
        Measurement(f"{prefix}_ops_per_s", len(samples) / seconds, "ops/s"),
    ]


def _raw_operation() -> Callable[[], None]:
    import redis
    from django.conf import settings

    client: Any = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1.0)
    release = client.register_script(_RELEASE_IF_OURS)
    key = f"lock:bench:raw:{uuid.uuid4()}"
    ttl_ms = int(TTL_SECONDS * 1000)

    def take_and_release() -> None:
        token = uuid.uuid4().hex
        if not client.set(key, token, nx=True, px=ttl_ms):
            raise RuntimeError(f"raw lock {key} unexpectedly held")
        if release(keys=[key], args=[token]) != 1:
            raise RuntimeError(f"raw lock {key} was not ours at release")

    return take_and_release


def _kernel_operation() -> Callable[[], None] | None:
    try:
        from consorcio.locks import critical_section
    except ImportError as error:
        print(f"# bench_locks: kernel lock unavailable ({error}); raw floor only", file=sys.stderr)
        return None
    key = f"bench:{uuid.uuid4()}"

    def take_and_release() -> None:
        with critical_section(key, ttl=TTL_SECONDS):
            pass

    return take_and_release


def run(options: BenchOptions | None = None) -> list[Measurement]:
    """Latency percentiles (µs) and throughput of uncontended lock round trips."""
    options = options or BenchOptions()
    setup_django()
    raw_samples, raw_seconds = _sample(_raw_operation(), options.iterations)
    results = _figures("lock_raw_set_nx_release", raw_samples, raw_seconds)
    kernel = _kernel_operation()
    if kernel is not None:
        kernel_samples, kernel_seconds = _sample(kernel, options.iterations)
        results += _figures("lock_critical_section", kernel_samples, kernel_seconds)
        results.append(
            ratio(
                "lock_critical_section_p50_vs_raw",
                percentiles_us(kernel_samples)["p50"],
                percentiles_us(raw_samples)["p50"],
            )
        )
    return results
