"""What a parsed bank return file (retorno) is: typed, immutable values, no parsing here.

The payments service consumes these: it matches ``ReturnRecord.nosso_numero`` to a charge,
decides by ``category`` (never by an amount being present, DOMAIN.md §10) and stores
``settlement_key`` under a unique constraint so a line is applied at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "CnabFormat",
    "FileHeader",
    "LineError",
    "OccurrenceCategory",
    "PixData",
    "ReturnFile",
    "ReturnRecord",
]


class CnabFormat(StrEnum):
    """The FEBRABAN record width of the file."""

    CNAB240 = "cnab240"
    CNAB400 = "cnab400"


class OccurrenceCategory(StrEnum):
    """What an occurrence (movement) code means for the charge it names."""

    SETTLEMENT = "settlement"  # liquidação: money was paid; apply it
    REGISTRATION = "registration"  # entrada confirmada: the boleto is registered at the bank
    REJECTION = "rejection"  # entrada/instrução rejeitada: fix and resend
    WRITE_OFF = "write_off"  # baixa: the boleto is closed without (further) payment
    REVERSAL = "reversal"  # estorno: a settlement or write-off was undone
    FEE = "fee"  # tarifa/custas debited by the bank; no payment
    OTHER = "other"  # informational (due date changed, protest steps, DDA…)

    @property
    def label(self) -> str:
        """Portuguese name shown to finance staff."""
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    OccurrenceCategory.SETTLEMENT: "Liquidação",
    OccurrenceCategory.REGISTRATION: "Entrada confirmada",
    OccurrenceCategory.REJECTION: "Rejeição",
    OccurrenceCategory.WRITE_OFF: "Baixa",
    OccurrenceCategory.REVERSAL: "Estorno",
    OccurrenceCategory.FEE: "Tarifa",
    OccurrenceCategory.OTHER: "Outra ocorrência",
}


@dataclass(frozen=True, slots=True)
class LineError:
    """One refusal of the validator: the physical line (1-based) and a Portuguese reason."""

    line_number: int
    message: str

    def __str__(self) -> str:
        return f"Linha {self.line_number}: {self.message}"


@dataclass(frozen=True, slots=True)
class FileHeader:
    """The file header (CNAB 240 record 0; CNAB 400 record 0).

    ``agreement`` is the bank's code for the payee (convênio / código do beneficiário /
    código da empresa) as digits without leading zeros, "" when the layout has none.
    """

    format: CnabFormat
    layout: str  # key of the bank layout used, e.g. "santander240", "itau400", "bb_cbr643"
    bank_code: str  # as the header states it ("001")
    bank_name: str
    company_name: str
    company_code: str  # the raw company/payee identification of the header, trimmed
    agreement: str
    agency: str
    account: str
    file_sequence: int | None  # NSA / número do arquivo de retorno, when the layout has one
    generated_on: date | None
    credit_date: date | None = None  # a file-level credit date (Itaú, Bradesco 400)


@dataclass(frozen=True, slots=True)
class PixData:
    """PIX data of a hybrid boleto, from a CNAB 400 type-2 line (Santander)."""

    key_type: str
    key: str
    txid: str


@dataclass(slots=True)
class ReturnRecord:
    """One title movement: a CNAB 400 detail line or a CNAB 240 T+U segment pair.

    Read-only by convention: not ``frozen`` only because a frozen dataclass of this many
    fields costs twice the construction time, and a 999,999-line file builds half a million.

    Amounts are Decimal Reais (2 places, zero when the bank left the field blank).
    ``amount_paid`` is what the payer paid (late charges included); ``net_credited`` is
    what reached the payee's account (``amount_paid`` minus the bank fee, or the bank's own
    figure where the layout has one). ``payment_date`` is the occurrence date of a settlement
    (the date the payer paid, DOMAIN.md A4) and None for every other category.
    """

    line_number: int  # physical line of the detail (segment T in CNAB 240)
    line_numbers: tuple[int, ...]  # every physical line the record was read from
    record_type: str  # "1"/"7" (CNAB 400 detail type) or "3" (CNAB 240 detail)
    segment: str  # "T" in CNAB 240 (its U merged in), "" in CNAB 400
    occurrence_code: str  # as in the file ("06"); "" when the bank left it blank
    category: OccurrenceCategory
    occurrence_description: str  # Portuguese meaning of the code for this bank and format
    nosso_numero: str  # the bank's title id, trimmed, leading zeros kept
    company_reference: str  # seu número / uso da empresa (our own id, when we sent one)
    document_number: str
    wallet: str  # carteira
    due_date: date | None
    occurrence_date: date | None
    payment_date: date | None
    credit_date: date | None
    title_value: Decimal
    amount_paid: Decimal
    late_charges_paid: Decimal  # juros + multa + encargos, within amount_paid
    discount: Decimal
    abatement: Decimal
    iof: Decimal
    bank_fee: Decimal
    other_expenses: Decimal
    other_credits: Decimal
    net_credited: Decimal
    collecting_bank: str  # banco recebedor / cobrador
    collecting_agency: str
    reasons: tuple[str, ...]  # motivos da ocorrência (two-character codes, "00" dropped)
    liquidation_code: str  # how it was paid, where the bank says (Itaú "B2", BB "01")
    settlement_key: str  # sha256 hex: the "applied at most once" key of this line
    pix: PixData | None = None

    @property
    def is_settlement(self) -> bool:
        """Settled by its occurrence code (never because an amount is present)."""
        return self.category is OccurrenceCategory.SETTLEMENT


@dataclass(frozen=True, slots=True)
class ReturnFile:
    """A whole, valid return file: its header and its records in file order."""

    header: FileHeader
    records: tuple[ReturnRecord, ...]
    line_count: int
    filename: str | None = None
    sha256: str = field(default="")

    def by_category(self, category: OccurrenceCategory) -> tuple[ReturnRecord, ...]:
        """The records of one category, in file order."""
        return tuple(record for record in self.records if record.category is category)
