"""Field positions (1-based, inclusive) of each bank's return layout, CNAB 240 and 400.

Defaults are FEBRABAN's; a bank's layout overrides only what it moves. Bank-specific
positions come from the banks' layouts as the fixtures README checked them independently
(Santander 240 segment T, BRB 400, CrediSIS 400) and the banks' published manuals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["BANKS_400", "LAYOUTS_240", "LAYOUTS_400", "Layout240", "Layout400", "Span"]

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Layout240:
    """CNAB 240 cobrança return: file header, segment T (title) and segment U (amounts)."""

    key: str
    name: str
    header_agreement: Span | None = (33, 52)
    header_agency: Span = (53, 57)
    header_account: Span = (59, 70)
    nosso_numero: Span = (38, 57)
    wallet: Span = (58, 58)
    document_number: Span = (59, 73)
    due_date: Span = (74, 81)
    title_value: Span = (82, 96)
    collecting_bank: Span = (97, 99)
    collecting_agency: Span = (100, 105)
    company_reference: Span = (106, 130)
    bank_fee: Span = (199, 213)
    reasons: Span = (214, 223)
    # FEBRABAN: a lot trailer counts every record of the lot, its header and trailer
    # included; Santander counts only the detail records (both fixtures).
    lot_count_includes_header_and_trailer: bool = True


FEBRABAN_240 = Layout240(key="febraban240", name="FEBRABAN CNAB 240")

LAYOUTS_240: dict[str, Layout240] = {
    # Banco do Brasil: convênio = the first 9 positions of the 20-position field.
    "001": Layout240(key="bb240", name="Banco do Brasil CNAB 240", header_agreement=(33, 41)),
    "033": Layout240(
        key="santander240",
        name="Santander CNAB 240",
        header_agreement=(53, 61),
        header_agency=(33, 36),
        header_account=(38, 46),
        nosso_numero=(41, 53),
        wallet=(54, 54),
        document_number=(55, 69),
        due_date=(70, 77),
        title_value=(78, 92),
        collecting_bank=(93, 95),
        collecting_agency=(96, 100),
        company_reference=(101, 125),
        bank_fee=(194, 208),
        reasons=(209, 218),
        lot_count_includes_header_and_trailer=False,
    ),
    "085": Layout240(key="ailos240", name="Ailos CNAB 240"),
    # Sicoob: 10-position nosso número (with DV), then parcela, modalidade, formulário.
    "756": Layout240(key="sicoob240", name="Sicoob CNAB 240", nosso_numero=(38, 47)),
    "748": Layout240(key="sicredi240", name="Sicredi CNAB 240"),
    # Caixa SIGCB: 17-position nosso número = 2-digit modality ("14"/"24") + 15 digits.
    "104": Layout240(
        key="caixa240",
        name="Caixa (SIGCB) CNAB 240",
        header_agreement=(59, 64),
        header_account=(59, 64),
        nosso_numero=(40, 56),
        document_number=(59, 69),
    ),
}


@dataclass(frozen=True, slots=True)
class Layout400:
    """CNAB 400 cobrança return: header (0), details (1, or 7 for BB CBR643), trailer (9)."""

    key: str
    name: str
    detail_type: str = "1"
    header_company_code: Span = (27, 46)
    header_agreement: Span | None = (27, 46)
    header_agency: Span | None = None
    header_account: Span | None = None
    header_generated_on: Span = (95, 100)
    header_file_sequence: Span | None = None
    header_credit_date: Span | None = None
    company_reference: Span | None = (38, 62)
    nosso_numero: Span = (63, 70)
    wallet: Span | None = (108, 108)
    occurrence: Span = (109, 110)
    occurrence_date: Span = (111, 116)
    document_number: Span | None = (117, 126)
    due_date: Span = (147, 152)
    title_value: Span = (153, 165)
    collecting_bank: Span | None = (166, 168)
    collecting_agency: Span | None = (169, 173)
    bank_fee: Span | None = (176, 188)
    other_expenses: Span | None = (189, 201)
    iof: Span | None = (215, 227)
    abatement: Span | None = (228, 240)
    discount: Span | None = (241, 253)
    amount_received: Span = (254, 266)
    late_charges: Span | None = (267, 279)
    other_credits: Span | None = (280, 292)
    credit_date: Span | None = (296, 301)
    reasons: Span | None = None
    liquidation_code: Span | None = None
    # Itaú's "valor principal" is what was credited: the fee is already deducted.
    received_is_net_of_fee: bool = False
    # CrediSIS leaves the occurrence code blank (fixtures README): such a line is "no
    # occurrence" (never a settlement) and its occurrence date is not read.
    allows_blank_occurrence: bool = False
    # Trailer check (Itaú): number of details and sum of title values.
    trailer_detail_count: Span | None = None
    trailer_title_total: Span | None = None


# Banco do Brasil CBR643 (convênio of 7 digits, detail type 7).
BB_CBR643 = Layout400(
    key="bb_cbr643",
    name="Banco do Brasil CBR643 (CNAB 400)",
    detail_type="7",
    header_company_code=(27, 40),
    header_agreement=(150, 156),
    header_agency=(27, 31),
    header_account=(32, 40),
    header_file_sequence=(101, 107),
    company_reference=(39, 63),
    nosso_numero=(64, 80),
    reasons=(87, 88),
    wallet=(107, 108),
    credit_date=(176, 181),
    bank_fee=(182, 188),
    liquidation_code=(393, 394),
)

LAYOUTS_400: dict[str, Layout400] = {
    "bb_cbr643": BB_CBR643,
    # Banco do Brasil CBR641 (convênio of 6 digits, detail type 1): the same from position
    # 95 on, 6 positions earlier before it. The Unicred fixture uses it under BB's header.
    "bb_cbr641": replace(
        BB_CBR643,
        key="bb_cbr641",
        name="Banco do Brasil CBR641 (CNAB 400)",
        detail_type="1",
        header_agreement=(41, 46),
        company_reference=(38, 62),
        nosso_numero=(63, 73),
        reasons=(81, 82),
    ),
    "itau400": Layout400(
        key="itau400",
        name="Itaú CNAB 400",
        header_agreement=None,
        header_agency=(27, 30),
        header_account=(33, 38),
        header_file_sequence=(109, 113),
        header_credit_date=(114, 119),
        wallet=(83, 85),
        other_expenses=None,
        reasons=(378, 385),
        liquidation_code=(393, 394),
        received_is_net_of_fee=True,
        trailer_detail_count=(213, 220),
        trailer_title_total=(221, 234),
    ),
    "santander400": Layout400(
        key="santander400",
        name="Santander CNAB 400",
        header_agreement=(27, 46),
        header_agency=(27, 30),
        header_file_sequence=(109, 113),
        header_credit_date=(114, 119),
        other_expenses=None,
        reasons=(378, 385),
    ),
    "bradesco400": Layout400(
        key="bradesco400",
        name="Bradesco CNAB 400",
        header_file_sequence=(109, 113),
        header_credit_date=(380, 385),
        wallet=(22, 24),
        nosso_numero=(71, 82),
        reasons=(319, 328),
    ),
    "banrisul400": Layout400(
        key="banrisul400",
        name="Banrisul CNAB 400",
        header_file_sequence=(109, 113),
        nosso_numero=(63, 72),
        iof=None,
        reasons=(383, 392),
    ),
    # Banco do Nordeste: nosso número of 7 digits + DV; no credit date per line (the
    # header's, 120-125, is zeros in the fixture).
    "nordeste400": Layout400(
        key="nordeste400",
        name="Banco do Nordeste CNAB 400",
        header_file_sequence=(109, 113),
        header_credit_date=(120, 125),
        collecting_agency=(169, 172),
        other_expenses=None,
        iof=None,
        other_credits=None,
        credit_date=None,
    ),
    # BRB: its own positions, dates of 8 digits (fixtures README).
    "brb400": Layout400(
        key="brb400",
        name="BRB (Banco de Brasília) CNAB 400",
        header_generated_on=(95, 102),
        company_reference=(93, 105),
        nosso_numero=(71, 82),
        wallet=None,
        occurrence_date=(111, 118),
        document_number=(129, 140),
        due_date=(149, 156),
        title_value=(157, 169),
        collecting_bank=(170, 172),
        collecting_agency=None,
        bank_fee=(180, 192),
        other_expenses=None,
        late_charges=(206, 218),
        iof=(219, 231),
        abatement=(232, 244),
        discount=(245, 257),
        amount_received=(258, 270),
        other_credits=(284, 296),
        credit_date=(300, 307),
    ),
    # CrediSIS: BB CBR641-like positions as the fixtures README checked them; the fixture's
    # other amount positions hold text (payer name, address), so only these are read.
    "credisis400": Layout400(
        key="credisis400",
        name="CrediSIS CNAB 400",
        company_reference=(38, 62),
        nosso_numero=(63, 73),
        wallet=(107, 108),
        collecting_bank=None,
        collecting_agency=None,
        credit_date=(176, 181),
        bank_fee=(182, 188),
        other_expenses=None,
        iof=None,
        abatement=None,
        discount=None,
        late_charges=None,
        other_credits=None,
        allows_blank_occurrence=True,
    ),
}

# Bank code in the CNAB 400 header → layout key (BB is decided by its detail type).
BANKS_400 = {
    "341": "itau400",
    "033": "santander400",
    "237": "bradesco400",
    "041": "banrisul400",
    "004": "nordeste400",
    "070": "brb400",
    "097": "credisis400",
}
