"""CNAB 240 cobrança return files: file header (0), lots of header (1), T+U detail pairs
(3), lot trailer (5), file trailer (9). One pass, line by line.

Lines may be right-trimmed (several banks trim trailing blanks; fixtures README): they are
padded back to 240 positions before reading. A line longer than 240 is refused unless the
excess is blank (``retorno_bb.ret`` has one stray trailing byte).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from .layouts import Layout240
from .occurrences import Table, describe_occurrence, occurrence_table
from .records import CnabFormat, FileHeader, OccurrenceCategory, ReturnRecord
from .validate import FieldReader, ValidationReport, lenient_date, settlement_key, split_reasons

__all__ = ["WIDTH", "read_header", "scan_details"]

WIDTH = 240
# Segment U (FEBRABAN; the same for every bank read here).
U_LATE_CHARGES = (18, 32)
U_DISCOUNT = (33, 47)
U_ABATEMENT = (48, 62)
U_IOF = (63, 77)
U_PAID = (78, 92)
U_NET = (93, 107)
U_OTHER_EXPENSES = (108, 122)
U_OTHER_CREDITS = (123, 137)
U_OCCURRENCE_DATE = (138, 145)
U_CREDIT_DATE = (146, 153)
_MOVEMENT = (16, 17)
_LOT_SEQUENCE = (9, 13)


def read_header(number: int, line: str, layout: Layout240, report: ValidationReport) -> FileHeader:
    """The file header: bank code, lot 0000 and record type 0 are validated."""
    reader = FieldReader(_fit(line, number, report), number, report, WIDTH)
    reader.digits((1, 3), "Código do banco")
    reader.expect((4, 7), "0000", "Lote do header de arquivo")
    reader.expect((8, 8), "0", "Tipo de registro do header de arquivo")
    sequence = reader.raw((158, 163)).strip()
    return FileHeader(
        format=CnabFormat.CNAB240,
        layout=layout.key,
        bank_code=reader.text((1, 3)),
        bank_name=reader.text((103, 132)),
        company_name=reader.text((73, 102)),
        company_code=reader.text((19, 32)),
        agreement=reader.text(layout.header_agreement).lstrip("0"),
        agency=reader.text(layout.header_agency),
        account=reader.text(layout.header_account),
        file_sequence=int(sequence) if sequence.isascii() and sequence.isdigit() else None,
        generated_on=lenient_date(reader.raw((144, 151))),
    )


@dataclass(slots=True)
class _State:
    lot: str = ""
    lot_open: bool = False
    lot_records: int = 0
    lot_details: int = 0
    lot_sequence: int = 0
    lots: int = 0
    file_records: int = 1  # the file header
    trailer_seen: bool = False
    pending_t: FieldReader | None = None


def scan_details(
    header_line: str,
    layout: Layout240,
    lines: Iterable[tuple[int, str]],
    report: ValidationReport,
    *,
    resume: bool = False,
) -> Iterator[ReturnRecord]:
    """Yield one ``ReturnRecord`` per T+U pair; structure errors go to ``report``.

    ``resume``: the lines start inside a lot of a file already validated whole (one chunk of
    an import), so the lot is taken as open at the first line's lot and sequence.
    """
    table = occurrence_table(CnabFormat.CNAB240, layout.key)
    state = _State()
    if resume:
        lines = iter(lines)
        first = next(lines, None)
        if first is None:
            return
        line = first[1]
        sequence = line[8:13]
        state.lot, state.lot_open = line[3:7], True
        state.lot_sequence = int(sequence) - 1 if sequence.isdigit() else 0
        lines = chain([first], lines)
    last_number = 1
    for number, line in lines:
        last_number = number
        reader = FieldReader(_fit(line, number, report), number, report, WIDTH)
        state.file_records += 1
        if state.trailer_seen:
            reader.error("registro depois do trailer de arquivo (tipo 9).")
            continue
        record_type = reader.raw((8, 8))
        if record_type == "3":
            record = _detail(reader, state, layout, table, header_line)
            if record is not None:
                yield record
        elif record_type == "1":
            _open_lot(reader, state)
        elif record_type == "5":
            _close_lot(reader, state, layout)
        elif record_type == "9":
            _file_trailer(reader, state)
        elif record_type == "0":
            reader.error("header de arquivo repetido: o arquivo só pode ter um registro tipo 0.")
        else:
            reader.error(f"tipo de registro '{record_type.strip()}' (posição 8) desconhecido.")
    if state.pending_t is not None:
        state.pending_t.error("segmento T sem o segmento U que deveria segui-lo.")
    if state.lot_open:
        report.add(last_number, f"lote {state.lot} sem trailer de lote (registro tipo 5).")
    if not state.trailer_seen:
        report.add(last_number, "arquivo sem trailer (registro tipo 9): pode estar incompleto.")


def _detail(
    reader: FieldReader, state: _State, layout: Layout240, table: Table, header_line: str
) -> ReturnRecord | None:
    if not state.lot_open:
        reader.error("registro de detalhe fora de um lote (falta o header de lote).")
        return None
    state.lot_records += 1
    state.lot_details += 1
    if reader.raw((4, 7)) != state.lot:
        reader.error(f"lote {reader.raw((4, 7))} diferente do lote aberto {state.lot}.")
    sequence = reader.integer(_LOT_SEQUENCE, "Número sequencial no lote")
    if sequence is not None and sequence != state.lot_sequence + 1:
        reader.error(
            f"número sequencial no lote {sequence:05d}; esperado {state.lot_sequence + 1:05d}."
        )
    state.lot_sequence = sequence if sequence is not None else state.lot_sequence + 1
    segment = reader.raw((14, 14))
    if segment == "T":
        if state.pending_t is not None:
            state.pending_t.error("segmento T sem o segmento U que deveria segui-lo.")
        _require_length(reader, layout.title_value[1], "segmento T")
        state.pending_t = reader
        return None
    if segment == "U":
        t_reader, state.pending_t = state.pending_t, None
        if t_reader is None:
            reader.error("segmento U sem o segmento T anterior.")
            return None
        _require_length(reader, U_PAID[1], "segmento U")
        if reader.raw(_MOVEMENT) != t_reader.raw(_MOVEMENT):
            reader.error(
                f"código de movimento '{reader.raw(_MOVEMENT)}' diferente do segmento T "
                f"(linha {t_reader.line_number}: '{t_reader.raw(_MOVEMENT)}')."
            )
        return _record(t_reader, reader, layout, table, header_line)
    reader.error(f"segmento '{segment.strip()}' não é de retorno de cobrança (esperados T e U).")
    return None


def _record(
    t: FieldReader, u: FieldReader, layout: Layout240, table: Table, header_line: str
) -> ReturnRecord:
    code = t.text(_MOVEMENT)
    if not code:
        t.error("código de movimento (posições 16-17) em branco.")
    category, description = describe_occurrence(table, code)
    occurrence_date = u.date(U_OCCURRENCE_DATE, "Data da ocorrência")
    paid = u.amount(U_PAID, "Valor pago")
    fee = t.amount(layout.bank_fee, "Valor da tarifa")
    net = u.amount(U_NET, "Valor líquido creditado")
    if not u.raw(U_NET).strip():
        net = paid - fee
    return ReturnRecord(
        line_number=t.line_number,
        line_numbers=(t.line_number, u.line_number),
        record_type="3",
        segment="T",
        occurrence_code=code,
        category=category,
        occurrence_description=description,
        nosso_numero=t.text(layout.nosso_numero),
        company_reference=t.text(layout.company_reference),
        document_number=t.text(layout.document_number),
        wallet=t.text(layout.wallet),
        due_date=t.date(layout.due_date, "Data de vencimento"),
        occurrence_date=occurrence_date,
        payment_date=occurrence_date if category is OccurrenceCategory.SETTLEMENT else None,
        credit_date=u.date(U_CREDIT_DATE, "Data de crédito"),
        title_value=t.amount(layout.title_value, "Valor do título"),
        amount_paid=paid,
        late_charges_paid=u.amount(U_LATE_CHARGES, "Juros/multa/encargos"),
        discount=u.amount(U_DISCOUNT, "Valor do desconto"),
        abatement=u.amount(U_ABATEMENT, "Valor do abatimento"),
        iof=u.amount(U_IOF, "Valor do IOF"),
        bank_fee=fee,
        other_expenses=u.amount(U_OTHER_EXPENSES, "Outras despesas"),
        other_credits=u.amount(U_OTHER_CREDITS, "Outros créditos"),
        net_credited=net,
        collecting_bank=t.text(layout.collecting_bank),
        collecting_agency=t.text(layout.collecting_agency),
        reasons=split_reasons(t.raw(layout.reasons)),
        liquidation_code="",
        settlement_key=settlement_key(
            header_line, t.line_number, t.line.rstrip() + "\n" + u.line.rstrip()
        ),
    )


def _open_lot(reader: FieldReader, state: _State) -> None:
    if state.lot_open:
        reader.error(f"novo lote aberto antes do trailer do lote {state.lot}.")
    if state.pending_t is not None:
        state.pending_t.error("segmento T sem o segmento U que deveria segui-lo.")
        state.pending_t = None
    reader.expect((9, 9), "T", "Tipo de operação do lote")
    reader.expect((10, 11), "01", "Tipo de serviço do lote (01 = cobrança)")
    state.lot = reader.raw((4, 7))
    state.lot_open = True
    state.lot_records = 1
    state.lot_details = 0
    state.lot_sequence = 0


def _close_lot(reader: FieldReader, state: _State, layout: Layout240) -> None:
    if not state.lot_open:
        reader.error("trailer de lote sem header de lote.")
        return
    if state.pending_t is not None:
        state.pending_t.error("segmento T sem o segmento U que deveria segui-lo.")
        state.pending_t = None
    state.lot_records += 1
    state.lot_open = False
    state.lots += 1
    _require_length(reader, 23, "trailer de lote")
    stated = reader.integer((18, 23), "Quantidade de registros do lote")
    expected = (
        state.lot_records if layout.lot_count_includes_header_and_trailer else (state.lot_details)
    )
    if stated is not None and stated != expected:
        reader.error(
            f"o trailer do lote {state.lot} informa {stated} registro(s), mas o lote tem "
            f"{expected}."
        )


def _file_trailer(reader: FieldReader, state: _State) -> None:
    state.trailer_seen = True
    if state.lot_open:
        reader.error(f"trailer de arquivo com o lote {state.lot} ainda aberto.")
    _require_length(reader, 29, "trailer de arquivo")
    lots = reader.integer((18, 23), "Quantidade de lotes")
    if lots is not None and lots != state.lots:
        reader.error(f"o trailer informa {lots} lote(s), mas o arquivo tem {state.lots}.")
    records = reader.integer((24, 29), "Quantidade de registros")
    if records is not None and records != state.file_records:
        reader.error(
            f"o trailer informa {records} registro(s), mas o arquivo tem {state.file_records}."
        )


def _require_length(reader: FieldReader, minimum: int, what: str) -> None:
    # Trimmed lines are fine, but not when a required field was cut off.
    length = len(reader.line.rstrip())
    if length < minimum:
        reader.error(f"{what} truncado: {length} posições, mínimo {minimum}.")


def _fit(line: str, number: int, report: ValidationReport) -> str:
    if len(line) <= WIDTH:
        return line
    if not line[WIDTH:].strip():
        return line[:WIDTH]
    report.add(number, f"a linha tem {len(line)} posições; o CNAB 240 tem no máximo {WIDTH}.")
    return line[:WIDTH]
