"""The contract of adhesion: generated on sale confirmation as a PDF showing the group's rules
and the first installment with each component in R$ and % (Res. 285, DOMAIN.md §9), stored as
a document version the quota points to; a contract that cannot be generated refuses the sale."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import weasyprint
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from apps.documents.models import Document, DocumentVersion
from apps.documents.services.storage import read_verified
from apps.groups.models import QuotaObligation, QuotaStatus
from apps.groups.services import amendments, contracts, sales
from apps.groups.services.fractions import PlanTerms, installment_reais
from apps.groups.services.plans import plan_terms
from apps.groups.services.quota_errors import QuotaInvalidTransition
from consorcio.models import OutboxEvent
from tests.groups.conftest import make_group
from tests.members.factories import address, register

# DOMAIN.md A1's rounding example: R$50,000, 60 months, 10% fee, 1% reserve.
A1_EXAMPLE = {
    "reference_credit_value": Decimal("50000.00"),
    "term_months": 60,
    "rules": {"admin_fee_total": Decimal("0.10"), "reserve_fund": Decimal("0.01")},
}


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (line breaks fall anywhere in a table cell)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sell(staff_user, group, **member_fields):
    member = register(actor=staff_user, **member_fields)
    reservation = sales.reserve_quota(actor=staff_user, group=group, member=member)
    return sales.confirm_sale(actor=staff_user, reservation=reservation, contract_accepted=True)


# --- The first installment in R$ and % (pure) ---------------------------------------------


def test_worked_example_1_shows_each_component_in_reais_and_percent():
    plan = PlanTerms(term_months=100, admin_fee_total=Decimal("0.15"), reserve_fund=Decimal("0.02"))
    first = contracts.first_installment(plan, Decimal("100000.00"))

    rows = [(p.label, p.percent, p.reais) for p in first.parts]
    assert rows == [
        ("Fundo comum", Decimal("1.0000"), Decimal("1000.00")),
        ("Fundo de reserva", Decimal("0.0200"), Decimal("20.00")),
        ("Taxa de administração", Decimal("0.1500"), Decimal("150.00")),
    ]
    assert (first.total_percent, first.total_reais) == (Decimal("1.1700"), Decimal("1170.00"))
    assert first.upfront_fee_reais == 0


def test_a1_rounding_example_parts_sum_exactly_to_the_installment_shown():
    plan = PlanTerms(term_months=60, admin_fee_total=Decimal("0.10"), reserve_fund=Decimal("0.01"))
    first = contracts.first_installment(plan, Decimal("50000.00"))

    reais = {p.component: p.reais for p in first.parts}
    assert reais == {
        "common_fund": Decimal("833.34"),
        "reserve_fund": Decimal("8.33"),
        "admin_fee": Decimal("83.33"),
    }
    assert first.total_reais == Decimal("925.00") == sum(reais.values())
    # The same Reais the bill computes from the plan's fractions.
    bill = installment_reais(plan, 1, Decimal("50000.00"))
    assert reais == {name: bill[name] for name in reais}
    # % split the same way: 1.8500 = 1.6667 + 0.0167 + 0.1666 (ties to the common fund first).
    assert [p.percent for p in first.parts] == [
        Decimal("1.6667"),
        Decimal("0.0167"),
        Decimal("0.1666"),
    ]
    assert first.total_percent == Decimal("1.8500") == sum(p.percent for p in first.parts)


def test_the_up_front_fee_is_shown_apart_and_added_to_the_first_payment():
    plan = PlanTerms(
        term_months=100,
        admin_fee_total=Decimal("0.15"),
        upfront_fee=Decimal("0.01"),
        reserve_fund=Decimal("0.02"),
    )
    first = contracts.first_installment(plan, Decimal("100000.00"))

    assert first.total_reais == Decimal("1160.00")  # DOMAIN.md §2.2 variant
    assert (first.upfront_fee_percent, first.upfront_fee_reais) == (
        Decimal("1.0000"),
        Decimal("1000.00"),
    )
    assert first.first_payment_reais == Decimal("2160.00")


@settings(max_examples=150, deadline=None)
@given(
    term=st.integers(min_value=1, max_value=240),
    fee=st.decimals(min_value=0, max_value=Decimal("0.35"), places=4),
    upfront_share=st.decimals(min_value=0, max_value=1, places=2),
    reserve=st.decimals(min_value=0, max_value=Decimal("0.05"), places=4),
    insurance=st.decimals(min_value=0, max_value=Decimal("0.03"), places=4),
    credit=st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("2000000.00"), places=2),
)
def test_components_always_sum_exactly_to_the_totals_shown(
    term, fee, upfront_share, reserve, insurance, credit
):
    upfront = (fee * upfront_share).quantize(Decimal("0.0001"))
    plan = PlanTerms(
        term_months=term,
        admin_fee_total=fee,
        upfront_fee=upfront,
        reserve_fund=reserve,
        insurance=insurance,
    )
    first = contracts.first_installment(plan, credit)

    assert sum(p.reais for p in first.parts) == first.total_reais
    assert sum(p.percent for p in first.parts) == first.total_percent
    bill = installment_reais(plan, 1, credit)
    assert first.total_reais == bill["total"]
    assert all(p.reais == bill[p.component] for p in first.parts)
    # Each % is within one unit of the 4th place of its share of the rounded total, which is
    # itself within half a unit of the exact total.
    for part in first.parts:
        assert abs(part.percent - part.fraction * 100) < Decimal("0.00015")
    assert ("insurance" in {p.component for p in first.parts}) == (insurance > 0)


# --- The contract generated on confirmation --------------------------------------------------


@pytest.mark.django_db
def test_confirming_a_sale_stores_the_contract_pdf_with_rules_and_first_installment(staff_user):
    group = make_group(actor=staff_user, **A1_EXAMPLE)
    version = sell(
        staff_user,
        group,
        name="Joana Contratante",
        document="52998224725",
        addresses=[address(is_primary=True)],
    )

    version.refresh_from_db()
    stored = version.contract
    assert stored is not None
    assert stored.number == 1
    assert stored.content_type == "application/pdf"
    assert stored.document.kind == "contract"
    content = read_verified(stored)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "Contrato de participação em grupo de consórcio" in text
    assert "Joana Contratante" in text
    assert "529.982.247-25" in text
    assert group.code in text
    assert group.name in text
    assert f"Cota nº {version.quota.number} (versão 1 da cota)" in text
    # The rules in force.
    for shown in (
        "R$ 50.000,00",
        "INCC",
        "60 meses",
        "200",  # maximum number of quotas
        "Taxa de administração 10%",
        "Fundo de reserva 1%",
        "Resolução BCB 285/2023",
        "versão do contrato 2026.1",
        "dia 10 de cada mês",
        "multa de 2% e juros de 1% ao mês",
        "50% dos encargos pertencem ao grupo",
        "após 3 vencimento(s) consecutivos",
        "penalidade de 0%",
    ):
        assert shown in text, shown
    # The first installment, each component in % and R$, summing to the total shown.
    assert "Fundo comum 1,6667% R$ 833,34" in text
    assert "Fundo de reserva 0,0167% R$ 8,33" in text
    assert "Taxa de administração 0,1666% R$ 83,33" in text
    assert "Parcela mensal 1,8500% R$ 925,00" in text
    assert "Seguro 0" not in text  # no insurance in this plan


@pytest.mark.django_db
def test_a_plan_with_insurance_and_up_front_fee_shows_both(staff_user):
    group = make_group(
        actor=staff_user,
        rules={"admin_fee_upfront": Decimal("0.01"), "insurance": Decimal("0.006")},
    )
    version = sell(staff_user, group)

    text = pdf_text(read_verified(version.contract))
    plan = plan_terms(group)
    first = contracts.first_installment(plan, group.reference_credit_value)
    insurance = next(p for p in first.parts if p.component == "insurance")
    assert (insurance.percent, insurance.reais) == (Decimal("0.0060"), Decimal("6.00"))
    assert "Seguro 0,0060% R$ 6,00" in text
    assert "Parcela mensal 1,1660% R$ 1.166,00" in text
    assert "1,0000% = R$ 1.000,00" in text  # the up-front fee
    assert "Primeiro pagamento: R$ 2.166,00" in text


@pytest.mark.django_db
def test_a_contract_that_cannot_be_rendered_refuses_the_sale_and_changes_nothing(
    staff_user, monkeypatch
):
    group = make_group(actor=staff_user, rules={"admin_fee_upfront": Decimal("0.01")})
    member = register(actor=staff_user)
    reservation = sales.reserve_quota(actor=staff_user, group=group, member=member)
    events_before = OutboxEvent.objects.count()

    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)  # a third party failing
    with pytest.raises(contracts.ContractNotIssued) as refused:
        sales.confirm_sale(actor=staff_user, reservation=reservation, contract_accepted=True)

    assert refused.value.code == "quota_contract_not_issued"
    assert "a venda não foi confirmada" in str(refused.value.detail)
    reservation.refresh_from_db()
    assert (reservation.status, reservation.sold_at, reservation.contract) == (
        QuotaStatus.RESERVED,
        None,
        None,
    )
    assert not QuotaObligation.objects.filter(quota_version=reservation).exists()
    assert OutboxEvent.objects.count() == events_before
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_reissuing_after_an_amendment_adds_a_version_of_the_same_document(staff_user):
    group = make_group(actor=staff_user)
    version = sell(staff_user, group)
    first_issue = version.contract

    amendments.amend_group_rules(
        group=group,
        changes={"late_group_share": Decimal("0.6")},
        reason="Assembleia extraordinária",
        actor=staff_user,
    )
    second_issue = contracts.reissue_contract(actor=staff_user, version=version)

    version.refresh_from_db()
    assert version.contract == second_issue
    assert second_issue.document_id == first_issue.document_id
    assert second_issue.number == 2
    numbers = DocumentVersion.objects.filter(document=first_issue.document).values_list(
        "number", flat=True
    )
    assert sorted(numbers) == [1, 2]  # the first issue stays retrievable
    assert "60% dos encargos pertencem ao grupo" in pdf_text(read_verified(second_issue))
    assert "50% dos encargos pertencem ao grupo" in pdf_text(read_verified(first_issue))
    assert "regras versão 2" in pdf_text(read_verified(second_issue))


@pytest.mark.django_db
def test_a_reservation_has_no_contract_to_reissue_or_download(staff_user, group):
    reservation = sales.reserve_quota(actor=staff_user, group=group, member=register())

    with pytest.raises(contracts.ContractMissing):
        contracts.contract_download_url(reservation, actor=staff_user)
    with pytest.raises(QuotaInvalidTransition):
        contracts.reissue_contract(actor=staff_user, version=reservation)
    assert Document.objects.count() == 0
