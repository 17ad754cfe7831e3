"""Loteria Federal extractions: the value type, parsers of published results, operator input.

An extraction (*extração*, one *concurso*) has a date and five prizes in prize order (1º to
5º prêmio). A prize is a ticket number 00000-99999 (DOMAIN.md A6): we keep it as its
**5-digit** string (``"48602"``), the form methods B and C slice; results are usually
published as **6-character** zero-padded strings (``"048602"``), which ``Extraction.published``
gives back. Both forms are accepted as input.

Published histories have defects (``../shared/fixtures/loteria_federal/README.md``) that the
parsers honour: ``000000`` means *missing*, not a winning ticket, and becomes ``None``; a number
may repeat inside one extraction (5136); dates are neither increasing nor unique across
concursos; concurso numbers have gaps. So the parsers check each row's shape, never the order
of the rows.

Operator-entered prizes go through ``validate_operator_extraction``, which refuses with
``LotteryPrizesInvalid`` (code ``lottery_prizes_invalid``) carrying one stable code and one
Portuguese message per field; a repeated number or ``00000`` is refused unless confirmed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from consorcio.errors import DomainError

__all__ = [
    "PRIZE_COUNT",
    "Extraction",
    "ExtractionIncomplete",
    "LotteryPrizesInvalid",
    "LotteryResultMalformed",
    "PrizeIssue",
    "normalise_prize",
    "parse_caixa_result",
    "parse_history_csv",
    "parse_history_json",
    "validate_operator_extraction",
]

PRIZE_COUNT = 5
_MISSING = 0  # published "000000": a missing prize in the historical data, not a ticket


@dataclass(frozen=True)
class Extraction:
    """One Loteria Federal extraction: concurso, date and five prizes (5-digit or None)."""

    concurso: int
    drawn_on: dt.date
    prizes: tuple[str | None, ...]
    location: str = ""
    # The concurso the source says came before this one (the API's numeroConcursoAnterior).
    previous_concurso: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.concurso < 1:
            raise ValueError("concurso must be positive")
        if len(self.prizes) != PRIZE_COUNT:
            raise ValueError(f"an extraction has {PRIZE_COUNT} prizes, not {len(self.prizes)}")
        for prize in self.prizes:
            if prize is not None and (len(prize) != 5 or not prize.isdigit()):
                raise ValueError(f"a prize is a 5-digit string, not {prize!r}")

    @property
    def is_complete(self) -> bool:
        """Whether all five prizes are known (historical rows may miss some)."""
        return all(prize is not None for prize in self.prizes)

    @property
    def published(self) -> tuple[str | None, ...]:
        """The prizes as Caixa publishes them: 6 characters, zero-padded."""
        return tuple(None if prize is None else "0" + prize for prize in self.prizes)

    def complete_prizes(self) -> tuple[str, ...]:
        """The five prizes, or ``ExtractionIncomplete`` when one is missing."""
        missing = [index for index, prize in enumerate(self.prizes, start=1) if prize is None]
        if missing:
            raise ExtractionIncomplete(concurso=self.concurso, missing=missing)
        return tuple(prize for prize in self.prizes if prize is not None)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stored with a draw, published with a verifiable draw)."""
        return {
            "concurso": self.concurso,
            "date": self.drawn_on.isoformat(),
            "prizes": list(self.prizes),
            "location": self.location,
        }


class ExtractionIncomplete(DomainError):
    """The extraction lacks a prize the draw needs (a defect of the published data)."""

    code: ClassVar[str] = "lottery_extraction_incomplete"
    title: ClassVar[str] = "Extração incompleta"

    def __init__(self, *, concurso: int, missing: Sequence[int]) -> None:
        ordinals = ", ".join(f"{position}º" for position in missing)
        super().__init__(
            f"O concurso {concurso} da Loteria Federal não tem o {ordinals} prêmio publicado; "
            "use a extração anterior e registre o motivo na ata.",
            extra={"concurso": concurso, "missing_prizes": list(missing)},
        )
        self.concurso = concurso
        self.missing = tuple(missing)


class LotteryResultMalformed(DomainError):
    """A published result (file or API answer) does not have the expected shape."""

    code: ClassVar[str] = "lottery_result_malformed"
    status: ClassVar[int] = 502
    title: ClassVar[str] = "Resultado da Loteria Federal ilegível"


@dataclass(frozen=True)
class PrizeIssue:
    """One problem with an operator's input: the field, a stable code, a Portuguese message."""

    field: str
    code: str
    message: str


class LotteryPrizesInvalid(DomainError):
    """The operator's extraction was refused; ``issues`` says why, field by field."""

    code: ClassVar[str] = "lottery_prizes_invalid"
    title: ClassVar[str] = "Resultado da Loteria Federal inválido"

    def __init__(self, issues: Sequence[PrizeIssue]) -> None:
        errors: dict[str, list[str]] = {}
        codes: dict[str, list[str]] = {}
        for issue in issues:
            errors.setdefault(issue.field, []).append(issue.message)
            codes.setdefault(issue.field, []).append(issue.code)
        super().__init__(
            "Confira o resultado da Loteria Federal informado.",
            extra={"errors": errors, "error_codes": codes},
        )
        self.issues = tuple(issues)


def normalise_prize(raw: str | int) -> str:
    """A ticket number as its 5-digit string: ``"048602"``, ``"48602"``, ``"48.602"``, 48602.

    Raises ``ValueError`` for anything that is not a number from 0 to 99999.
    """
    if isinstance(raw, bool):
        raise ValueError("a prize is a number")
    if isinstance(raw, int):
        number = raw
    else:
        text = raw.strip().replace(".", "")
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            raise ValueError(f"not a ticket number: {raw!r}")
        number = int(text)
    if not 0 <= number <= 99_999:
        raise ValueError(f"a ticket number runs from 00000 to 99999, not {raw!r}")
    return f"{number:05d}"


def _published_prize(raw: Any, *, where: str) -> str | None:
    """A prize of a published result; ``000000`` (a placeholder in the data) becomes None."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise LotteryResultMalformed(f"{where}: prêmio {raw!r} não é um número.")
    try:
        prize = normalise_prize(raw)
    except ValueError:
        raise LotteryResultMalformed(f"{where}: prêmio {raw!r} não é um bilhete válido.") from None
    return None if int(prize) == _MISSING else prize


def _published_prizes(raw: Any, *, where: str) -> tuple[str | None, ...]:
    if not isinstance(raw, list) or len(raw) != PRIZE_COUNT:
        raise LotteryResultMalformed(f"{where}: são esperados {PRIZE_COUNT} prêmios.")
    return tuple(_published_prize(item, where=where) for item in raw)


def _date(raw: Any, *, where: str) -> dt.date:
    """``DD/MM/YYYY`` (Caixa and the JSON history) or ISO ``YYYY-MM-DD`` (the CSV)."""
    if isinstance(raw, str):
        text = raw.strip()
        parts = text.split("/")
        try:
            if len(parts) == 3 and len(parts[2]) == 4:
                return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise LotteryResultMalformed(f"{where}: data {raw!r} ilegível.")


def _concurso(raw: Any, *, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise LotteryResultMalformed(f"{where}: número do concurso ausente.")
    try:
        number = int(raw)
    except ValueError:
        raise LotteryResultMalformed(f"{where}: concurso {raw!r} não é um número.") from None
    if number < 1:
        raise LotteryResultMalformed(f"{where}: concurso {raw!r} inválido.")
    return number


def parse_history_json(raw: str | bytes | Sequence[Mapping[str, Any]]) -> list[Extraction]:
    """A JSON history ``[{"concurso": 1, "data": "DD/MM/YYYY", "resultado": [5 x "0NNNNN"]}]``.

    The rows keep their order; defects are honoured (see the module docstring).
    """
    rows: Any = json.loads(raw) if isinstance(raw, str | bytes) else raw
    if not isinstance(rows, list):
        raise LotteryResultMalformed("O histórico deve ser uma lista de concursos.")
    extractions = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise LotteryResultMalformed(f"Linha {index + 1} do histórico não é um objeto.")
        concurso = _concurso(row.get("concurso"), where=f"Linha {index + 1}")
        where = f"Concurso {concurso}"
        extractions.append(
            Extraction(
                concurso=concurso,
                drawn_on=_date(row.get("data"), where=where),
                prizes=_published_prizes(row.get("resultado"), where=where),
            )
        )
    return extractions


def parse_history_csv(text: str) -> list[Extraction]:
    """A CSV history with columns ``concurso, data_sorteio, premio_1..5[, local_sorteio]``."""
    reader = csv.DictReader(io.StringIO(text))
    extractions = []
    for line, row in enumerate(reader, start=2):
        concurso = _concurso(row.get("concurso"), where=f"Linha {line}")
        where = f"Concurso {concurso}"
        prizes = [row.get(f"premio_{position}") for position in range(1, PRIZE_COUNT + 1)]
        extractions.append(
            Extraction(
                concurso=concurso,
                drawn_on=_date(row.get("data_sorteio"), where=where),
                prizes=_published_prizes(prizes, where=where),
                location=(row.get("local_sorteio") or "").strip(),
            )
        )
    return extractions


def parse_caixa_result(payload: Any) -> Extraction:
    """An answer of Caixa's results API (``/portaldeloterias/api/federal/{concurso}``).

    Fields used: ``numero``, ``dataApuracao`` (DD/MM/YYYY), ``dezenasSorteadasOrdemSorteio``
    (five 6-character strings in prize order; ``listaDezenas`` holds the same for the
    Federal and is read when the first is absent), ``nomeMunicipioUFSorteio`` and
    ``numeroConcursoAnterior``.
    """
    if not isinstance(payload, Mapping):
        raise LotteryResultMalformed("A resposta da Caixa não é um objeto JSON.")
    concurso = _concurso(payload.get("numero"), where="Resposta da Caixa")
    where = f"Concurso {concurso}"
    numbers = payload.get("dezenasSorteadasOrdemSorteio") or payload.get("listaDezenas")
    if numbers is None:
        raise LotteryResultMalformed(f"{where}: a resposta não traz os prêmios sorteados.")
    previous = payload.get("numeroConcursoAnterior")
    location = payload.get("nomeMunicipioUFSorteio")
    return Extraction(
        concurso=concurso,
        drawn_on=_date(payload.get("dataApuracao"), where=where),
        prizes=_published_prizes(numbers, where=where),
        location=location.strip() if isinstance(location, str) else "",
        previous_concurso=previous if isinstance(previous, int) and previous > 0 else None,
    )


# --- Operator input -----------------------------------------------------------------------


def validate_operator_extraction(
    *,
    concurso: str | int | None,
    drawn_on: dt.date | None,
    prizes: Sequence[str | int | None],
    today: dt.date,
    confirm_unusual: bool = False,
) -> Extraction:
    """Check an extraction typed by an operator; every problem is reported at once.

    Fields: ``concurso``, ``drawn_on``, ``prize_1`` … ``prize_5``. Codes: ``required``,
    ``invalid_concurso``, ``date_in_future``, ``invalid_prize`` (not a number 00000-99999),
    ``wrong_prize_count``, and, unless ``confirm_unusual``: ``prize_zero`` (00000 marks a
    missing prize in published data) and ``prize_repeated`` (the same number twice, which
    published data has only as a defect).
    """
    issues: list[PrizeIssue] = []
    number = _operator_concurso(concurso, issues)
    if drawn_on is None:
        issues.append(PrizeIssue("drawn_on", "required", "Informe a data da extração."))
    elif drawn_on > today:
        issues.append(
            PrizeIssue(
                "drawn_on",
                "date_in_future",
                f"A data {drawn_on:%d/%m/%Y} ainda não chegou: a extração não aconteceu.",
            )
        )
    if len(prizes) != PRIZE_COUNT:
        issues.append(
            PrizeIssue(
                "prizes",
                "wrong_prize_count",
                f"Informe os {PRIZE_COUNT} prêmios; foram informados {len(prizes)}.",
            )
        )
    normalised = [_operator_prize(position, raw, issues) for position, raw in _numbered(prizes)]
    if not confirm_unusual:
        issues.extend(_unusual_prizes(normalised))
    if issues:
        raise LotteryPrizesInvalid(issues)
    # No issue means both are present.
    assert number is not None
    assert drawn_on is not None
    return Extraction(concurso=number, drawn_on=drawn_on, prizes=tuple(normalised))


def _numbered(prizes: Sequence[str | int | None]) -> Iterable[tuple[int, str | int | None]]:
    return enumerate(prizes[:PRIZE_COUNT], start=1)


def _operator_concurso(raw: str | int | None, issues: list[PrizeIssue]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        issues.append(PrizeIssue("concurso", "required", "Informe o número do concurso."))
        return None
    try:
        number = int(str(raw).strip().replace(".", ""))
    except ValueError:
        number = 0
    if number < 1:
        issues.append(PrizeIssue("concurso", "invalid_concurso", f"Concurso «{raw}» inválido."))
        return None
    return number


def _operator_prize(position: int, raw: str | int | None, issues: list[PrizeIssue]) -> str | None:
    name = f"prize_{position}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        issues.append(PrizeIssue(name, "required", f"Informe o {position}º prêmio."))
        return None
    try:
        return normalise_prize(raw)
    except ValueError:
        issues.append(
            PrizeIssue(
                name,
                "invalid_prize",
                f"O {position}º prêmio «{raw}» não é um bilhete válido (00000 a 99999).",
            )
        )
        return None


def _unusual_prizes(prizes: Sequence[str | None]) -> list[PrizeIssue]:
    issues = []
    seen: dict[str, int] = {}
    for position, prize in enumerate(prizes, start=1):
        if prize is None:
            continue
        name = f"prize_{position}"
        if int(prize) == _MISSING:
            issues.append(
                PrizeIssue(
                    name,
                    "prize_zero",
                    f"O {position}º prêmio 00000 costuma indicar prêmio não publicado; "
                    "confira o resultado oficial e confirme.",
                )
            )
        if prize in seen:
            issues.append(
                PrizeIssue(
                    name,
                    "prize_repeated",
                    f"O {position}º prêmio repete o {seen[prize]}º ({prize}); "
                    "confira o resultado oficial e confirme.",
                )
            )
        else:
            seen[prize] = position
    return issues
