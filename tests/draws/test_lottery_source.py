"""Lottery sources: the fake serving a history, and Caixa's API against recorded answers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.draws.services.lottery import LotteryResultMalformed
from apps.draws.services.lottery_source import (
    SAMPLE_HISTORY,
    CaixaLotterySource,
    ExtractionNotFound,
    FakeLotterySource,
    LotterySource,
    build_lottery_source,
    caixa_lottery_source,
)
from consorcio.resilience import (
    CircuitOpen,
    ExternalServiceUnavailable,
    ExternalTimeout,
    default_redis_client,
)
from tests.support.replay_server import ReplayServer

RECORDING = Path(__file__).parent / "replays" / "caixa_federal.json"
API = "/portaldeloterias/api"
StartServer = Callable[[Any], ReplayServer]


def no_wait(seconds: float) -> None:
    """Backoff without waiting."""


@pytest.fixture
def service_name() -> Iterator[str]:
    """A breaker name of this test only (the breaker's state lives in Redis)."""
    name = f"test-loteria-{uuid.uuid4().hex[:12]}"
    yield name
    default_redis_client().delete(f"cb:{name}:state")


@pytest.fixture
def caixa(replay_server: StartServer, service_name: str) -> tuple[CaixaLotterySource, ReplayServer]:
    server = replay_server(RECORDING)
    source = caixa_lottery_source(
        server.url + API, timeout=0.3, max_attempts=3, service=service_name, sleep=no_wait
    )
    return source, server


def test_caixa_answer_is_the_extraction_with_its_prizes(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    extraction = source.extraction(6092)

    assert extraction.published == ("052745", "069744", "053467", "064337", "004461")
    assert extraction.drawn_on == dt.date(2026, 8, 16)
    assert server.count("GET", f"{API}/federal/6092") == 1
    assert server.requests[0].headers["Accept"] == "application/json"


def test_an_absent_concurso_is_not_found_and_not_retried(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    with pytest.raises(ExtractionNotFound) as refused:
        source.extraction(9999)

    assert refused.value.code == "lottery_extraction_not_found"
    assert refused.value.detail == "O concurso 9999 da Loteria Federal não foi encontrado."
    assert server.count("GET", f"{API}/federal/9999") == 1


def test_a_503_is_retried_and_the_next_answer_used(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    assert source.extraction(6091).prizes[2] == "00091"
    assert server.count("GET", f"{API}/federal/6091") == 2


def test_an_answer_slower_than_the_timeout_is_retried(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    assert source.extraction(6090).concurso == 6090
    assert server.count("GET", f"{API}/federal/6090") == 2


def test_a_provider_that_never_answers_in_time_fails_with_a_timeout(
    replay_server: StartServer, service_name: str
) -> None:
    server = replay_server(RECORDING)
    source = caixa_lottery_source(
        server.url + API, timeout=0.2, max_attempts=2, service=service_name, sleep=no_wait
    )
    slow = next(e for e in server.exchanges if e.path.endswith("/6090"))
    server.exchanges[:] = [slow]  # only the slow answer, repeated

    with pytest.raises(ExternalTimeout):
        source.extraction(6090)
    assert server.count("GET", f"{API}/federal/6090") == 2


def test_a_body_that_is_not_json_is_a_clear_error(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    with pytest.raises(LotteryResultMalformed) as refused:
        source.extraction(6089)

    assert refused.value.detail == "A resposta da Caixa do concurso 6089 não é um JSON legível."
    assert refused.value.status == 502
    assert server.count("GET", f"{API}/federal/6089") == 1


def test_json_without_the_five_prizes_is_a_clear_error(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, _ = caixa

    with pytest.raises(LotteryResultMalformed, match="Concurso 6088: são esperados 5 prêmios"):
        source.extraction(6088)


def test_latest_on_or_before_walks_back_from_the_latest(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, server = caixa

    extraction = source.latest_on_or_before(dt.date(2026, 8, 17))

    assert extraction.concurso == 6092
    assert server.count("GET", f"{API}/federal") == 1


def test_first_after_a_close_is_the_extraction_following_it(
    caixa: tuple[CaixaLotterySource, ReplayServer],
) -> None:
    source, _ = caixa

    assert source.first_after(dt.date(2026, 8, 12)).concurso == 6092
    assert source.first_after(dt.date(2026, 8, 18)).concurso == 6093
    with pytest.raises(ExtractionNotFound, match="19/08/2026"):
        source.first_after(dt.date(2026, 8, 19))


def test_repeated_failures_open_the_breaker(replay_server: StartServer, service_name: str) -> None:
    server = replay_server([])
    server.stop()  # nobody listens any more
    source = caixa_lottery_source(
        server.url + API, timeout=0.2, max_attempts=5, service=service_name, sleep=no_wait
    )

    with pytest.raises(ExternalServiceUnavailable):
        source.extraction(6092)  # five attempts, five failures: the breaker's threshold
    with pytest.raises(CircuitOpen) as refused:
        source.extraction(6092)  # not attempted at all
    assert refused.value.code == "external_service_unavailable"


# --- The same contract for the fake and the real adapter -----------------------------------


@pytest.fixture(params=["fake", "caixa"])
def source(
    request: pytest.FixtureRequest, replay_server: StartServer, service_name: str
) -> LotterySource:
    if request.param == "fake":
        return FakeLotterySource.from_file(SAMPLE_HISTORY)
    server = replay_server(RECORDING)
    return caixa_lottery_source(server.url + API, timeout=0.3, service=service_name, sleep=no_wait)


def test_contract_an_unknown_concurso_is_not_found(source: LotterySource) -> None:
    with pytest.raises(ExtractionNotFound):
        source.extraction(9999)


def test_contract_a_known_concurso_has_five_prizes(source: LotterySource) -> None:
    concurso = 9001 if isinstance(source, FakeLotterySource) else 6092
    assert source.extraction(concurso).is_complete


# --- The fake and the setting --------------------------------------------------------------


def test_fake_serves_the_latest_extraction_on_or_before_a_date() -> None:
    source = FakeLotterySource.from_file(SAMPLE_HISTORY)

    assert source.latest_on_or_before(dt.date(2026, 10, 13)).concurso == 9002
    assert source.latest_on_or_before(dt.date(2026, 10, 14)).concurso == 9003
    with pytest.raises(ExtractionNotFound, match="06/10/2026"):
        source.latest_on_or_before(dt.date(2026, 10, 6))
    assert source.first_after(dt.date(2026, 10, 10)).concurso == 9003
    with pytest.raises(ExtractionNotFound):
        source.first_after(dt.date(2026, 10, 17))


def test_fake_serves_the_shared_history_with_its_defects(federal_fixtures: Path) -> None:
    source = FakeLotterySource.from_file(federal_fixtures / "federal_eitchtee.json")

    assert source.latest_on_or_before(dt.date(2026, 8, 18)).concurso == 6092
    assert not source.extraction(382).is_complete


def test_the_setting_chooses_the_adapter(settings: Any, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "concurso,data_sorteio,premio_1,premio_2,premio_3,premio_4,premio_5\n"
        "12,2026-01-03,011111,022222,033333,044444,055555\n"
    )
    settings.LOTTERY_SOURCE, settings.LOTTERY_HISTORY_FILE = "fake", str(history)
    assert build_lottery_source().extraction(12).prizes[0] == "11111"

    settings.LOTTERY_SOURCE = "caixa"
    assert isinstance(build_lottery_source(), CaixaLotterySource)

    settings.LOTTERY_SOURCE = "globo"
    with pytest.raises(ImproperlyConfigured):
        build_lottery_source()
