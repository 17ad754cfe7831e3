"""Retries with backoff and jitter, the overall deadline and the fallback of a policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from consorcio.resilience import (
    ExternalRequestRejected,
    ExternalTimeout,
    ResiliencePolicy,
    TransientExternalError,
    resilient,
)
from tests.kernel.resilience.fakes import FakeClock, FlakyScoreBureau


def policy(name: str, clock: FakeClock, **overrides: object) -> ResiliencePolicy:
    settings: dict[str, object] = {
        "timeout": 1.0,
        "max_attempts": 3,
        "backoff_base": 0.1,
        "backoff_max": 2.0,
        "sleep": clock.sleep,
        "random": lambda: 0.5,
        "clock": clock,
    }
    settings.update(overrides)
    return ResiliencePolicy(name, **settings)  # type: ignore[arg-type]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_flaky_provider_is_retried_with_jittered_backoff_until_it_answers(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(failures=2)

    score = policy(service_name, clock).call(bureau.score_of, "52998224725")

    assert score == 700
    assert bureau.calls == 3
    # Full jitter with random() = 0.5: half of 0.1 and of 0.2.
    assert clock.slept == pytest.approx([0.05, 0.1])
    assert metric("consorcio_external_retries_total", service=service_name) == 2
    assert metric("consorcio_external_calls_total", service=service_name, outcome="success") == 1


def test_provider_slower_than_the_timeout_is_retried_until_it_answers_in_time(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(slow_calls=2, latency=3.0, clock=clock)

    score = policy(service_name, clock, timeout=1.0).call(bureau.score_of, "52998224725")

    assert score == 700
    assert bureau.calls == 3
    assert bureau.timeouts == [1.0, 1.0, 1.0]


def test_provider_always_slower_than_the_timeout_ends_in_a_timeout_error(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(slow_calls=99, latency=3.0, clock=clock)

    with pytest.raises(ExternalTimeout) as raised:
        policy(service_name, clock).call(bureau.score_of, "52998224725")

    assert raised.value.status == 504
    assert raised.value.code == "external_service_timeout"
    assert bureau.calls == 3


def test_exhausted_retries_answer_with_the_fallback_given_the_last_error(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(failures=10)
    seen: list[Exception] = []

    def fallback(error: Exception) -> int:
        seen.append(error)
        return 0

    score = policy(service_name, clock, fallback=fallback).call(bureau.score_of, "11144477735")

    assert score == 0
    assert bureau.calls == 3
    assert len(seen) == 1
    assert isinstance(seen[0], TransientExternalError)
    assert metric("consorcio_external_fallbacks_total", service=service_name) == 1
    assert metric("consorcio_external_calls_total", service=service_name, outcome="failed") == 1


def test_exhausted_retries_without_fallback_raise_the_last_error(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(failures=10)

    with pytest.raises(TransientExternalError) as raised:
        policy(service_name, clock).call(bureau.score_of, "11144477735")

    assert raised.value.code == "external_service_error"
    assert raised.value.status_code == 503
    assert bureau.calls == 3


def test_a_refusal_is_not_retried_nor_replaced_by_the_fallback(
    service_name: str, clock: FakeClock
) -> None:
    calls = []

    def refuse(cpf: str, *, timeout: float) -> int:
        calls.append(cpf)
        raise ExternalRequestRejected(service_name, 404, {"erro": "cpf_nao_encontrado"})

    with pytest.raises(ExternalRequestRejected):
        policy(service_name, clock, fallback=lambda error: 0).call(refuse, "00000000191")

    assert calls == ["00000000191"]
    assert clock.slept == []
    assert metric("consorcio_external_calls_total", service=service_name, outcome="rejected") == 1


def test_the_deadline_bounds_the_whole_call_and_shortens_the_last_attempt(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(slow_calls=99, latency=5.0, clock=clock)
    started = clock.now

    with pytest.raises(ExternalTimeout):
        policy(service_name, clock, max_attempts=5, deadline=2.5).call(bureau.score_of, "1")

    # 1.0 + backoff 0.05 + 1.0 + backoff 0.1 leaves 0.35 s; the next backoff would overrun.
    assert bureau.timeouts == pytest.approx([1.0, 1.0, 0.35])
    assert clock.now - started == pytest.approx(2.5)


def test_decorated_adapter_function_gets_the_timeout_from_the_policy(
    service_name: str, clock: FakeClock
) -> None:
    bureau = FlakyScoreBureau(failures=1)

    @resilient(policy(service_name, clock, timeout=0.75))
    def score_of(cpf: str, *, timeout: float) -> int:
        return bureau.score_of(cpf, timeout=timeout)

    assert score_of("52998224725") == 700
    assert bureau.timeouts == [0.75, 0.75]


@given(retry=st.integers(min_value=1, max_value=30), draw=st.floats(0.0, 0.999999))
def test_backoff_is_full_jitter_under_an_exponential_cap(retry: int, draw: float) -> None:
    clock = FakeClock()
    jittered = policy("backoff", clock, random=lambda: draw)
    cap = min(2.0, 0.1 * 2 ** (retry - 1))

    assert 0.0 <= jittered.backoff(retry) <= cap
    assert policy("backoff", clock, jitter=False).backoff(retry) == pytest.approx(cap)


def test_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        ResiliencePolicy("x", max_attempts=0)
    with pytest.raises(ValueError):
        ResiliencePolicy("x", timeout=0)
