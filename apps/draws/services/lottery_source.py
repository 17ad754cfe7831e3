"""Where Loteria Federal extractions come from: an adapter interface and two adapters.

- ``FakeLotterySource``: in memory, for development and tests; ``from_file`` loads a history
  in the JSON (``[{"concurso", "data", "resultado"}]``) or CSV layout of
  ``../shared/fixtures/loteria_federal/`` (or the small sample shipped beside this module).
- ``CaixaLotterySource``: Caixa's results API over HTTP, ``GET {base}/federal/{concurso}``
  (one concurso) and ``GET {base}/federal`` (the latest), base
  ``https://servicebus2.caixa.gov.br/portaldeloterias/api``. Every request goes through the
  kernel's ``JsonHttpClient`` under a ``ResiliencePolicy``: timeout per attempt, overall
  deadline, retries with backoff on 5xx/429/timeouts/dropped connections, and a circuit
  breaker shared through Redis. A 404 (or an empty answer) means the concurso does not
  exist (``ExtractionNotFound``); an answer that is not JSON or lacks the fields we read is
  ``LotteryResultMalformed``.

``build_lottery_source()`` picks one from the settings ``LOTTERY_SOURCE`` (``fake`` |
``caixa``), ``LOTTERY_API_URL``, ``LOTTERY_API_TIMEOUT_SECONDS`` and ``LOTTERY_HISTORY_FILE``
(README "Configuration").
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.draws.services.lottery import (
    Extraction,
    LotteryResultMalformed,
    parse_caixa_result,
    parse_history_csv,
    parse_history_json,
)
from consorcio.errors import DomainError
from consorcio.resilience import (
    CircuitBreaker,
    ExternalRequestRejected,
    ExternalServiceError,
    JsonHttpClient,
    ResiliencePolicy,
)

__all__ = [
    "CAIXA_API_URL",
    "SAMPLE_HISTORY",
    "SERVICE",
    "CaixaLotterySource",
    "ExtractionNotFound",
    "FakeLotterySource",
    "LotterySource",
    "build_lottery_source",
    "caixa_lottery_source",
]

SERVICE = "loteria-federal"
CAIXA_API_URL = "https://servicebus2.caixa.gov.br/portaldeloterias/api"
# The project's own small history in the published JSON layout, for a clone without
# ../shared (invented numbers, except the prizes of DOMAIN.md §3.3).
SAMPLE_HISTORY = Path(__file__).with_name("sample_federal.json")
_SHARED_HISTORY = ("shared", "fixtures", "loteria_federal", "federal_eitchtee.json")


class ExtractionNotFound(DomainError):
    """No extraction with that concurso (or none on or before that date) is known."""

    code: ClassVar[str] = "lottery_extraction_not_found"
    status: ClassVar[int] = 404
    title: ClassVar[str] = "Extração não encontrada"


class LotterySource(Protocol):
    """What the assemblies need from a source of Loteria Federal results."""

    def extraction(self, concurso: int) -> Extraction:
        """The extraction of one concurso; ``ExtractionNotFound`` when there is none."""
        ...

    def latest_on_or_before(self, day: dt.date) -> Extraction:
        """The latest extraction held on or before ``day`` (A6's default extraction)."""
        ...

    def first_after(self, day: dt.date) -> Extraction:
        """The first extraction held after ``day`` (the verifiable draw's, after the close)."""
        ...


class FakeLotterySource:
    """Extractions held in memory (development, tests)."""

    def __init__(self, extractions: Iterable[Extraction]) -> None:
        self._by_concurso = {extraction.concurso: extraction for extraction in extractions}
        # Published dates are not monotonic (fixture README): order by (date, concurso).
        self._by_date = sorted(self._by_concurso.values(), key=lambda e: (e.drawn_on, e.concurso))

    @classmethod
    def from_file(cls, path: str | Path) -> FakeLotterySource:
        """Load a JSON or CSV history (by the file's suffix)."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        parsed = parse_history_csv(text) if path.suffix == ".csv" else parse_history_json(text)
        return cls(parsed)

    def extraction(self, concurso: int) -> Extraction:
        try:
            return self._by_concurso[concurso]
        except KeyError:
            raise _not_found(concurso) from None

    def latest_on_or_before(self, day: dt.date) -> Extraction:
        held = [extraction for extraction in self._by_date if extraction.drawn_on <= day]
        if not held:
            raise ExtractionNotFound(
                f"Nenhuma extração da Loteria Federal até {day:%d/%m/%Y}.",
                extra={"date": day.isoformat()},
            )
        return held[-1]

    def first_after(self, day: dt.date) -> Extraction:
        later = [extraction for extraction in self._by_date if extraction.drawn_on > day]
        if not later:
            raise _none_after(day)
        return later[0]


def _none_after(day: dt.date) -> ExtractionNotFound:
    return ExtractionNotFound(
        f"Ainda não houve extração da Loteria Federal depois de {day:%d/%m/%Y}.",
        extra={"date": day.isoformat()},
    )


def _not_found(concurso: int) -> ExtractionNotFound:
    return ExtractionNotFound(
        f"O concurso {concurso} da Loteria Federal não foi encontrado.",
        extra={"concurso": concurso},
    )


class CaixaLotterySource:
    """Caixa's results API through a resilient JSON client (see the module docstring)."""

    def __init__(self, client: JsonHttpClient, *, max_steps_back: int = 30) -> None:
        self.client = client
        self.max_steps_back = max_steps_back

    def extraction(self, concurso: int) -> Extraction:
        extraction = self._get(f"/federal/{concurso}", concurso=concurso)
        if extraction.concurso != concurso:
            raise LotteryResultMalformed(
                f"Pedido o concurso {concurso}, a Caixa respondeu o {extraction.concurso}."
            )
        return extraction

    def latest(self) -> Extraction:
        """The most recent extraction Caixa publishes."""
        return self._get("/federal", concurso=None)

    def latest_on_or_before(self, day: dt.date) -> Extraction:
        """Walk back from the latest extraction (at most ``max_steps_back`` concursos)."""
        current = self.latest()
        for _ in range(self.max_steps_back):
            if current.drawn_on <= day:
                return current
            previous = current.previous_concurso or current.concurso - 1
            current = self._previous_existing(previous)
        if current.drawn_on <= day:
            return current
        raise ExtractionNotFound(
            f"A extração até {day:%d/%m/%Y} está a mais de {self.max_steps_back} concursos "
            "do último: informe o número do concurso.",
            extra={"date": day.isoformat()},
        )

    def first_after(self, day: dt.date) -> Extraction:
        """Walk back from the latest extraction to the first one held after ``day``."""
        current = self.latest()
        if current.drawn_on <= day:
            raise _none_after(day)
        for _ in range(self.max_steps_back):
            previous = self._previous_existing(current.previous_concurso or current.concurso - 1)
            if previous.drawn_on <= day:
                return current
            current = previous
        raise ExtractionNotFound(
            f"A primeira extração depois de {day:%d/%m/%Y} está a mais de "
            f"{self.max_steps_back} concursos do último: informe o número do concurso.",
            extra={"date": day.isoformat()},
        )

    def _previous_existing(self, concurso: int) -> Extraction:
        """``concurso``, or the first before it that exists (the numbering has gaps)."""
        for candidate in range(concurso, max(concurso - self.max_steps_back, 0), -1):
            try:
                return self.extraction(candidate)
            except ExtractionNotFound:
                continue
        raise _not_found(concurso)

    def _get(self, path: str, *, concurso: int | None) -> Extraction:
        try:
            payload: Any = self.client.get(path)
        except ExternalRequestRejected as refused:
            if refused.status_code == 404 and concurso is not None:
                raise _not_found(concurso) from None
            raise
        except ExternalServiceError as error:
            # The client raises the base class for a 2xx answer whose body is not JSON.
            if error.status_code is not None and 200 <= error.status_code < 300:
                what = f"do concurso {concurso}" if concurso else "do último concurso"
                raise LotteryResultMalformed(
                    f"A resposta da Caixa {what} não é um JSON legível."
                ) from error
            raise
        if payload is None or payload == {}:
            if concurso is None:
                raise LotteryResultMalformed("A Caixa respondeu sem o último concurso.")
            raise _not_found(concurso)
        return parse_caixa_result(payload)


def caixa_lottery_source(
    base_url: str = CAIXA_API_URL,
    *,
    timeout: float = 5.0,
    max_attempts: int = 3,
    deadline: float = 20.0,
    service: str = SERVICE,
    sleep: Callable[[float], None] = time.sleep,
) -> CaixaLotterySource:
    """The real adapter with its resilience policy (``service`` names the breaker)."""
    policy = ResiliencePolicy(
        service,
        timeout=timeout,
        max_attempts=max_attempts,
        deadline=deadline,
        breaker=CircuitBreaker(service, failure_threshold=5, recovery_timeout=60),
        sleep=sleep,
    )
    # Say who asks: Caixa's edge is reported to turn away requests without a User-Agent.
    client = JsonHttpClient(base_url, policy, headers={"User-Agent": "consorcio/1.0"})
    return CaixaLotterySource(client)


def build_lottery_source() -> LotterySource:
    """The adapter the settings choose (``LOTTERY_SOURCE``)."""
    kind = str(getattr(settings, "LOTTERY_SOURCE", "fake"))
    if kind == "caixa":
        return caixa_lottery_source(
            str(getattr(settings, "LOTTERY_API_URL", CAIXA_API_URL)),
            timeout=float(getattr(settings, "LOTTERY_API_TIMEOUT_SECONDS", 5.0)),
        )
    if kind == "fake":
        configured = str(getattr(settings, "LOTTERY_HISTORY_FILE", "") or "")
        if configured:
            return FakeLotterySource.from_file(configured)
        shared = Path(settings.BASE_DIR).parent.joinpath(*_SHARED_HISTORY)
        return FakeLotterySource.from_file(shared if shared.exists() else SAMPLE_HISTORY)
    raise ImproperlyConfigured(f"LOTTERY_SOURCE must be 'fake' or 'caixa', not {kind!r}")
