"""Loteria Federal extractions: the published history parses with its documented defects,
and operator-typed prizes are checked field by field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from apps.draws.services.lottery import (
    Extraction,
    ExtractionIncomplete,
    LotteryPrizesInvalid,
    LotteryResultMalformed,
    normalise_prize,
    parse_caixa_result,
    parse_history_csv,
    parse_history_json,
    validate_operator_extraction,
)

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def history(federal_fixtures: Path) -> dict[int, Extraction]:
    text = (federal_fixtures / "federal_eitchtee.json").read_text(encoding="utf-8")
    return {extraction.concurso: extraction for extraction in parse_history_json(text)}


# --- The published history (../shared/fixtures/loteria_federal) ---------------------------


def test_every_extraction_of_the_history_parses(history: dict[int, Extraction]) -> None:
    assert len(history) == 6075
    assert history[1] == Extraction(
        1, dt.date(1962, 9, 15), ("05349", "38031", "26492", "25151", "01416")
    )
    assert history[5000].published == ("072729", "067611", "060074", "092742", "021683")
    assert history[6093].drawn_on == dt.date(2026, 8, 19)


def test_000000_is_a_missing_prize_not_ticket_zero(history: dict[int, Extraction]) -> None:
    # Fixture README: all five missing in 8 draws, only the 1st present in 16, the 5th
    # missing in 377: 25 incomplete draws; a draw needing a missing prize must refuse.
    incomplete = sorted(c for c, e in history.items() if not e.is_complete)
    assert len(incomplete) == 25
    assert history[382].prizes == (None,) * 5
    assert history[2871].prizes[0] is not None
    assert history[2871].prizes[1:] == (None,) * 4
    assert history[377].prizes[4] is None
    with pytest.raises(ExtractionIncomplete) as refused:
        history[377].complete_prizes()
    assert refused.value.code == "lottery_extraction_incomplete"
    assert "5º prêmio" in refused.value.detail


def test_a_repeated_number_in_one_extraction_is_kept_as_published(
    history: dict[int, Extraction],
) -> None:
    # 5136 has 032674 as 3rd and 4th prize: a defect of the data we record, not correct.
    assert history[5136].prizes[2] == history[5136].prizes[3] == "32674"


def test_concurso_gaps_and_out_of_order_dates_are_accepted(history: dict[int, Extraction]) -> None:
    # Fixture README: 5367-5375 and 5490-5498 are absent; 2482 is dated 1980 among 1988 draws.
    assert not {*range(5367, 5376), *range(5490, 5499)} & history.keys()
    assert history[2482].drawn_on < history[2481].drawn_on


def test_the_highest_ticket_ever_drawn_has_five_digits(history: dict[int, Extraction]) -> None:
    highest = max(p for e in history.values() for p in e.prizes if p is not None)
    assert highest == "99963"


def test_the_csv_of_the_last_100_agrees_with_the_json(
    federal_fixtures: Path, history: dict[int, Extraction]
) -> None:
    text = (federal_fixtures / "federal_last100_with_prizes.csv").read_text(encoding="utf-8")

    rows = parse_history_csv(text)

    assert len(rows) == 100
    for row in rows:
        published = history[row.concurso]
        assert (row.drawn_on, row.prizes) == (published.drawn_on, published.prizes)
    assert rows[-1].concurso == 6092
    assert rows[-1].location == "SAO PAULO, SP"
    assert rows[-1].published == ("052745", "069744", "053467", "064337", "004461")


@pytest.mark.parametrize("date", ["31/02/2026", "2026-13-01", "16-08-2026", ""])
def test_an_impossible_date_is_refused(date: str) -> None:
    row = {"concurso": 7, "data": date, "resultado": ["000001"] * 5}

    with pytest.raises(LotteryResultMalformed, match="Concurso 7: data"):
        parse_history_json([row])


def test_a_history_row_without_prizes_is_refused_with_its_concurso() -> None:
    with pytest.raises(LotteryResultMalformed, match="Concurso 7"):
        parse_history_json(json.dumps([{"concurso": 7, "data": "01/01/1963", "resultado": []}]))


# --- Caixa's API answer shape --------------------------------------------------------------


def test_a_caixa_answer_gives_concurso_date_prizes_and_location() -> None:
    answer = json.loads((Path(__file__).parent / "replays" / "caixa_federal.json").read_text())
    payload = answer["exchanges"][0]["body"]

    extraction = parse_caixa_result(payload)

    assert extraction.concurso == 6092
    assert extraction.drawn_on == dt.date(2026, 8, 16)
    assert extraction.prizes == ("52745", "69744", "53467", "64337", "04461")
    assert extraction.previous_concurso == 6091


def test_a_caixa_answer_without_prizes_is_malformed() -> None:
    with pytest.raises(LotteryResultMalformed, match="prêmios") as refused:
        parse_caixa_result({"numero": 6092, "dataApuracao": "16/08/2026"})
    assert refused.value.code == "lottery_result_malformed"


# --- Operator input ------------------------------------------------------------------------


def test_operator_prizes_in_five_or_six_digits_give_the_extraction() -> None:
    extraction = validate_operator_extraction(
        concurso="6.092",
        drawn_on=dt.date(2026, 8, 16),
        prizes=["052745", "69744", "53.467", 64337, " 04461 "],
        today=TODAY,
    )

    assert extraction.concurso == 6092
    assert extraction.prizes == ("52745", "69744", "53467", "64337", "04461")


def test_operator_errors_are_reported_all_at_once_with_stable_codes() -> None:
    with pytest.raises(LotteryPrizesInvalid) as refused:
        validate_operator_extraction(
            concurso="",
            drawn_on=dt.date(2026, 11, 26),
            prizes=["148602", "", "12a45", "00001", "2"],
            today=TODAY,
        )

    error = refused.value
    assert error.code == "lottery_prizes_invalid"
    assert error.extra["error_codes"] == {
        "concurso": ["required"],
        "drawn_on": ["date_in_future"],
        "prize_1": ["invalid_prize"],
        "prize_2": ["required"],
        "prize_3": ["invalid_prize"],
    }
    assert error.extra["errors"]["prize_1"] == [
        "O 1º prêmio «148602» não é um bilhete válido (00000 a 99999)."
    ]
    assert error.extra["errors"]["drawn_on"] == [
        "A data 26/11/2026 ainda não chegou: a extração não aconteceu."
    ]


def test_a_repeated_prize_or_00000_needs_the_operators_confirmation() -> None:
    prizes = ["49513", "10418", "32674", "032674", "00000"]
    with pytest.raises(LotteryPrizesInvalid) as refused:
        validate_operator_extraction(
            concurso=5136, drawn_on=dt.date(2016, 12, 14), prizes=prizes, today=TODAY
        )
    assert refused.value.extra["error_codes"] == {
        "prize_4": ["prize_repeated"],
        "prize_5": ["prize_zero"],
    }

    confirmed = validate_operator_extraction(
        concurso=5136,
        drawn_on=dt.date(2016, 12, 14),
        prizes=prizes,
        today=TODAY,
        confirm_unusual=True,
    )
    assert confirmed.prizes[3:] == ("32674", "00000")


def test_four_prizes_are_not_an_extraction() -> None:
    with pytest.raises(LotteryPrizesInvalid) as refused:
        validate_operator_extraction(
            concurso=1, drawn_on=dt.date(2020, 1, 1), prizes=["1", "2", "3", "4"], today=TODAY
        )
    assert refused.value.extra["error_codes"] == {"prizes": ["wrong_prize_count"]}


@pytest.mark.parametrize("raw", ["-1", "100000", "", "1e3", True])
def test_a_prize_is_a_ticket_from_00000_to_99999(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_prize(raw)
