"""Fencing tokens checked by the database: a write guarded by an older lease is refused.

Redis leases can expire under a paused holder (GC, swap, SIGSTOP); the fencing token closes
that gap. Each protected write records its token in ``LockFence`` in the same transaction;
the upsert only succeeds if no newer token was recorded, and its row lock is held until the
transaction ends, so fenced writers of one key are also serialized by PostgreSQL.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import TransactionManagementError

from consorcio.locks.errors import StaleFencingToken


def check_fencing_token(key: str, token: int, *, using: str | None = None) -> None:
    """Record ``token`` as the newest writer of ``key``, or raise ``StaleFencingToken``.

    Must run inside the transaction of the write it guards (a refusal then writes nothing).
    The same token may be checked again within its section (equal tokens are accepted).
    """
    from consorcio.models import LockFence  # late: this package is importable before apps load

    connection = connections[using or DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "check_fencing_token must run inside the transaction of the write it guards."
        )
    max_length = LockFence._meta.get_field("key").max_length
    if max_length is not None and len(key) > max_length:
        raise ValueError(f"Fenced lock keys are at most {max_length} characters: {key!r}")
    quote = connection.ops.quote_name
    table = quote(LockFence._meta.db_table)
    key_column, token_column = quote("key"), quote("last_token")
    # Identifiers come from the model and are quoted by the backend; values are bound.
    sql = (
        f"INSERT INTO {table} ({key_column}, {token_column}) VALUES (%s, %s) "  # noqa: S608
        f"ON CONFLICT ({key_column}) DO UPDATE SET {token_column} = EXCLUDED.{token_column} "
        f"WHERE {table}.{token_column} <= EXCLUDED.{token_column} "
        f"RETURNING {token_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, token])
        accepted = cursor.fetchone()
    if accepted is None:
        raise StaleFencingToken(key, token)
