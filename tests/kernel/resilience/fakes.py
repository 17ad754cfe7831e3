"""Fakes of third parties for the resilience tests, behind the interfaces the real ones have.

``ScoreBureau`` is the interface a credit-bureau adapter offers; ``HttpScoreBureau`` is a real
adapter (HTTP through ``JsonHttpClient``) and ``FakeScoreBureau`` its in-memory twin, so the same
contract test runs against both. ``FlakyScoreBureau`` is a deliberately unreliable provider:
it fails its first calls, or answers slower than the timeout it was given.
"""

from __future__ import annotations

from typing import Protocol

from consorcio.resilience import (
    ExternalRequestRejected,
    ExternalTimeout,
    JsonHttpClient,
    TransientExternalError,
)

SERVICE = "score-bureau"


class FakeClock:
    """A clock the policy reads and sleeps on; nothing really waits."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ScoreBureau(Protocol):
    def score_of(self, cpf: str) -> int: ...


class HttpScoreBureau:
    """The real adapter: ``GET /v1/scores?cpf=`` on the bureau's API."""

    def __init__(self, client: JsonHttpClient) -> None:
        self.client = client

    def score_of(self, cpf: str) -> int:
        answer = self.client.get("/v1/scores", params={"cpf": cpf})
        return int(answer["score"])


class FakeScoreBureau:
    """The in-memory twin used in development and in tests of the contexts."""

    def __init__(self, scores: dict[str, int]) -> None:
        self.scores = scores

    def score_of(self, cpf: str) -> int:
        if cpf not in self.scores:
            raise ExternalRequestRejected(SERVICE, 404, {"erro": "cpf_nao_encontrado"})
        return self.scores[cpf]


class FlakyScoreBureau:
    """Fails its first ``failures`` calls with 503; its first ``slow_calls`` take ``latency``.

    A call slower than the timeout it was given raises ``ExternalTimeout``. With a ``clock``,
    a call advances it by the time it took (at most the timeout), so deadlines are exercised
    without waiting.
    """

    def __init__(
        self,
        *,
        failures: int = 0,
        slow_calls: int = 0,
        latency: float = 0.0,
        clock: FakeClock | None = None,
        score: int = 700,
    ) -> None:
        self.failures = failures
        self.slow_calls = slow_calls
        self.latency = latency
        self.clock = clock
        self.score = score
        self.calls = 0
        self.timeouts: list[float] = []

    def score_of(self, cpf: str, *, timeout: float) -> int:
        self.calls += 1
        self.timeouts.append(timeout)
        latency = self.latency if self.calls <= self.slow_calls else 0.0
        if self.clock is not None:
            self.clock.advance(min(latency, timeout))
        if latency > timeout:
            raise ExternalTimeout(SERVICE)
        if self.calls <= self.failures:
            raise TransientExternalError(SERVICE, status_code=503)
        return self.score
