"""Broken return files (real ones, corrupted here) are refused whole, line by line, in Portuguese.

A file with any broken line returns nothing: ``parse_return_file`` raises with the full list
of errors, so no settlement of a rejected file can be half-applied.
"""

from __future__ import annotations

import pytest

from apps.finance.services.cnab import (
    ReturnFileRejected,
    UnsupportedReturnFile,
    parse_return_file,
    validate_return_file,
)
from tests.finance.payment_code_fixtures import require_fixtures


def _lines(*parts: str) -> tuple[list[str], str]:
    data = require_fixtures("cnab", *parts).read_bytes().decode("latin-1")
    eol = "\r\n" if "\r\n" in data else "\n"
    return data.split(eol)[:-1], eol


def _bytes(lines: list[str], eol: str) -> bytes:
    return "".join(line + eol for line in lines).encode("latin-1")


def _put(line: str, start: int, value: str) -> str:
    """``value`` written at 1-based ``start`` (the line padded first if it was trimmed)."""
    line = line.ljust(start - 1 + len(value))
    return line[: start - 1] + value + line[start - 1 + len(value) :]


def _errors(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ReturnFileRejected) as refused:
        parse_return_file(data, filename="teste.ret")
    return [(error.line_number, error.message) for error in refused.value.errors]


def test_non_numeric_amount_in_segment_u_names_the_line_and_field():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240.RET")
    lines[3] = _put(lines[3], 78, "00000000003440X")  # line 4: U of the first pair
    errors = _errors(_bytes(lines, eol))
    assert errors == [(4, "Valor pago (posições 78-92) não é numérico: '00000000003440X'.")]


def test_impossible_due_date_is_refused():
    lines, eol = _lines("retorno", "cnabphp", "retorno_cnab240_caixa.ret")
    lines[2] = _put(lines[2], 74, "31022014")
    assert _errors(_bytes(lines, eol)) == [
        (3, "Data de vencimento (posições 74-81) não é uma data válida: '31022014'.")
    ]


def test_every_broken_line_is_listed_in_line_order_and_nothing_is_returned():
    lines, eol = _lines("retorno", "brcobranca", "CNAB400ITAU.RET")
    lines[1] = _put(lines[1], 254, "ABCDEFGHIJKLM")  # valor principal
    lines[9] = _put(lines[9], 296, "320513")  # credit date 32/05/13
    lines[20] = lines[20][:399]  # one position short
    data = _bytes(lines, eol)
    errors = _errors(data)
    assert errors == [
        (2, "Valor recebido (posições 254-266) não é numérico: 'ABCDEFGHIJKLM'."),
        (10, "Data de crédito (posições 296-301) não é uma data válida: '320513'."),
        (21, "a linha tem 399 posições; o CNAB 400 exige 400."),
        (54, "o trailer informa 52 detalhe(s), mas o arquivo tem 51."),
        (
            54,
            "o trailer informa o total de R$ 2.688,96 em títulos, mas os detalhes somam "
            "R$ 2.648,96.",
        ),
    ]
    report = validate_return_file(data)
    assert not report.is_valid
    assert [(error.line_number, error.message) for error in report.errors] == errors


def test_rejection_is_a_domain_error_with_the_list_for_the_api():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240AILOS.RET")
    lines[2] = _put(lines[2], 82, "ABC")
    with pytest.raises(ReturnFileRejected) as refused:
        parse_return_file(_bytes(lines, eol), filename="AILOS.RET")
    error = refused.value
    assert error.code == "cnab_file_rejected"
    assert error.detail == (
        "O arquivo AILOS.RET tem 1 linha com erro e foi rejeitado por inteiro; nada foi aplicado."
    )
    assert error.extra["errors"] == [
        {
            "line": 3,
            "message": "Valor do título (posições 82-96) não é numérico: 'ABC000000000200'.",
        }
    ]
    assert str(error.errors[0]).startswith("Linha 3: Valor do título")


def test_segment_t_without_its_u_and_the_wrong_counts_are_reported():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240SICOOB.RET")
    del lines[3]  # the U of the first pair
    errors = _errors(_bytes(lines, eol))
    assert (3, "segmento T sem o segmento U que deveria segui-lo.") in errors
    assert (4, "número sequencial no lote 00003; esperado 00002.") in errors
    assert (8, "o trailer do lote 0001 informa 8 registro(s), mas o lote tem 7.") in errors
    assert (9, "o trailer informa 10 registro(s), mas o arquivo tem 9.") in errors


def test_segment_u_without_t_and_mismatched_movement_codes():
    lines, eol = _lines("retorno", "cnabphp", "retorno_bb.ret")
    lines[3] = _put(lines[3], 16, "02")  # U of pair 1 says 02, its T says 06
    del lines[4]  # T of pair 2: its U is orphaned
    errors = _errors(_bytes(lines, eol))
    assert (4, "código de movimento '02' diferente do segmento T (linha 3: '06').") in errors
    assert (5, "segmento U sem o segmento T anterior.") in errors


def test_remittance_segments_are_not_a_return_file():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240SANTANDER.RET")
    lines[2] = _put(lines[2], 14, "P")
    errors = _errors(_bytes(lines, eol))
    assert errors[0] == (3, "segmento 'P' não é de retorno de cobrança (esperados T e U).")


def test_a_truncated_file_without_trailer_is_refused():
    lines, eol = _lines("retorno", "brcobranca", "CNAB400BRADESCO.RET")
    assert _errors(_bytes(lines[:-1], eol)) == [
        (7, "arquivo sem trailer (registro tipo 9): pode estar incompleto.")
    ]


def test_lines_out_of_order_are_refused():
    lines, eol = _lines("retorno", "cnabphp", "retorno-cb030400-bradesco.ret")
    lines[2], lines[3] = lines[3], lines[2]
    assert _errors(_bytes(lines, eol)) == [
        (4, "número sequencial 000003 fora de ordem (o registro anterior é 000004).")
    ]


def test_blank_occurrence_code_is_refused_where_the_bank_always_sends_one():
    lines, eol = _lines("retorno", "brcobranca", "CNAB400BANRISUL.RET")
    lines[1] = _put(lines[1], 109, "  ")
    assert _errors(_bytes(lines, eol)) == [
        (2, "código de ocorrência (posições 109-110) em branco.")
    ]


def test_a_line_longer_than_240_with_data_beyond_is_refused_but_a_blank_excess_is_not():
    lines, eol = _lines("retorno", "cnabphp", "retorno_bb.ret")
    assert len(lines[1]) == 241  # README: a stray trailing byte, blank
    parse_return_file(_bytes(lines, eol))
    lines[1] = lines[1][:240] + "X"
    assert _errors(_bytes(lines, eol)) == [
        (2, "a linha tem 241 posições; o CNAB 240 tem no máximo 240.")
    ]


def test_a_blank_line_inside_the_file_is_an_error_but_trailing_ones_and_eof_byte_are_not():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240SICREDI.CRT")
    data = _bytes(lines, eol)
    assert parse_return_file(data + b"\n\n\x1a").records == parse_return_file(data).records
    assert _errors(_bytes([*lines[:3], "", *lines[3:]], eol))[0] == (
        4,
        "linha em branco no meio do arquivo.",
    )


def test_crlf_and_lf_versions_of_a_file_parse_the_same():
    lines, _eol = _lines("retorno", "brcobranca", "CNAB240SANTANDER.RET")
    lf, crlf = parse_return_file(_bytes(lines, "\n")), parse_return_file(_bytes(lines, "\r\n"))
    assert (lf.header, lf.records) == (crlf.header, crlf.records)
    assert lf.sha256 != crlf.sha256  # the bytes differ; the settlement keys do not


def test_remittance_and_unknown_files_are_not_recognised():
    remessa = require_fixtures("cnab", "remessa", "brcobranca", "remessa-itau-cnab400.rem")
    with pytest.raises(UnsupportedReturnFile) as refused:
        parse_return_file(remessa.read_bytes())
    assert refused.value.code == "cnab_file_unsupported"
    assert "não é um arquivo de retorno" in refused.value.errors[0].message
    with pytest.raises(UnsupportedReturnFile):
        parse_return_file(b"")
    lines, eol = _lines("retorno", "brcobranca", "CNAB400ITAU.RET")
    lines[0] = _put(lines[0], 77, "999")
    with pytest.raises(UnsupportedReturnFile) as refused:
        parse_return_file(_bytes(lines, eol))
    assert refused.value.errors[0].message.startswith("banco 999")


def test_unknown_codes_are_reported_as_other_never_as_settlement():
    lines, eol = _lines("retorno", "brcobranca", "CNAB240AILOS.RET")
    lines[2] = _put(lines[2], 16, "93")
    lines[3] = _put(lines[3], 16, "93")
    record = parse_return_file(_bytes(lines, eol)).records[0]
    assert record.category.value == "other"
    assert record.payment_date is None
    assert record.amount_paid > 0
    assert record.occurrence_description == "Ocorrência 93 (não reconhecida para este banco)"
