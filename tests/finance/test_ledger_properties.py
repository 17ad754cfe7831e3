"""Hypothesis: random balanced postings, batches, reversals and replays keep the books exact.

After every step the summaries equal the entries (``check_ledger``'s own checks), each
balance equals an exact model kept beside the ledger, and the funds never go negative: a
posting the model says would overdraw a fund is refused and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from apps.finance.models import ACCOUNT_NORMAL_SIGN, NON_NEGATIVE_KINDS, AccountKind
from apps.finance.models import TransactionKind as T
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import ledger
from tests.accounts.factories import UserFactory
from tests.finance.conftest import reserve_version
from tests.groups.conftest import make_group

KINDS = [
    AccountKind.BANK,
    AccountKind.CASH_IN_TRANSIT,
    AccountKind.COMMON_FUND,
    AccountKind.RESERVE_FUND,
    AccountKind.ADMINISTRATION_FEE,
    AccountKind.CREDIT_PAYABLE,
]
QUOTA_KINDS = {AccountKind.COMMON_FUND, AccountKind.RESERVE_FUND, AccountKind.ADMINISTRATION_FEE}
CREDIT_VALUE_CENTS = 10_000_000  # R$100,000.00: a cent is 1e-7 of the credit
DAY = dt.date(2026, 3, 10)

cents = st.integers(min_value=-500_000, max_value=500_000).filter(bool)
raw_lines = st.lists(
    st.tuples(st.sampled_from(KINDS), cents, st.integers(0, 2)), min_size=1, max_size=4
)


def balanced(raw, versions):
    """Lines from (kind, cents, quota slot); a last line on the bank balances them."""
    lines = []
    for kind, amount_cents, slot in raw:
        amount = Decimal(amount_cents).scaleb(-2)
        version = versions[slot] if kind in QUOTA_KINDS and slot < len(versions) else None
        fraction = (Decimal(amount_cents) / CREDIT_VALUE_CENTS) if version else None
        lines.append(ledger.Line(kind, amount, version, fraction))
    total = sum((line.amount for line in lines), Decimal(0))
    if total:
        lines.append(ledger.Line(AccountKind.BANK, -total))
    return lines if len(lines) >= 2 else None


class LedgerMachine(RuleBasedStateMachine):
    # Set once per class (setUpTestData): every example starts from this group's empty ledger.
    group = None
    versions: list[int] = []

    def __init__(self):
        super().__init__()
        # Each example in its own savepoint, rolled back in teardown: a fresh, empty ledger.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.balances = dict.fromkeys(ACCOUNT_NORMAL_SIGN, Decimal("0.00"))
        self.quota = {}
        self.posted = {}  # transaction id -> lines
        self.reversed = set()
        self.keys = 0

    def _key(self):
        self.keys += 1
        return f"k{self.keys}"

    def _predict(self, lines_list):
        balances = dict(self.balances)
        quota = dict(self.quota)
        for lines in lines_list:
            for line in lines:
                delta = ACCOUNT_NORMAL_SIGN[line.account] * line.amount
                balances[line.account] += delta
                if line.quota_version_id:
                    key = (line.account, line.quota_version_id)
                    amount, fraction = quota.get(key, (Decimal(0), Decimal(0)))
                    sign = ACCOUNT_NORMAL_SIGN[line.account]
                    quota[key] = (amount + delta, fraction + sign * (line.fraction or 0))
        ok = all(balances[kind] >= 0 for kind in NON_NEGATIVE_KINDS)
        return ok, balances, quota

    def _apply(self, lines_list, post):
        ok, balances, quota = self._predict(lines_list)
        try:
            results = post()
        except ledger.InsufficientFunds:
            assert not ok
            return None
        assert ok
        self.balances, self.quota = balances, quota
        return results

    @rule(raw=raw_lines)
    def post_one(self, raw):
        lines = balanced(raw, self.versions)
        if lines is None:
            return
        result = self._apply(
            [lines],
            lambda: ledger.post_transaction(
                group_id=self.group.pk,
                kind=T.MANUAL_ADJUSTMENT,
                lines=lines,
                idempotency_key=self._key(),
                effective_date=DAY,
            ),
        )
        if result is not None:
            self.posted[result.transaction_id] = lines

    @rule(batch=st.lists(raw_lines, min_size=1, max_size=4))
    def post_batch(self, batch):
        lines_list = [lines for raw in batch if (lines := balanced(raw, self.versions))]
        if not lines_list:
            return
        postings = [
            ledger.Posting(self.group.pk, T.MANUAL_ADJUSTMENT, lines, self._key(), DAY)
            for lines in lines_list
        ]
        results = self._apply(lines_list, lambda: ledger.post_transactions(postings))
        if results is not None:
            for result, lines in zip(results, lines_list, strict=True):
                assert result.created
                self.posted[result.transaction_id] = lines

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def reverse_one(self, data):
        txn_id = data.draw(st.sampled_from(sorted(self.posted)))
        mirror = [
            ledger.Line(
                ln.account,
                -ln.amount,
                ln.quota_version_id,
                None if ln.fraction is None else -ln.fraction,
            )
            for ln in self.posted[txn_id]
        ]
        if txn_id in self.reversed:
            assert not ledger.reverse_transaction(transaction_id=txn_id).created
            return
        if self._apply([mirror], lambda: ledger.reverse_transaction(transaction_id=txn_id)):
            self.reversed.add(txn_id)

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def replay_one(self, data):
        txn_id = data.draw(st.sampled_from(sorted(self.posted)))
        ids = ledger_selectors.group_transactions(group_id=self.group.pk).filter(pk=txn_id)
        key = ids.values_list("idempotency_key", flat=True).get()
        again = ledger.post_transaction(
            group_id=self.group.pk,
            kind=T.MANUAL_ADJUSTMENT,
            lines=self.posted[txn_id],
            idempotency_key=key,
            effective_date=DAY,
        )
        assert again == ledger.PostingResult(txn_id, created=False)

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    @invariant()
    def books_are_sound_and_exact(self):
        assert find_ledger_violations(group_id=self.group.pk) == []
        stored = ledger_selectors.account_balances(group_id=self.group.pk)
        assert {k: stored[k] for k in self.balances} == self.balances
        paid = ledger_selectors.quota_versions_paid_components(quota_version_ids=self.versions)
        for (kind, version), (amount, fraction) in self.quota.items():
            assert paid[version][kind].amount == amount
            assert paid[version][kind].fraction == fraction
        assert all(self.balances[kind] >= 0 for kind in NON_NEGATIVE_KINDS)


class TestLedgerProperties(TestCase, LedgerMachine.TestCase):
    """Each example runs in its own rolled-back transaction (hypothesis' Django TestCase)."""

    settings = settings(max_examples=15, stateful_step_count=10, deadline=None)

    @classmethod
    def setUpTestData(cls):
        user = UserFactory()
        LedgerMachine.group = make_group(actor=user, max_quotas=5)
        LedgerMachine.versions = [reserve_version(LedgerMachine.group, user, n).pk for n in (1, 2)]
