"""The boleto of a charge as a Portuguese PDF (ISSUE 11 §4).

``charge_pdf`` renders ``finance/pdf/boleto.html`` with ``documents.services.pdf.render_pdf``:
the installment components in Reais and as a percentage of the credit, the next assembly (the
group's assembly day, moved to the next business day), the quota's % paid
(``selectors.ledger.quota_paid_fraction``), the linha digitável, the ITF barcode and the PIX
QR code, all from the codes stored on the charge. Nothing is changed.

``second_copy_pdf`` is the 2ª via of an overdue charge for payment on ``new_due_date``: A4
late charges recomputed for that date (``payment_allocation.late_charges_for``), a boleto with
the same nosso número (the original campo livre, which carries it, with the new due-date factor
and amount) and, for a static PIX, a new BR Code with the same txid and the new amount. The
charge is **not** changed (it has no fields for a reissue): a payment of the second copy is
applied to the charge by nosso número or txid and A4 computes the same late charges for its
date. A dynamic (PSP) PIX is left off the second copy: its amount is the PSP's.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from apps.documents.services.pdf import render_pdf
from apps.finance.models import Charge
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.services.boleto import itf_svg
from apps.finance.services.boleto.barcode import build_barcode
from apps.finance.services.boleto.linha_digitavel import linha_digitavel_from_barcode
from apps.finance.services.payment_allocation import late_charges_for
from apps.finance.services.pix import build_static_pix, pix_qr_svg
from apps.groups.services.calendar import next_business_day
from consorcio.errors import DomainError
from consorcio.money import format_brl, round_half_up

__all__ = [
    "SecondCopyRefused",
    "charge_context",
    "charge_pdf",
    "next_assembly_date",
    "second_copy_pdf",
]

TEMPLATE = "finance/pdf/boleto.html"


def _svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _pct(fraction: Decimal) -> str:
    return f"{round_half_up(fraction * 100, 4):.4f}".replace(".", ",") + "%"


def next_assembly_date(assembly_day: int, today: dt.date) -> dt.date:
    """The first assembly on or after ``today``: the day of month, next business day."""
    year, month = today.year, today.month
    while True:
        last = calendar.monthrange(year, month)[1]
        day = next_business_day(dt.date(year, month, min(assembly_day, last)))
        if day >= today:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class SecondCopyRefused(DomainError):
    code: ClassVar[str] = "second_copy_refused"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Segunda via indisponível"
    default_detail: ClassVar[str] = "Esta cobrança não admite segunda via."


def charge_context(charge: Charge, *, today: dt.date | None = None) -> dict[str, Any]:
    """What the boleto template shows for ``charge``."""
    group = charge.group
    rules = group.current_rules
    components = [
        ("Fundo comum", charge.amount_common_fund, charge.fraction_common_fund),
        ("Taxa de administração", charge.amount_admin_fee, charge.fraction_admin_fee),
        ("Fundo de reserva", charge.amount_reserve_fund, charge.fraction_reserve_fund),
        ("Seguro", charge.amount_insurance, charge.fraction_insurance),
    ]
    rows = [(label, format_brl(reais), _pct(fraction)) for label, reais, fraction in components]
    extras = [
        ("Taxas", charge.amount_fees),
        ("Diferenças de prestação", charge.amount_differences),
        ("Multa e juros", charge.amount_late_charges),
    ]
    rows += [(label, format_brl(reais), "") for label, reais in extras if reais]
    paid = ledger_selectors.quota_paid_fraction(quota_version_id=charge.quota_version_id)
    return {
        "charge": charge,
        "group": group,
        "rows": rows,
        "total": format_brl(charge.amount),
        "due_date": charge.due_date,
        "paid_pct": _pct(paid),
        "next_assembly": (
            next_assembly_date(rules.assembly_day, today or timezone.localdate())
            if rules is not None
            else None
        ),
        "second_copy": False,
        "digitable_line": charge.digitable_line,
        "pix_payload": charge.pix_payload,
        "barcode_image": _svg_data_url(itf_svg(charge.barcode)) if charge.barcode else "",
        "pix_image": _svg_data_url(pix_qr_svg(charge.pix_payload)) if charge.pix_payload else "",
    }


def charge_pdf(charge: Charge, *, today: dt.date | None = None) -> bytes:
    """The boleto (with its PIX code) of ``charge`` as PDF bytes."""
    return render_pdf(TEMPLATE, charge_context(charge, today=today))


def second_copy_pdf(
    charge: Charge, new_due_date: dt.date, *, today: dt.date | None = None
) -> bytes:
    """The 2ª via of ``charge`` payable on ``new_due_date`` (see the module doc)."""
    if charge.status not in ("open", "overdue"):
        raise SecondCopyRefused(f"A cobrança {charge.pk} não está em aberto.")
    if new_due_date < charge.due_date:
        raise SecondCopyRefused("O novo vencimento não pode ser anterior ao original.")
    late = late_charges_for(charge, new_due_date)
    amount = charge.amount - charge.amount_late_charges + late.total
    context = charge_context(charge, today=today)
    context["rows"] = [row for row in context["rows"] if row[0] != "Multa e juros"]
    context["rows"].append(
        (f"Multa e juros ({late.days} dias de atraso)", format_brl(late.total), "")
    )
    context.update(
        second_copy=True,
        original_due_date=charge.due_date,
        due_date=new_due_date,
        total=format_brl(amount),
        late=late,
        barcode_image="",
        pix_image="",
        digitable_line="",
        pix_payload="",
    )
    if charge.barcode:
        barcode = build_barcode(
            bank_code=charge.barcode[:3],
            due_date=new_due_date,
            amount=amount,
            free_field=charge.barcode[19:44],
        )
        context["digitable_line"] = linha_digitavel_from_barcode(barcode)
        context["barcode_image"] = _svg_data_url(itf_svg(barcode))
    agreement = charge.bank_agreement
    if agreement is not None and agreement.pix_key and 0 < len(charge.pix_txid) <= 25:
        payload = build_static_pix(
            key=agreement.pix_key,
            merchant_name=agreement.beneficiary_name,
            merchant_city=settings.PIX_MERCHANT_CITY,
            txid=charge.pix_txid,
            amount=amount,
        )
        context["pix_payload"] = payload
        context["pix_image"] = _svg_data_url(pix_qr_svg(payload))
    return render_pdf(TEMPLATE, context)
