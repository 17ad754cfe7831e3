"""The finance demo (``seed_demo_finance``): a month end run through the real services, once.

It runs here after trimmed demo groups (each sale renders a contract PDF): the two running
groups with one sale each, plus the finance demo's own holders who joined 75 days ago.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.services.demo import load_demo_data
from apps.finance import demo
from apps.finance.models import (
    BankAgreement,
    BankFile,
    BankFileLine,
    BillingRun,
    Charge,
    DelinquencyStatus,
    InstallmentSchedule,
    LedgerTransaction,
    Payment,
)
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.groups import demo as group_demo
from apps.groups.models import QuotaVersion
from apps.members.demo import load_demo_members
from tests.members.support import ensure_member_permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_groups():
    ensure_member_permissions()
    load_demo_data(admin_username="admin", password="consorcio-demo")
    load_demo_members()
    by_code = {spec.code: spec for spec in group_demo.DEMO_GROUPS}
    trimmed = tuple(
        dataclasses.replace(by_code[code], sold=1, sold_by_representative=0)
        for code in demo.HISTORY_GROUPS
    )
    group_demo.load_demo_groups(specs=trimmed)


def _snapshot() -> dict[str, int]:
    models = (
        BankAgreement,
        QuotaVersion,
        BillingRun,
        Charge,
        Payment,
        BankFile,
        BankFileLine,
        LedgerTransaction,
        DelinquencyStatus,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_month_end_bills_pays_imports_and_marks_delinquency_once(demo_groups):
    steps: list[int] = []
    started = time.monotonic()
    result = demo.load_demo_finance(progress=steps.append)
    elapsed = time.monotonic() - started

    assert elapsed < 20, f"the finance demo took {elapsed:.1f} s"
    assert sum(steps) == demo.total_steps()
    assert result.agreements_created == 2  # the groups present, one bank each
    assert {a.bank_code for a in BankAgreement.objects.all()} == {"237", "341"}
    assert result.quotas_sold == 2 * len(demo.HISTORY_QUOTAS)
    # Their sales carry the moment they were made, and their installments follow it.
    joined = timezone.localdate() - dt.timedelta(days=demo.HISTORY_DAYS)
    history = QuotaVersion.objects.filter(quota__number__in=demo.HISTORY_QUOTAS)
    assert {timezone.localdate(v.sold_at) for v in history} == {joined}
    assert set(
        InstallmentSchedule.objects.filter(quota__number__in=demo.HISTORY_QUOTAS).values_list(
            "sold_on", flat=True
        )
    ) == {joined}
    assert result.billing_runs == 2
    assert result.charges_billed >= 2 * len(demo.HISTORY_QUOTAS)
    # Every billed installment charge has its boleto and PIX codes.
    billed = Charge.objects.filter(kind="installment")
    assert not billed.filter(nosso_numero="").exists()
    assert not billed.filter(pix_payload="").exists()
    # The return file was written by the CNAB writer, imported and applied line by line.
    bank_file = BankFile.objects.get()
    assert (bank_file.filename, bank_file.bank_code, bank_file.status) == (
        demo.CNAB_FILENAME,
        demo.CNAB_BANK,
        "applied",
    )
    assert bank_file.applied_count + bank_file.divergent_count == len(demo.HISTORY_QUOTAS) - 1
    assert Payment.objects.filter(source="bank_file").count() == len(demo.HISTORY_QUOTAS) - 1
    # Late payments carried fine and interest; some holders paid nothing and are delinquent.
    assert Payment.objects.filter(late_fine__gt=0).exists()
    assert result.delinquent >= len(demo.HISTORY_GROUPS)
    assert DelinquencyStatus.objects.count() >= 2
    assert find_ledger_violations() == []

    before = _snapshot()
    again = demo.load_demo_finance()

    assert dataclasses.astuple(again)[:-1] == (0, 0, 0, 0, 0, 0, 0)
    assert _snapshot() == before
    assert find_ledger_violations() == []


def test_the_command_asks_for_the_other_demo_commands_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_finance", verbosity=0, stdout=StringIO())
    assert not BankAgreement.objects.exists()
