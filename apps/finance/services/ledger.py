"""Posting to the group ledger: balanced transactions, batches and reversals.

Every movement of a group's money is one call here (ARCHITECTURE.md §4 "Ledger"):

- ``post_transaction`` writes one balanced transaction (lines: debit positive, credit negative,
  Decimal cents) and updates the summary rows in the same database transaction;
- ``post_transactions`` does the same for many postings at once (billing runs, bank files):
  headers and entries go in by COPY and each summary row is updated once per batch;
- ``reverse_transaction`` posts the mirror image of an earlier transaction (posted rows are
  immutable in the database, so a correction is always a reversal).

Each posting names a source reference (``idempotency_key``), unique per group: posting the same
reference again with the same lines returns the first transaction (``created=False``); with
other lines it is refused. The touched balance rows are locked first, in primary-key order, so
two postings never deadlock; the group funds (common, reserve) are checked under that lock and
again by a CHECK on the summary table. The database refuses an unbalanced transaction at COMMIT
(deferred constraint trigger, migrations 0001/0004) whatever the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.finance.models import (
    ACCOUNT_NORMAL_SIGN,
    NON_NEGATIVE_KINDS,
    AccountKind,
    TransactionKind,
)
from apps.finance.services.ledger_errors import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidLedgerLine,
    LedgerError,
    TransactionNotReversible,
    UnbalancedTransaction,
)
from apps.finance.services.ledger_lines import (
    Line,
    Posting,
    PostingResult,
    credit,
    debit,
    line_signature,
    posting_signature,
    validate_posting,
)
from consorcio.money import format_brl

__all__ = [
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidLedgerLine",
    "LedgerError",
    "Line",
    "Posting",
    "PostingResult",
    "TransactionNotReversible",
    "UnbalancedTransaction",
    "credit",
    "debit",
    "ensure_accounts",
    "lock_balances",
    "post_transaction",
    "post_transactions",
    "reverse_transaction",
]

Pair = tuple[int, str]  # (group_id, account kind)
Locked = dict[Pair, tuple[int, Decimal]]  # account id and balance, locked
QuotaDeltas = dict[tuple[int, int], tuple[Decimal, Decimal]]  # (account, version) -> (R$, fr)

# --------------------------------------------------------------------------------------------
# Accounts and summaries

_SELECT_LOCKED = """
    SELECT b.account_id, a.group_id, a.kind, b.balance
      FROM finance_accountbalance b
      JOIN finance_ledgeraccount a ON a.id = b.account_id
      JOIN unnest(%s::bigint[], %s::text[]) AS w(group_id, kind)
        ON a.group_id = w.group_id AND a.kind = w.kind
     ORDER BY b.account_id
       FOR UPDATE OF b"""


def _create_accounts(pairs: Sequence[Pair]) -> None:
    """Create the accounts (and their zero balance rows) that do not exist yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH created AS (
                INSERT INTO finance_ledgeraccount (group_id, kind, created_at)
                SELECT w.group_id, w.kind, now()
                  FROM unnest(%s::bigint[], %s::text[]) AS w(group_id, kind)
                 ORDER BY 1, 2
                ON CONFLICT ON CONSTRAINT finance_account_group_kind DO NOTHING
                RETURNING id, kind
            )
            INSERT INTO finance_accountbalance (account_id, kind, balance)
            SELECT id, kind, 0 FROM created""",
            [[group for group, _ in pairs], [kind for _, kind in pairs]],
        )


def lock_balances(pairs: Iterable[Pair]) -> Locked:
    """Lock the balance rows of the ``(group_id, kind)`` accounts, creating missing accounts.

    Rows are locked in primary-key order (no deadlock between postings). Returns each pair's
    account id and balance (normal side). A flow that must read balances before it posts (the
    yield split) calls it inside its own ``transaction.atomic()``; the posting then finds the
    rows already locked by the same transaction.
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    params: list[Any] = [[group for group, _ in wanted], [kind for _, kind in wanted]]
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_LOCKED, params)
        rows = cursor.fetchall()
        if len(rows) < len(wanted):
            _create_accounts(wanted)
            cursor.execute(_SELECT_LOCKED, params)
            rows = cursor.fetchall()
    return {(group, kind): (account_id, balance) for account_id, group, kind, balance in rows}


def ensure_accounts(*, pairs: Iterable[Pair]) -> dict[Pair, int]:
    """The account id of each ``(group_id, kind)``, creating accounts on demand (no lock)."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    select = """
        SELECT a.id, a.group_id, a.kind FROM finance_ledgeraccount a
        JOIN unnest(%s::bigint[], %s::text[]) AS w(group_id, kind)
          ON a.group_id = w.group_id AND a.kind = w.kind"""
    params: list[Any] = [[group for group, _ in wanted], [kind for _, kind in wanted]]
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        found = {(row[1], row[2]): row[0] for row in cursor.fetchall()}
        if len(found) < len(wanted):
            _create_accounts(wanted)
            cursor.execute(select, params)
            found = {(row[1], row[2]): row[0] for row in cursor.fetchall()}
    return found


def _summary_deltas(
    postings: Iterable[Posting], locked: Locked
) -> tuple[dict[int, Decimal], QuotaDeltas]:
    """Normal-side deltas per account and per (account, quota version) of the postings."""
    balance: dict[int, Decimal] = defaultdict(Decimal)
    quota: QuotaDeltas = {}
    for posting in postings:
        for line in posting.lines:
            account_id = locked[(posting.group_id, line.account)][0]
            sign = ACCOUNT_NORMAL_SIGN[line.account]
            balance[account_id] += sign * line.amount
            if line.quota_version_id is not None:
                key = (account_id, line.quota_version_id)
                amount, fraction = quota.get(key, (Decimal(0), Decimal(0)))
                quota[key] = (amount + sign * line.amount, fraction + sign * (line.fraction or 0))
    return dict(balance), quota


def _check_funds(locked: Locked, deltas: dict[int, Decimal]) -> InsufficientFunds | None:
    """The refusal if a group fund would go below zero after the deltas, else None."""
    for (group_id, kind), (account_id, balance) in sorted(locked.items()):
        delta = deltas.get(account_id, Decimal(0))
        if kind in NON_NEGATIVE_KINDS and balance + delta < 0:
            return InsufficientFunds(
                f"O {AccountKind(kind).label.lower()} do grupo ficaria negativo: saldo "
                f"{format_brl(balance)}, movimento {format_brl(delta)}.",
                extra={"group_id": group_id, "account": kind},
            )
    return None


def _update_balances(deltas: dict[int, Decimal]) -> None:
    changed = sorted((account_id, delta) for account_id, delta in deltas.items() if delta)
    if not changed:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE finance_accountbalance b SET balance = b.balance + v.delta
                 FROM unnest(%s::bigint[], %s::numeric[]) AS v(account_id, delta)
                WHERE b.account_id = v.account_id""",
            [[account_id for account_id, _ in changed], [delta for _, delta in changed]],
        )


def _apply_quota_deltas(deltas: QuotaDeltas) -> None:
    """Upsert per-quota summary rows, in key order, each once."""
    if not deltas:
        return
    keys = sorted(deltas)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO finance_quotaledgerbalance (account_id, quota_version_id, amount, fraction)
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[])
             ORDER BY 1, 2
            ON CONFLICT ON CONSTRAINT finance_quota_balance_unique DO UPDATE
               SET amount = finance_quotaledgerbalance.amount + EXCLUDED.amount,
                   fraction = finance_quotaledgerbalance.fraction + EXCLUDED.fraction""",
            [
                [account for account, _ in keys],
                [quota_version for _, quota_version in keys],
                [deltas[key][0] for key in keys],
                [deltas[key][1] for key in keys],
            ],
        )


# --------------------------------------------------------------------------------------------
# Replays


def _existing_transactions(postings: Sequence[Posting]) -> dict[Pair, int]:
    """The ids of the postings' references already posted, by (group_id, reference)."""
    if not postings:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id, t.group_id, t.idempotency_key FROM finance_ledgertransaction t
                 JOIN unnest(%s::bigint[], %s::text[]) AS w(group_id, key)
                   ON t.group_id = w.group_id AND t.idempotency_key = w.key""",
            [[p.group_id for p in postings], [p.idempotency_key for p in postings]],
        )
        return {(row[1], row[2]): row[0] for row in cursor.fetchall()}


def _check_replays(replays: dict[int, Posting]) -> None:
    """A replayed reference must carry the same kind and lines as the first posting."""
    if not replays:
        return
    lines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    kinds: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id, t.kind, a.kind, e.amount, e.quota_version_id, e.fraction
                 FROM finance_ledgertransaction t
                 JOIN finance_ledgerentry e ON e.transaction_id = t.id
                 JOIN finance_ledgeraccount a ON a.id = e.account_id
                WHERE t.id = ANY(%s)""",
            [list(replays)],
        )
        for txn_id, txn_kind, account, amount, quota_version_id, fraction in cursor.fetchall():
            kinds[txn_id] = txn_kind
            lines[txn_id].append((account, amount, quota_version_id, fraction))
    for txn_id, posting in replays.items():
        if line_signature(kinds[txn_id], lines[txn_id]) != posting_signature(posting):
            raise IdempotencyConflict(
                f"A referência {posting.idempotency_key!r} já foi lançada (lançamento "
                f"#{txn_id}) com outros valores.",
                extra={"transaction_id": txn_id},
            )


def _replay(posting: Posting) -> PostingResult | None:
    """The first transaction of the posting's reference (checked to match), if posted."""
    existing = _existing_transactions([posting]).get((posting.group_id, posting.idempotency_key))
    if existing is None:
        return None
    _check_replays({existing: posting})
    return PostingResult(existing, created=False)


# --------------------------------------------------------------------------------------------
# Writing one transaction

# Header, entries and balances in one round trip; nothing but the header's conflict check
# happens when the reference was already posted (the CTEs read an empty ``header``).
_WRITE_ONE = """
    WITH header AS (
        INSERT INTO finance_ledgertransaction (group_id, kind, memo, effective_date,
            idempotency_key, actor_id, reversal_of_id, posted_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT ON CONSTRAINT finance_transaction_idempotency DO NOTHING
        RETURNING id
    ), entries AS (
        INSERT INTO finance_ledgerentry (transaction_id, account_id, amount, quota_version_id,
            fraction)
        SELECT header.id, line.*
          FROM header, unnest(%s::bigint[], %s::numeric[], %s::bigint[], %s::numeric[]) AS line
    ), balances AS (
        UPDATE finance_accountbalance b SET balance = b.balance + v.delta
          FROM unnest(%s::bigint[], %s::numeric[]) AS v(account_id, delta)
         WHERE b.account_id = v.account_id AND EXISTS (SELECT 1 FROM header)
    )
    SELECT id FROM header"""


# Everything a new posting does, in one round trip: lock the group's balance rows of the
# posting's accounts (primary-key order, as ``lock_balances``), check the funds stay
# non-negative with the locked balances, insert header and entries, update the balances and the
# per-quota summaries. The header is written only when every account exists and the funds
# suffice; otherwise nothing is (``NULL`` id) and the caller takes the general path, which
# creates accounts, finds replays and words the refusal (the rows stay locked meanwhile).
# The UPDATE adds to the latest (locked) row version; per-kind deltas are normal-side.
_POST_ONE = """
    WITH locked AS MATERIALIZED (
        SELECT b.account_id, a.kind, b.balance
          FROM finance_accountbalance b
          JOIN finance_ledgeraccount a ON a.id = b.account_id
         WHERE a.group_id = %(group)s AND a.kind = ANY(%(kinds)s::text[])
         ORDER BY b.account_id
           FOR UPDATE OF b
    ), delta AS (
        SELECT l.account_id, d.delta, l.kind, l.balance
          FROM unnest(%(kinds)s::text[], %(deltas)s::numeric[]) AS d(kind, delta)
          JOIN locked l ON l.kind = d.kind
    ), header AS (
        INSERT INTO finance_ledgertransaction (group_id, kind, memo, effective_date,
            idempotency_key, actor_id, reversal_of_id, posted_at)
        SELECT %(group)s, %(kind)s, %(memo)s, %(date)s, %(key)s, %(actor)s, %(reversal)s,
               %(now)s
         WHERE (SELECT count(*) FROM locked) = cardinality(%(kinds)s::text[])
           AND NOT EXISTS (
               SELECT 1 FROM delta
                WHERE delta.kind = ANY(%(non_negative)s::text[])
                  AND delta.balance + delta.delta < 0)
        ON CONFLICT ON CONSTRAINT finance_transaction_idempotency DO NOTHING
        RETURNING id
    ), entries AS (
        INSERT INTO finance_ledgerentry (transaction_id, account_id, amount, quota_version_id,
            fraction)
        SELECT header.id, l.account_id, line.amount, line.quota_version_id, line.fraction
          FROM header,
               unnest(%(line_kinds)s::text[], %(amounts)s::numeric[], %(versions)s::bigint[],
                      %(fractions)s::numeric[]) WITH ORDINALITY
                   AS line(kind, amount, quota_version_id, fraction, n)
          JOIN locked l ON l.kind = line.kind
         ORDER BY line.n
    ), balances AS (
        UPDATE finance_accountbalance b SET balance = b.balance + delta.delta
          FROM delta
         WHERE b.account_id = delta.account_id AND delta.delta <> 0
           AND EXISTS (SELECT 1 FROM header)
    ), quotas AS (
        INSERT INTO finance_quotaledgerbalance (account_id, quota_version_id, amount, fraction)
        SELECT l.account_id, q.quota_version_id, q.amount, q.fraction
          FROM unnest(%(quota_kinds)s::text[], %(quota_versions)s::bigint[],
                      %(quota_amounts)s::numeric[], %(quota_fractions)s::numeric[])
                   AS q(kind, quota_version_id, amount, fraction)
          JOIN locked l ON l.kind = q.kind
         WHERE EXISTS (SELECT 1 FROM header)
         ORDER BY 1, 2
        ON CONFLICT ON CONSTRAINT finance_quota_balance_unique DO UPDATE
           SET amount = finance_quotaledgerbalance.amount + EXCLUDED.amount,
               fraction = finance_quotaledgerbalance.fraction + EXCLUDED.fraction
    )
    SELECT (SELECT id FROM header)"""


def _post_at_once(posting: Posting, reversal_of_id: int | None) -> PostingResult | None:
    """The posting written in one statement (``_POST_ONE``), or None: take the general path."""
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    by_quota: dict[tuple[str, int], tuple[Decimal, Decimal]] = {}
    for line in posting.lines:
        sign = ACCOUNT_NORMAL_SIGN[line.account]
        by_kind[line.account] += sign * line.amount
        if line.quota_version_id is not None:
            key = (line.account, line.quota_version_id)
            amount, fraction = by_quota.get(key, (Decimal(0), Decimal(0)))
            by_quota[key] = (amount + sign * line.amount, fraction + sign * (line.fraction or 0))
    kinds = sorted(by_kind)
    quota_keys = sorted(by_quota)
    lines = posting.lines
    connection.ensure_connection()
    # A server-side-binding cursor on the same connection (and transaction): psycopg prepares
    # the statement once per connection, so parsing and planning are not paid per posting
    # (behind a transaction-mode pooler, set ``prepare_threshold`` to None in the options).
    # Errors come out as Django's, as from any other query.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            _POST_ONE,
            {
                "group": posting.group_id,
                "kinds": kinds,
                "deltas": [by_kind[kind] for kind in kinds],
                "non_negative": list(NON_NEGATIVE_KINDS),
                "kind": posting.kind,
                "memo": posting.memo,
                "date": posting.effective_date,
                "key": posting.idempotency_key,
                "actor": posting.actor_id,
                "reversal": reversal_of_id,
                "now": timezone.now(),
                "line_kinds": [line.account for line in lines],
                "amounts": [line.amount for line in lines],
                "versions": [line.quota_version_id for line in lines],
                "fractions": [line.fraction for line in lines],
                "quota_kinds": [kind for kind, _ in quota_keys],
                "quota_versions": [version for _, version in quota_keys],
                "quota_amounts": [by_quota[key][0] for key in quota_keys],
                "quota_fractions": [by_quota[key][1] for key in quota_keys],
            },
            prepare=True,
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return PostingResult(int(row[0]), created=True)


def _post(posting: Posting, reversal_of_id: int | None = None) -> PostingResult:
    written = _post_at_once(posting, reversal_of_id)
    if written is not None:
        return written
    locked = lock_balances((posting.group_id, line.account) for line in posting.lines)
    deltas, quota_deltas = _summary_deltas([posting], locked)
    refusal = _check_funds(locked, deltas)
    if refusal is not None:
        replay = _replay(posting)
        if replay is not None:
            return replay
        raise refusal
    changed = sorted((account_id, delta) for account_id, delta in deltas.items() if delta)
    lines = posting.lines
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_ONE,
            [
                posting.group_id,
                posting.kind,
                posting.memo,
                posting.effective_date,
                posting.idempotency_key,
                posting.actor_id,
                reversal_of_id,
                timezone.now(),
                [locked[(posting.group_id, line.account)][0] for line in lines],
                [line.amount for line in lines],
                [line.quota_version_id for line in lines],
                [line.fraction for line in lines],
                [account_id for account_id, _ in changed],
                [delta for _, delta in changed],
            ],
        )
        row = cursor.fetchone()
    if row is None:
        replay = _replay(posting)
        if replay is None:  # pragma: no cover - the conflict row vanished: impossible
            raise IdempotencyConflict("Referência em conflito; tente novamente.")
        return replay
    _apply_quota_deltas(quota_deltas)
    return PostingResult(int(row[0]), created=True)


def post_transaction(
    *,
    group_id: int,
    lines: Sequence[Line],
    kind: str,
    memo: str = "",
    idempotency_key: str,
    effective_date: date,
    actor_id: int | None = None,
) -> PostingResult:
    """Post one balanced transaction on a group's ledger and update its summaries.

    Lines are signed (debit +, credit -), whole cents, at least two, summing to zero; accounts
    are the group's, created on first use. A repeated ``idempotency_key`` with the same lines
    returns the first transaction (``created=False``); with other lines it raises
    ``IdempotencyConflict``. Raises ``InsufficientFunds`` when the common or reserve fund
    would go below zero (nothing is written).
    """
    posting = Posting(
        group_id=group_id,
        kind=kind,
        lines=tuple(lines),
        idempotency_key=idempotency_key,
        effective_date=effective_date,
        memo=memo,
        actor_id=actor_id,
    )
    if kind == TransactionKind.REVERSAL:
        raise InvalidLedgerLine("Estornos são feitos por reverse_transaction.")
    validate_posting(posting)
    if connection.get_autocommit() and not connection.in_atomic_block:
        # Called outside any transaction: the one-statement posting is a transaction of its
        # own (header, entries and summaries, balance check at its commit), one round trip.
        written = _post_at_once(posting, None)
        if written is not None:
            return written
    with transaction.atomic():
        return _post(posting)


# --------------------------------------------------------------------------------------------
# Writing many

_HEADER_COLUMNS = (
    "id, group_id, kind, memo, effective_date, idempotency_key, actor_id, reversal_of_id, posted_at"
)
_ENTRY_COLUMNS = "transaction_id, account_id, amount, quota_version_id, fraction"


def _validate_batch(postings: Sequence[Posting]) -> None:
    seen: set[Pair] = set()
    for posting in postings:
        if posting.kind == TransactionKind.REVERSAL:
            raise InvalidLedgerLine("Estornos são feitos por reverse_transaction.")
        validate_posting(posting)
        reference = (posting.group_id, posting.idempotency_key)
        if reference in seen:
            raise IdempotencyConflict(
                f"A referência {posting.idempotency_key!r} aparece duas vezes no lote."
            )
        seen.add(reference)


def post_transactions(postings: Sequence[Posting]) -> list[PostingResult]:
    """Post many transactions in one database transaction (billing runs, bank files).

    Same rules as ``post_transaction`` per posting; references already posted are returned
    with ``created=False`` (after checking their lines match). Headers and entries are written
    by COPY and each touched summary row is updated once, so the fund check applies to the
    batch's net effect. All or nothing: one refused posting refuses the batch; a reference
    repeated within the batch is refused. Two batches racing on the same new reference: the
    second waits on the balance locks, then finds it posted (same accounts, same lock order).
    """
    postings = list(postings)
    _validate_batch(postings)
    if not postings:
        return []
    with transaction.atomic():
        locked = lock_balances((p.group_id, line.account) for p in postings for line in p.lines)
        written = _post_all_new(postings, locked)
        if written is not None:
            return [PostingResult(txn_id, created=True) for txn_id in written]
        existing = _existing_transactions(postings)
        _check_replays(
            {
                existing[(p.group_id, p.idempotency_key)]: p
                for p in postings
                if (p.group_id, p.idempotency_key) in existing
            }
        )
        fresh = [p for p in postings if (p.group_id, p.idempotency_key) not in existing]
        deltas, quota_deltas = _summary_deltas(fresh, locked)
        refusal = _check_funds(locked, deltas)
        if refusal is not None:
            raise refusal
        ids = _copy_rows(fresh, locked)
        _update_balances(deltas)
        _apply_quota_deltas(quota_deltas)
    new_ids = iter(ids)
    return [
        PostingResult(existing[(p.group_id, p.idempotency_key)], created=False)
        if (p.group_id, p.idempotency_key) in existing
        else PostingResult(next(new_ids), created=True)
        for p in postings
    ]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
_COPY_BLOCK = 1 << 20


def _nullable(value: object) -> str:
    return _NULL if value is None else str(value)


def _copy_text(raw: Any, table: str, columns: str, rows: list[str]) -> None:
    """COPY ``rows`` (text format lines, escaped) into ``table``, in blocks of about 1 MiB."""
    with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        block: list[str] = []
        size = 0
        for row in rows:
            block.append(row)
            size += len(row)
            if size >= _COPY_BLOCK:
                copy.write("".join(block))
                block, size = [], 0
        if block:
            copy.write("".join(block))


def _post_all_new(postings: Sequence[Posting], locked: Locked) -> list[int] | None:
    """The batch written as if every reference were new (the usual case), or None when some
    reference is already posted or a fund would go negative (nothing written: the caller
    sorts replays and refusals out). The unique reference index finds repeats during the COPY,
    so the usual batch pays no lookup of its references; the savepoint undoes a refused one.
    """
    deltas, quota_deltas = _summary_deltas(postings, locked)
    if _check_funds(locked, deltas) is not None:
        return None
    try:
        with transaction.atomic():
            ids = _copy_rows(postings, locked)
    except psycopg.errors.UniqueViolation:  # raised by the raw COPY, unwrapped
        return None
    except IntegrityError as error:
        if isinstance(error.__cause__, psycopg.errors.UniqueViolation):
            return None
        raise
    _update_balances(deltas)
    _apply_quota_deltas(quota_deltas)
    return ids


def _copy_rows(postings: Sequence[Posting], locked: Locked) -> list[int]:
    """COPY the headers (with pre-allocated ids) and entries of the postings; their ids.

    Text format, each row formatted once in Python (the per-value binary adaptation cost more
    than the database's parsing); text columns escaped for COPY.
    """
    if not postings:
        return []
    now = timezone.now().isoformat()
    account = {pair: account_id for pair, (account_id, _) in locked.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('finance_ledgertransaction', 'id')) "
            "FROM generate_series(1, %s)",
            [len(postings)],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrappers
        headers = [
            f"{txn_id}\t{p.group_id}\t{p.kind}\t{p.memo.translate(_COPY_ESCAPES)}\t"
            f"{p.effective_date.isoformat()}\t{p.idempotency_key.translate(_COPY_ESCAPES)}\t"
            f"{_nullable(p.actor_id)}\t{_NULL}\t{now}\n"
            for txn_id, p in zip(ids, postings, strict=True)
        ]
        _copy_text(raw, "finance_ledgertransaction", _HEADER_COLUMNS, headers)
        entries = [
            f"{txn_id}\t{account[(p.group_id, ln.account)]}\t{ln.amount}\t"
            f"{_nullable(ln.quota_version_id)}\t{_nullable(ln.fraction)}\n"
            for txn_id, p in zip(ids, postings, strict=True)
            for ln in p.lines
        ]
        _copy_text(raw, "finance_ledgerentry", _ENTRY_COLUMNS, entries)
    return ids


# --------------------------------------------------------------------------------------------
# Reversals


def reverse_transaction(
    *,
    transaction_id: int,
    memo: str = "",
    effective_date: date | None = None,
    actor_id: int | None = None,
) -> PostingResult:
    """Post the mirror image of a transaction (the only way to correct the ledger).

    Every line is negated (amount and fraction, same quota). A transaction is reversed at
    most once (reversing it again returns the first reversal, ``created=False``); a reversal
    itself is not reversible (post the transaction again instead). The reversal is refused
    with ``InsufficientFunds`` when the fund no longer holds the money it would take back.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # The header row lock (not an UPDATE: the immutability trigger is not involved)
        # serialises two reversals of the same transaction.
        cursor.execute(
            """SELECT t.group_id, t.kind, r.id FROM finance_ledgertransaction t
                 LEFT JOIN finance_ledgertransaction r ON r.reversal_of_id = t.id
                WHERE t.id = %s FOR UPDATE OF t""",
            [transaction_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise TransactionNotReversible(f"O lançamento #{transaction_id} não existe.")
        group_id, kind, reversal_id = row
        if reversal_id is not None:
            return PostingResult(int(reversal_id), created=False)
        if kind == TransactionKind.REVERSAL:
            raise TransactionNotReversible(
                f"O lançamento #{transaction_id} é um estorno: lance o movimento novamente."
            )
        cursor.execute(
            """SELECT a.kind, e.amount, e.quota_version_id, e.fraction
                 FROM finance_ledgerentry e JOIN finance_ledgeraccount a ON a.id = e.account_id
                WHERE e.transaction_id = %s ORDER BY e.id""",
            [transaction_id],
        )
        lines = tuple(
            Line(account, -amount, quota_version_id, None if fraction is None else -fraction)
            for account, amount, quota_version_id, fraction in cursor.fetchall()
        )
        posting = Posting(
            group_id=group_id,
            kind=TransactionKind.REVERSAL,
            lines=lines,
            idempotency_key=f"reversal:{transaction_id}",
            effective_date=effective_date or timezone.localdate(),
            memo=memo or f"Estorno do lançamento #{transaction_id}",
            actor_id=actor_id,
        )
        validate_posting(posting)
        return _post(posting, reversal_of_id=transaction_id)
