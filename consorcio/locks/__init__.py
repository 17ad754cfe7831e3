"""Critical sections over Redis with fencing tokens (ARCHITECTURE.md §4 "Critical sections").

The lock saves wasted work; correctness never depends on it alone. Recommended use::

    from consorcio.locks import locked_atomic

    with locked_atomic(f"payment:{charge.pk}", wait=5.0, fence=True) as lease:
        ...  # writes; rows locked with select_for_update in primary-key order

``locked_atomic`` = ``critical_section`` (outside) + ``transaction.atomic()`` (inside) +
``lease.check()`` before commit, so a lease lost mid-section rolls the transaction back.
With ``fence=True`` the database also refuses the write of a holder whose lease was taken
over by a newer one (``StaleFencingToken``), which covers a holder paused past its TTL.

Keys are ``<what>:<id>`` (the lock lives at ``lock:<key>``); the part before the first ``:``
labels the metrics, so it must come from a small fixed set. Errors carry a stable ``code``:
``lock_not_acquired``, ``lock_backend_unavailable``, ``lock_lost``, ``stale_fencing_token``.
"""

from consorcio.locks.errors import (
    LockError,
    LockLost,
    LockNotAcquired,
    LockUnavailable,
    StaleFencingToken,
)
from consorcio.locks.fencing import check_fencing_token
from consorcio.locks.inspection import HeldLock, held_locks
from consorcio.locks.lease import Lease
from consorcio.locks.section import critical_section, locked_atomic

__all__ = [
    "HeldLock",
    "Lease",
    "LockError",
    "LockLost",
    "LockNotAcquired",
    "LockUnavailable",
    "StaleFencingToken",
    "check_fencing_token",
    "critical_section",
    "held_locks",
    "locked_atomic",
]
