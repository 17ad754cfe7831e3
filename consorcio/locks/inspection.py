"""Read-only view of the locks held right now, for operators (``manage.py list_locks``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from consorcio.locks.backend import FENCE_PREFIX, LOCK_PREFIX, get_redis

_SCAN_BATCH = 500
_GLOB_SPECIALS = "\\*?[]"


@dataclass(frozen=True)
class HeldLock:
    """One held lock: who holds it, since when and for how much longer."""

    key: str
    fencing_token: int
    age_seconds: float
    ttl_seconds: float
    holder_host: str
    holder_pid: int


def held_locks(prefix: str = "") -> list[HeldLock]:
    """Locks held now whose key starts with ``prefix``, oldest first.

    Ages use Redis's own clock (the acquisition time is written by Redis), so they are right
    whatever the clocks of the hosts that took the locks. Raises ``redis.RedisError`` if
    Redis cannot be reached.
    """
    client = get_redis()
    pattern = LOCK_PREFIX + _escape_glob(prefix) + "*"
    names = [
        name
        for name in client.scan_iter(match=pattern, count=_SCAN_BATCH)
        if not str(name).startswith(FENCE_PREFIX)
    ]
    seconds, micros = cast(Any, client.time())
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    found: list[HeldLock] = []
    for start in range(0, len(names), _SCAN_BATCH):
        batch = names[start : start + _SCAN_BATCH]
        pipe = client.pipeline(transaction=False)
        for name in batch:
            pipe.get(name)
            pipe.pttl(name)
        replies = pipe.execute(raise_on_error=False)
        for index, name in enumerate(batch):
            value, pttl = replies[2 * index], replies[2 * index + 1]
            held = _parse(str(name), value, pttl, now_ms)
            if held is not None:
                found.append(held)
    return sorted(found, key=lambda held: (-held.age_seconds, held.key))


def _parse(name: str, value: object, pttl: object, now_ms: int) -> HeldLock | None:
    """A held lock from its raw value, or None for anything else (gone, foreign, malformed)."""
    if not isinstance(value, str) or not isinstance(pttl, int) or pttl == -2:
        return None
    parts = value.split("|")
    if len(parts) != 5:
        return None
    _token, fence, acquired_ms, host, pid = parts
    try:
        return HeldLock(
            key=name.removeprefix(LOCK_PREFIX),
            fencing_token=int(fence),
            age_seconds=max(0.0, (now_ms - int(acquired_ms)) / 1000),
            ttl_seconds=max(0.0, pttl / 1000),
            holder_host=host,
            holder_pid=int(pid),
        )
    except ValueError:
        return None


def _escape_glob(text: str) -> str:
    return "".join("\\" + char if char in _GLOB_SPECIALS else char for char in text)
