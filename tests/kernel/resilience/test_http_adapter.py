"""A real HTTP adapter against a local server replaying a credit bureau's recorded answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from consorcio.resilience import (
    CircuitBreaker,
    ExternalRequestRejected,
    ExternalServiceUnavailable,
    JsonHttpClient,
    ResiliencePolicy,
    TransientExternalError,
)
from tests.kernel.resilience.fakes import FakeScoreBureau, HttpScoreBureau, ScoreBureau
from tests.support.replay_server import Exchange, ReplayServer

RECORDING = Path(__file__).parent / "recordings" / "score_bureau.json"
StartServer = Callable[[Any], ReplayServer]


def no_wait(seconds: float) -> None:
    """Backoff without waiting: the policy's arithmetic is tested elsewhere."""


def bureau_client(server: ReplayServer, name: str, **overrides: Any) -> JsonHttpClient:
    settings: dict[str, Any] = {"timeout": 2.0, "max_attempts": 3, "sleep": no_wait}
    settings.update(overrides)
    return JsonHttpClient(server.url, ResiliencePolicy(name, **settings))


def test_recorded_answer_is_decoded(replay_server: StartServer, service_name: str) -> None:
    server = replay_server(RECORDING)

    answer = bureau_client(server, service_name).get("/v1/scores", params={"cpf": "52998224725"})

    assert answer["score"] == 742
    assert answer["faixa"] == "B"
    assert server.count("GET", "/v1/scores") == 1
    assert server.requests[0].headers["Accept"] == "application/json"


def test_a_503_is_retried_and_the_next_answer_used(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server(RECORDING)

    answer = bureau_client(server, service_name).get("/v1/scores", params={"cpf": "11144477735"})

    assert answer["score"] == 615
    assert server.count("GET", "/v1/scores") == 2


def test_a_dropped_connection_is_retried(replay_server: StartServer, service_name: str) -> None:
    server = replay_server(RECORDING)

    answer = bureau_client(server, service_name).get("/v1/scores", params={"cpf": "39053344705"})

    assert answer["score"] == 811
    assert server.count("GET", "/v1/scores") == 2


def test_an_answer_slower_than_the_timeout_is_retried_then_the_fallback_answers(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server(RECORDING)
    pending = {"score": None, "situacao": "consulta pendente"}
    client = bureau_client(
        server, service_name, timeout=0.2, max_attempts=2, fallback=lambda error: pending
    )

    answer = client.get("/v1/scores", params={"cpf": "12345678909"})

    assert answer == pending
    assert server.count("GET", "/v1/scores") == 2


def test_a_404_is_not_retried_and_carries_the_providers_answer(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server(RECORDING)
    client = bureau_client(server, service_name, fallback=lambda error: {"score": 0})

    with pytest.raises(ExternalRequestRejected) as refused:
        client.get("/v1/scores", params={"cpf": "00000000191"})

    assert refused.value.status_code == 404
    assert refused.value.body == {
        "erro": "cpf_nao_encontrado",
        "mensagem": "CPF sem registro no bureau.",
    }
    assert server.count("GET", "/v1/scores") == 1


def test_a_post_with_an_idempotency_key_sends_it_and_the_json_body(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server(RECORDING)
    client = bureau_client(server, service_name)

    answer = client.post(
        "/v1/consultas", json={"cpf": "52998224725"}, idempotency_key="consulta-0001"
    )

    assert answer == {"protocolo": "CNS-2024-000123", "situacao": "recebida"}
    received = server.requests[0]
    assert received.headers["Idempotency-Key"] == "consulta-0001"
    assert received.json() == {"cpf": "52998224725"}


def test_a_post_without_an_idempotency_key_is_never_sent_twice(
    replay_server: StartServer, service_name: str
) -> None:
    unstable = Exchange("POST", "/v1/consultas", status=503, body={"erro": "instável"})
    server = replay_server([unstable, Exchange("POST", "/v1/consultas", status=201, body={})])

    with pytest.raises(TransientExternalError):
        bureau_client(server, service_name).post("/v1/consultas", json={"cpf": "1"})

    assert server.count("POST", "/v1/consultas") == 1


def test_an_unreachable_provider_opens_the_breaker(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server([])
    server.stop()  # nobody listens on its port any more
    breaker = CircuitBreaker(service_name, failure_threshold=2, recovery_timeout=30)
    client = bureau_client(server, service_name, max_attempts=2, breaker=breaker)

    with pytest.raises(ExternalServiceUnavailable):
        client.get("/v1/scores", params={"cpf": "52998224725"})

    assert not breaker.allow()


@pytest.fixture(params=["fake", "http"])
def bureau(request: pytest.FixtureRequest, replay_server: StartServer) -> ScoreBureau:
    """The same bureau, in-memory and over HTTP against the recorded answers."""
    if request.param == "fake":
        return FakeScoreBureau({"52998224725": 742})
    server = replay_server(RECORDING)
    return HttpScoreBureau(bureau_client(server, "score-bureau-contract"))


def test_contract_known_cpf_has_its_score(bureau: ScoreBureau) -> None:
    assert bureau.score_of("52998224725") == 742


def test_contract_unknown_cpf_is_refused_with_404(bureau: ScoreBureau) -> None:
    with pytest.raises(ExternalRequestRejected) as refused:
        bureau.score_of("00000000191")

    assert refused.value.status_code == 404
