"""CNAB 400 return files: header (0), details (1; 7 for BB CBR643), optional type-2 lines,
trailer (9). One pass, line by line; errors go to the shared ``ValidationReport``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal

from consorcio.money import format_brl

from .layouts import Layout400
from .occurrences import Table, describe_occurrence, occurrence_table
from .records import CnabFormat, FileHeader, OccurrenceCategory, PixData, ReturnRecord
from .validate import FieldReader, ValidationReport, lenient_date, settlement_key, split_reasons

__all__ = ["WIDTH", "read_header", "scan_details"]

WIDTH = 400
_SEQUENCE = (395, 400)


def read_header(number: int, line: str, layout: Layout400, report: ValidationReport) -> FileHeader:
    """The file header; its type, literal and bank code are validated."""
    reader = FieldReader(line, number, report, WIDTH)
    _check_width(reader, line)
    reader.expect((1, 9), "02RETORNO", "Identificação de arquivo de retorno")
    reader.digits((77, 79), "Código do banco")
    _check_sequence(reader, 0)
    agreement = reader.text(layout.header_agreement).lstrip("0")
    return FileHeader(
        format=CnabFormat.CNAB400,
        layout=layout.key,
        bank_code=reader.text((77, 79)),
        bank_name=reader.text((80, 94)),
        company_name=reader.text((47, 76)),
        company_code=reader.text(layout.header_company_code),
        agreement=agreement,
        agency=reader.text(layout.header_agency),
        account=reader.text(layout.header_account),
        file_sequence=_int_or_none(reader.raw(layout.header_file_sequence)),
        generated_on=lenient_date(reader.raw(layout.header_generated_on)),
        credit_date=lenient_date(reader.raw(layout.header_credit_date)),
    )


def scan_details(
    header_line: str, layout: Layout400, lines: Iterable[tuple[int, str]], report: ValidationReport
) -> Iterator[ReturnRecord]:
    """Yield each detail as a ``ReturnRecord``; structure errors go to ``report``."""
    table = occurrence_table(CnabFormat.CNAB400, layout.key)
    pending: ReturnRecord | None = None
    last_sequence = 1
    details = 0
    title_total = Decimal("0.00")
    trailer_seen = False
    last_number = 1
    for number, line in lines:
        last_number = number
        reader = FieldReader(line, number, report, WIDTH)
        if not _check_width(reader, line):
            continue
        if trailer_seen:
            reader.error("registro depois do trailer (tipo 9).")
            continue
        last_sequence = _check_sequence(reader, last_sequence)
        record_type = line[0]
        if record_type == layout.detail_type:
            record = _detail(reader, header_line, layout, table)
            details += 1
            title_total += record.title_value
            if pending is not None:
                yield pending
            pending = record
        elif record_type == "2" and layout.key == "santander400":
            if pending is None:
                reader.error("registro de PIX (tipo 2) sem o detalhe anterior.")
                continue
            pending = replace(
                pending, pix=_pix(reader), line_numbers=(*pending.line_numbers, number)
            )
        elif record_type == "9":
            trailer_seen = True
            _check_trailer(reader, layout, details, title_total)
        elif record_type == "0":
            reader.error("header repetido: o arquivo só pode ter um registro tipo 0.")
        elif record_type in "2345678":
            continue  # complementary records (messages, rateio) carry nothing we apply
        else:
            reader.error(f"tipo de registro '{record_type}' desconhecido neste layout.")
    if pending is not None:
        yield pending
    if not trailer_seen:
        report.add(last_number, "arquivo sem trailer (registro tipo 9): pode estar incompleto.")


def _detail(
    reader: FieldReader,
    header_line: str,
    layout: Layout400,
    table: Table,
) -> ReturnRecord:
    code = reader.text(layout.occurrence)
    has_occurrence = bool(code)
    if not has_occurrence and not layout.allows_blank_occurrence:
        reader.error(f"código de ocorrência {_pos(layout.occurrence)} em branco.")
    category, description = describe_occurrence(table, code)
    occurrence_date = (
        reader.date(layout.occurrence_date, "Data da ocorrência") if has_occurrence else None
    )
    received = reader.amount(layout.amount_received, "Valor recebido")
    fee = reader.amount(layout.bank_fee, "Valor da tarifa")
    late = reader.amount(layout.late_charges, "Juros/multa")
    if layout.received_is_net_of_fee:
        net = received + late
        paid = net + fee
    else:
        # No net figure in these layouts: the fee comes off what was paid, if anything was.
        paid = received
        net = paid - fee if paid else paid
    is_settlement = category is OccurrenceCategory.SETTLEMENT
    return ReturnRecord(
        line_number=reader.line_number,
        line_numbers=(reader.line_number,),
        record_type=layout.detail_type,
        segment="",
        occurrence_code=code,
        category=category,
        occurrence_description=description,
        nosso_numero=reader.text(layout.nosso_numero),
        company_reference=reader.text(layout.company_reference),
        document_number=reader.text(layout.document_number),
        wallet=reader.text(layout.wallet),
        due_date=reader.date(layout.due_date, "Data de vencimento"),
        occurrence_date=occurrence_date,
        payment_date=occurrence_date if is_settlement else None,
        credit_date=reader.date(layout.credit_date, "Data de crédito"),
        title_value=reader.amount(layout.title_value, "Valor do título"),
        amount_paid=paid,
        late_charges_paid=late,
        discount=reader.amount(layout.discount, "Valor do desconto"),
        abatement=reader.amount(layout.abatement, "Valor do abatimento"),
        iof=reader.amount(layout.iof, "Valor do IOF"),
        bank_fee=fee,
        other_expenses=reader.amount(layout.other_expenses, "Outras despesas"),
        other_credits=reader.amount(layout.other_credits, "Outros créditos"),
        net_credited=net,
        collecting_bank=reader.text(layout.collecting_bank),
        collecting_agency=reader.text(layout.collecting_agency),
        reasons=split_reasons(reader.raw(layout.reasons)),
        liquidation_code=reader.text(layout.liquidation_code),
        settlement_key=settlement_key(header_line, reader.line_number, reader.line),
    )


def _pix(reader: FieldReader) -> PixData:
    # Santander CNAB 400 type 2: key type (2), DICT key (3-79), txid (80-114).
    return PixData(
        key_type=reader.text((2, 2)), key=reader.text((3, 79)), txid=reader.text((80, 114))
    )


def _check_trailer(
    reader: FieldReader, layout: Layout400, details: int, title_total: Decimal
) -> None:
    if layout.trailer_detail_count is not None:
        stated = reader.integer(layout.trailer_detail_count, "Quantidade de detalhes")
        if stated is not None and stated != details:
            reader.error(f"o trailer informa {stated} detalhe(s), mas o arquivo tem {details}.")
    if layout.trailer_title_total is not None:
        total = reader.amount(layout.trailer_title_total, "Valor total dos títulos")
        if total != title_total:
            reader.error(
                f"o trailer informa o total de {format_brl(total)} em títulos, mas os detalhes "
                f"somam {format_brl(title_total)}."
            )


def _check_width(reader: FieldReader, line: str) -> bool:
    if len(line) == WIDTH or (len(line) > WIDTH and not line[WIDTH:].strip()):
        return True
    reader.error(f"a linha tem {len(line)} posições; o CNAB 400 exige {WIDTH}.")
    return False


def _check_sequence(reader: FieldReader, previous: int) -> int:
    """Sequential numbers (395-400) must rise: a reordered or repeated line is refused.

    Gaps are tolerated: two real files (BRB, the BB CBR641 one) number their trailer far
    beyond its line (fixtures README lists them as the banks published them).
    """
    value = reader.integer(_SEQUENCE, "Número sequencial")
    if value is None:
        reader.error("número sequencial (posições 395-400) em branco.")
        return previous
    if value <= previous:
        reader.error(
            f"número sequencial {value:06d} fora de ordem (o registro anterior é {previous:06d})."
        )
        return previous
    return value


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _pos(span: tuple[int, int]) -> str:
    return f"(posições {span[0]}-{span[1]})"
