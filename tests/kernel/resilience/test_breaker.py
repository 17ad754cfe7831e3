"""The circuit breaker: opens at the threshold, shared through Redis, recovers half-open."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
from prometheus_client import REGISTRY
from redis.backoff import NoBackoff
from redis.retry import Retry

from consorcio.errors import problem_exception_handler
from consorcio.resilience import (
    BreakerSnapshot,
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    ResiliencePolicy,
    TransientExternalError,
)
from tests.kernel.resilience.fakes import FakeClock, FlakyScoreBureau

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def guarded(
    name: str, clock: FakeClock, breaker: CircuitBreaker, **overrides: object
) -> ResiliencePolicy:
    """One attempt per call, so each failing call is one breaker failure."""
    settings: dict[str, object] = {
        "max_attempts": 1,
        "breaker": breaker,
        "sleep": clock.sleep,
        "clock": clock,
    }
    settings.update(overrides)
    return ResiliencePolicy(name, **settings)  # type: ignore[arg-type]


def fail_times(policy: ResiliencePolicy, bureau: FlakyScoreBureau, times: int) -> None:
    for _ in range(times):
        with pytest.raises(TransientExternalError):
            policy.call(bureau.score_of, "11144477735")


@pytest.mark.embedded
def test_breaker_opens_after_the_threshold_and_then_refuses_without_calling(
    service_name: str, clock: FakeClock
) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=3, recovery_timeout=30, clock=clock)
    bureau = FlakyScoreBureau(failures=99)
    policy = guarded(service_name, clock, breaker)
    fail_times(policy, bureau, 3)

    with pytest.raises(CircuitOpen) as refused:
        policy.call(bureau.score_of, "11144477735")

    assert bureau.calls == 3
    assert refused.value.code == "external_service_unavailable"
    assert refused.value.status == 503
    assert service_name in refused.value.detail
    assert refused.value.retry_after == pytest.approx(30)
    snapshot = breaker.snapshot()
    assert (snapshot.state, snapshot.shared) == (BreakerState.OPEN, True)
    state = REGISTRY.get_sample_value("consorcio_external_circuit_state", {"service": service_name})
    assert state == 2


def test_open_breaker_answers_with_the_fallback(service_name: str, clock: FakeClock) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=1, recovery_timeout=30, clock=clock)
    bureau = FlakyScoreBureau(failures=99)
    seen: list[Exception] = []

    def fallback(error: Exception) -> int:
        seen.append(error)
        return -1

    policy = guarded(service_name, clock, breaker, fallback=fallback)

    assert policy.call(bureau.score_of, "1") == -1  # the failure itself, then the breaker
    assert policy.call(bureau.score_of, "1") == -1

    assert bureau.calls == 1
    assert isinstance(seen[0], TransientExternalError)
    assert isinstance(seen[1], CircuitOpen)


def test_a_success_resets_the_count_of_consecutive_failures(
    service_name: str, clock: FakeClock
) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=3, recovery_timeout=30, clock=clock)
    policy = guarded(service_name, clock, breaker)
    fail_times(policy, FlakyScoreBureau(failures=99), 2)
    assert policy.call(FlakyScoreBureau().score_of, "1") == 700

    fail_times(policy, FlakyScoreBureau(failures=99), 2)

    assert breaker.snapshot().state is BreakerState.CLOSED
    assert breaker.snapshot().failures == 2


def test_after_the_recovery_timeout_a_successful_trial_closes_the_breaker(
    service_name: str, clock: FakeClock
) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=2, recovery_timeout=30, clock=clock)
    policy = guarded(service_name, clock, breaker)
    fail_times(policy, FlakyScoreBureau(failures=99), 2)
    clock.advance(29)
    with pytest.raises(CircuitOpen):
        policy.call(FlakyScoreBureau().score_of, "1")

    clock.advance(1)
    healthy = FlakyScoreBureau()

    assert policy.call(healthy.score_of, "1") == 700
    assert policy.call(healthy.score_of, "1") == 700
    assert healthy.calls == 2
    assert breaker.snapshot() == BreakerSnapshot(BreakerState.CLOSED, 0, None, shared=True)


def test_a_failed_trial_opens_the_breaker_for_another_recovery_period(
    service_name: str, clock: FakeClock
) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=2, recovery_timeout=30, clock=clock)
    policy = guarded(service_name, clock, breaker)
    still_down = FlakyScoreBureau(failures=99)
    fail_times(policy, still_down, 2)
    clock.advance(30)

    fail_times(policy, still_down, 1)  # the trial

    assert still_down.calls == 3
    assert breaker.snapshot().state is BreakerState.OPEN
    assert breaker.snapshot().opened_at == clock.now
    with pytest.raises(CircuitOpen):
        policy.call(still_down.score_of, "1")
    assert still_down.calls == 3


def test_half_open_lets_one_trial_through_at_a_time(service_name: str, clock: FakeClock) -> None:
    breaker = CircuitBreaker(service_name, failure_threshold=1, recovery_timeout=30, clock=clock)
    policy = guarded(service_name, clock, breaker)
    fail_times(policy, FlakyScoreBureau(failures=99), 1)
    clock.advance(30)
    concurrent: list[str] = []

    def trial(cpf: str, *, timeout: float) -> int:
        # Another caller arrives while the trial is still running.
        try:
            policy.call(FlakyScoreBureau().score_of, cpf)
            concurrent.append("let through")
        except CircuitOpen:
            concurrent.append("refused")
        return 700

    assert policy.call(trial, "1") == 700
    assert concurrent == ["refused"]
    assert breaker.snapshot().state is BreakerState.CLOSED


def test_breakers_with_the_same_name_share_state_through_redis(
    service_name: str, clock: FakeClock
) -> None:
    web = CircuitBreaker(service_name, failure_threshold=2, recovery_timeout=30, clock=clock)
    worker = CircuitBreaker(service_name, failure_threshold=2, recovery_timeout=30, clock=clock)

    web.record_failure()
    worker.record_failure()

    assert web.snapshot().state is worker.snapshot().state is BreakerState.OPEN
    assert not web.allow()


@pytest.mark.slow
def test_a_breaker_opened_by_two_processes_is_open_for_both(service_name: str) -> None:
    """Failures of this process and of another add up; each then sees the breaker open."""
    breaker = CircuitBreaker(service_name, failure_threshold=3, recovery_timeout=60)
    policy = ResiliencePolicy(service_name, max_attempts=1, breaker=breaker)
    fail_times(policy, FlakyScoreBureau(failures=99), 2)
    other_process = textwrap.dedent(
        """
        import sys
        import django
        django.setup()
        from consorcio.resilience import CircuitBreaker, CircuitOpen, ResiliencePolicy
        from consorcio.resilience import TransientExternalError

        name = sys.argv[1]
        breaker = CircuitBreaker(name, failure_threshold=3, recovery_timeout=60)
        policy = ResiliencePolicy(name, max_attempts=1, breaker=breaker)
        calls = []
        def failing(cpf, *, timeout):
            calls.append(cpf)
            raise TransientExternalError(name, status_code=503)
        for _ in range(2):
            try:
                policy.call(failing, "11144477735")
            except CircuitOpen:
                print("refused")
            except TransientExternalError:
                print("failed")
        print("calls", len(calls), "state", breaker.snapshot().state.value)
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", other_process, service_name],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["failed", "refused", "calls", "1", "state", "open"]
    bureau = FlakyScoreBureau()
    with pytest.raises(CircuitOpen):
        policy.call(bureau.score_of, "52998224725")
    assert bureau.calls == 0


def test_with_redis_down_the_breaker_keeps_working_per_process(
    service_name: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    unreachable = redis.Redis(
        host="127.0.0.1",
        port=dead_port,
        socket_timeout=0.2,
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    breaker = CircuitBreaker(
        service_name,
        failure_threshold=2,
        recovery_timeout=30,
        redis_client=unreachable,
        clock=clock,
    )
    policy = guarded(service_name, clock, breaker)
    healthy = FlakyScoreBureau()

    assert policy.call(healthy.score_of, "1") == 700
    fail_times(policy, FlakyScoreBureau(failures=99), 2)
    with pytest.raises(CircuitOpen):
        policy.call(healthy.score_of, "1")

    assert healthy.calls == 1
    snapshot = breaker.snapshot()
    assert (snapshot.state, snapshot.shared) == (BreakerState.OPEN, False)
    assert any("circuit_breaker_redis_unavailable" in str(r.msg) for r in caplog.records)
    breaker.reset()


def test_circuit_open_reaching_the_api_answers_503_with_retry_after() -> None:
    response = problem_exception_handler(CircuitOpen("score-bureau", retry_after=12.2), {})

    assert response.status_code == 503
    assert response["Retry-After"] == "13"
    assert b'"code": "external_service_unavailable"' in response.content
