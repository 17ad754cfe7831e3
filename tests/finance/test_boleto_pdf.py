"""The boleto PDF of a charge: components in Reais and %, linha digitável, PIX, % paid."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.accounts.roles import Role
from apps.finance.services import boleto_pdf
from apps.finance.services.boleto.barcode import build_barcode
from apps.finance.services.boleto.linha_digitavel import linha_digitavel_from_barcode
from apps.finance.services.pix import build_static_pix
from consorcio.money import format_brl
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import billing_group
from tests.finance.test_payments import make_charge
from tests.ui.support import ensure_roles

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def charge(finance_user):
    target = make_charge(billing_group(finance_user))
    target.barcode = build_barcode(
        bank_code="001",
        due_date=target.due_date,
        amount=target.amount,
        free_field="0000001234567000000000117",
    )
    target.digitable_line = linha_digitavel_from_barcode(target.barcode)
    target.pix_txid = "CONSORCIO0001PDF"
    target.pix_payload = build_static_pix(
        key="12345678000195",
        merchant_name="ADMINISTRADORA",
        merchant_city="SAO PAULO",
        txid=target.pix_txid,
        amount=target.amount,
    )
    target.save()
    return target


def test_the_boleto_pdf_shows_components_linha_digitavel_and_percent_paid(charge):
    text = pdf_text(boleto_pdf.charge_pdf(charge, today=dt.date(2026, 3, 1)))

    assert "Boleto de pagamento" in text
    assert "Fundo comum" in text
    assert "Taxa de administração" in text
    assert format_brl(charge.amount_common_fund) in text
    assert format_brl(charge.amount) in text
    assert "10/03/2026" in text  # the due date
    assert charge.digitable_line in text
    assert "Percentual pago da cota" in text
    assert "0,0000%" in text
    assert "Próxima assembleia" in text


def test_the_next_assembly_moves_to_a_business_day():
    # 10/05/2026 is a Sunday: the assembly moves to Monday 11/05/2026.
    assert boleto_pdf.next_assembly_date(10, dt.date(2026, 5, 2)) == dt.date(2026, 5, 11)
    assert boleto_pdf.next_assembly_date(10, dt.date(2026, 5, 12)) == dt.date(2026, 6, 10)


def test_second_copy_recomputes_the_a4_late_charges_for_the_new_date(charge):
    # DOMAIN.md worked example 2: R$ 1.170,00 due 10/03/2026 paid on 25/03/2026 owes
    # R$ 23,40 fine + R$ 5,85 interest = R$ 29,25, so the second copy is R$ 1.199,25.
    text = pdf_text(boleto_pdf.second_copy_pdf(charge, dt.date(2026, 3, 25)))

    assert "2ª via" in text
    assert "R$ 29,25" in text
    assert "15 dias de atraso" in text
    assert "R$ 1.199,25" in text
    assert "25/03/2026" in text
    assert "10/03/2026" in text
    expected = linha_digitavel_from_barcode(
        build_barcode(
            bank_code="001",
            due_date=dt.date(2026, 3, 25),
            amount=charge.amount + D("29.25"),
            free_field="0000001234567000000000117",
        )
    )
    assert expected in text  # same nosso número (campo livre), new factor and amount
    charge.refresh_from_db()
    assert charge.amount == D("1170.00")
    assert charge.due_date == dt.date(2026, 3, 10)


def test_a_paid_charge_has_no_second_copy(charge):
    charge.status = "paid"
    with pytest.raises(boleto_pdf.SecondCopyRefused):
        boleto_pdf.second_copy_pdf(charge, dt.date(2026, 3, 25))


def test_finance_staff_download_the_boleto_and_the_second_copy(charge, client):
    ensure_roles()
    client.force_login(UserFactory(roles=[Role.FINANCE]))

    boleto = client.get(reverse("finance:charge_boleto", kwargs={"pk": charge.pk}))
    second = client.get(
        reverse("finance:charge_second_copy", kwargs={"pk": charge.pk}),
        {"vencimento": "2026-03-25"},
    )

    assert boleto.status_code == 200
    assert boleto["Content-Type"] == "application/pdf"
    assert charge.digitable_line in pdf_text(boleto.content)
    assert second.status_code == 200
    assert "R$ 1.199,25" in pdf_text(second.content)


def test_sales_staff_cannot_download_a_boleto(charge, client):
    ensure_roles()
    client.force_login(UserFactory(roles=[Role.SALES]))

    response = client.get(reverse("finance:charge_boleto", kwargs={"pk": charge.pk}))

    assert response.status_code == 403
