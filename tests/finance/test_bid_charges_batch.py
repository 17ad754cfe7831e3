"""Issuing an assembly's winning bid charges in one go (issue 12 §9): the same charges, codes
and refusals as issuing them one by one (``services.awards.issue_bid_charges``).

Worked example 1's group (1.17% a month); quotas 1 and 2 paid installments 1..10, so each owes
105.30% of the credit when its bid wins at the assembly of 10/11/2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.finance.models import BankAgreement, Charge
from apps.finance.services import awards, pix
from tests.finance.award_support import pay_first_installments
from tests.finance.delinquency_support import holder, running_group

pytestmark = pytest.mark.django_db
D = Decimal
C = D("100000.00")
ASSEMBLY = dt.date(2026, 11, 10)
DUE = dt.date(2026, 11, 13)
# What differs between two charges of the same figures: their identity and their codes.
IDENTITY = {"id", "reference", "nosso_numero", "barcode", "digitable_line", "pix_txid"}
IDENTITY |= {"pix_payload", "created_at"}


@pytest.fixture
def versions(finance_user):
    group = running_group(finance_user)
    BankAgreement.objects.create(
        group=group,
        bank_code="341",
        agency="0057",
        account="12345",
        account_digit="7",
        wallet="109",
        agreement_code="",
        beneficiary_name="Administradora Exemplo",
        beneficiary_document="12345678000195",
        pix_key="financeiro@administradora.example.com",
        first_nosso_numero=1000,
        last_nosso_numero=1999,
        next_nosso_numero=1000,
    )
    found = [holder(group, number) for number in (1, 2)]
    for version in found:
        pay_first_installments(version, 10, dt.date(2026, 10, 13))
    return found


def item(version, ref: str, fraction: str) -> awards.BidChargeItem:
    return awards.BidChargeItem(
        bid_ref=ref,
        quota_version_id=version.pk,
        fraction=D(fraction),
        credit_value=C,
        assembly_date=ASSEMBLY,
        due_date=DUE,
    )


def one_by_one(items: list[awards.BidChargeItem]) -> list[int]:
    return [
        awards.issue_bid_charge(
            bid_ref=i.bid_ref,
            quota_version_id=i.quota_version_id,
            fraction=i.fraction,
            credit_value=i.credit_value,
            assembly_date=i.assembly_date,
            due_date=i.due_date,
        )
        for i in items
    ]


def figures(charge_id: int) -> dict[str, object]:
    row = Charge.objects.filter(pk=charge_id).values().get()
    return {name: value for name, value in row.items() if name not in IDENTITY}


def test_many_bid_charges_at_once_are_the_charges_issued_one_by_one(versions):
    first, second = versions
    singly = one_by_one([item(first, "bid:1", "0.45"), item(second, "bid:2", "0.3017")])

    batch = awards.issue_bid_charges(
        [item(first, "bid:3", "0.45"), item(second, "bid:4", "0.3017")]
    )

    assert [figures(pk) for pk in batch] == [figures(pk) for pk in singly]
    charges = [Charge.objects.get(pk=pk) for pk in singly + batch]
    # Nosso números in the order issued, each charge's PIX naming the charge itself.
    assert [c.nosso_numero for c in charges] == ["00001000", "00001001", "00001002", "00001003"]
    assert [c.reference for c in charges] == ["bid:1", "bid:2", "bid:3", "bid:4"]
    for charge in charges:
        assert charge.pix_txid == pix.static_txid_for(charge_id=charge.pk)
        assert charge.pix_payload
        assert (len(charge.barcode), len(charge.digitable_line)) == (44, 47)
    assert charges[2].barcode[9:19] == "0004500000"  # R$ 45.000,00
    assert len({c.barcode for c in charges}) == 4


def test_a_batch_replays_charges_already_issued_and_issues_the_others(versions):
    first, second = versions
    (issued,) = one_by_one([item(first, "bid:1", "0.45")])

    ids = awards.issue_bid_charges([item(first, "bid:1", "0.45"), item(second, "bid:2", "0.20")])

    assert ids[0] == issued
    assert Charge.objects.get(pk=ids[1]).reference == "bid:2"
    assert awards.issue_bid_charges([item(second, "bid:2", "0.20")]) == [ids[1]]
    assert Charge.objects.filter(kind="bid").count() == 2


@pytest.mark.parametrize(
    ("refused", "error"),
    [
        (("bid:1", "0.40"), awards.BidChargeConflict),  # charged before with 45%
        (("bid:9", "1.0531"), awards.BidExceedsBalance),  # 105.30% is all that is left
        (("", "0.10"), awards.BidInvalid),
    ],
)
def test_a_batch_with_a_refused_bid_is_refused_as_a_whole(versions, refused, error):
    first, second = versions
    one_by_one([item(first, "bid:1", "0.45")])

    with pytest.raises(error):
        awards.issue_bid_charges([item(second, "bid:2", "0.20"), item(second, *refused)])

    assert list(Charge.objects.filter(kind="bid").values_list("reference", flat=True)) == ["bid:1"]
