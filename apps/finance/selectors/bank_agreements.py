"""Reading bank agreements (convênios de cobrança) for the staff pages."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.finance.models import BankAgreement


def bank_agreements() -> QuerySet[BankAgreement]:
    """Every agreement with its group (none: the administradora's default)."""
    return BankAgreement.objects.select_related("group")


def numbers_issued(agreement: BankAgreement) -> int:
    """How many nosso números of its range the agreement has issued so far."""
    return agreement.next_nosso_numero - agreement.first_nosso_numero


def numbers_left(agreement: BankAgreement) -> int:
    """How many nosso números are still free in the agreement's range."""
    return agreement.last_nosso_numero - agreement.next_nosso_numero + 1
