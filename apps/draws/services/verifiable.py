"""The verifiable electronic draw (DOMAIN.md A6 option; issue 12 item 3).

1. When bidding opens, the administradora draws a secret **seed** (32 random bytes) and
   publishes the **commitment** ``SHA-256(seed)``.
2. After bidding closes it publishes the **snapshot** of the quotas in the draw and its
   SHA-256, and reveals the seed (anyone checks it against the commitment).
3. The key uses the prizes of the **first Loteria Federal extraction after the close**,
   unknown to everyone when the snapshot is fixed::

       digest = SHA-256(seed ‖ prizes ‖ snapshot_hash)
       key    = int(digest, 16) mod Q, a remainder of 0 meaning Q

4. From the key, the winners follow A6's neighbour search (``draw_methods``), in the
   snapshot's search direction, over the snapshot's eligible quotas; the excluded-quota draw
   uses the same key over the snapshot's excluded versions, oldest first.

Exact byte encoding (``tools/verify_draw.py`` re-implements it with the standard library):

- ``seed``: the 32 raw bytes; published as 64 lowercase hex characters.
- ``commitment``: ``SHA-256(seed bytes)``, 64 lowercase hex characters.
- ``prizes``: the five prizes in prize order (1º to 5º), each as its 5-digit ASCII form
  (ticket 4,461 is ``04461``), concatenated without separators: exactly 25 bytes.
- ``snapshot_hash``: the 32 raw bytes of ``SHA-256(snapshot bytes)`` (not its hex form).
- the snapshot bytes: UTF-8 text, each line ending in ``\\n`` (LF), exactly these 6 lines::

      consorcio-draw-snapshot/1
      assembly=<assembly reference, no LF>
      quota_count=<Q in decimal>
      direction=<up_first|down_first>
      eligible=<eligible quota numbers, ascending, decimal, comma-separated, no spaces>
      excluded=<number:version pairs, ascending by number then version, comma-separated>

  Numbers are written without leading zeros; an empty list leaves nothing after ``=``.
- the digest input is ``seed (32) ‖ prizes (25) ‖ snapshot_hash (32)``: 89 bytes; ``int(digest
  hex, 16)`` reads the digest as a big-endian unsigned integer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apps.draws.services.draw_methods import (
    DrawResult,
    ExcludedDrawResult,
    ExcludedQuota,
    SearchDirection,
    Standing,
    draw_excluded,
    search_from_key,
)
from apps.draws.services.lottery import PRIZE_COUNT, Extraction, normalise_prize

__all__ = [
    "PUBLICATION_FORMAT",
    "SNAPSHOT_HEADER",
    "Snapshot",
    "VerifiableDraw",
    "VerifiableKey",
    "commitment_of",
    "encode_prizes",
    "encode_snapshot",
    "new_seed",
    "published_record",
    "run_verifiable_draw",
    "seed_matches_commitment",
    "snapshot_from_standings",
    "snapshot_hash",
    "verifiable_key",
]

SNAPSHOT_HEADER = "consorcio-draw-snapshot/1"
PUBLICATION_FORMAT = "consorcio-verifiable-draw/1"
SEED_BYTES = 32


@dataclass(frozen=True)
class Snapshot:
    """The quotas in a verifiable draw, fixed when bidding closes."""

    assembly: str
    quota_count: int
    direction: SearchDirection
    eligible: tuple[int, ...]
    excluded: tuple[tuple[int, int], ...] = ()  # (number, version) of eligible excluded quotas

    def __post_init__(self) -> None:
        if "\n" in self.assembly or "\r" in self.assembly:
            raise ValueError("the assembly reference is one line")
        if self.quota_count < 1:
            raise ValueError("a group has at least one quota")
        numbers = list(self.eligible) + [number for number, _ in self.excluded]
        if any(not 1 <= number <= self.quota_count for number in numbers):
            raise ValueError(f"quota numbers run from 1 to {self.quota_count}")
        if len(set(self.eligible)) != len(self.eligible):
            raise ValueError("a quota appears once among the eligible")
        if len(set(self.excluded)) != len(self.excluded):
            raise ValueError("an excluded version appears once")
        # Canonical order, whatever order the caller gave.
        object.__setattr__(self, "eligible", tuple(sorted(self.eligible)))
        object.__setattr__(self, "excluded", tuple(sorted(self.excluded)))
        object.__setattr__(self, "direction", SearchDirection(self.direction))

    def as_dict(self) -> dict[str, Any]:
        """The published JSON form (what ``tools/verify_draw.py`` reads)."""
        return {
            "assembly": self.assembly,
            "quota_count": self.quota_count,
            "direction": self.direction.value,
            "eligible": list(self.eligible),
            "excluded": [
                {"quota": number, "version": version} for number, version in self.excluded
            ],
        }


def new_seed() -> str:
    """A fresh secret seed: 32 bytes from the OS's CSPRNG, as 64 hex characters."""
    return secrets.token_hex(SEED_BYTES)


def _seed_bytes(seed: str) -> bytes:
    raw = bytes.fromhex(seed)
    if len(raw) != SEED_BYTES:
        raise ValueError(f"a seed is {SEED_BYTES} bytes")
    return raw


def commitment_of(seed: str) -> str:
    """The commitment published when bidding opens: SHA-256 of the seed's bytes, hex."""
    return hashlib.sha256(_seed_bytes(seed)).hexdigest()


def seed_matches_commitment(seed: str, commitment: str) -> bool:
    """Whether a revealed seed is the one committed to."""
    return hmac.compare_digest(commitment_of(seed), commitment.lower())


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """The snapshot's canonical bytes (see the module docstring)."""
    lines = [
        SNAPSHOT_HEADER,
        f"assembly={snapshot.assembly}",
        f"quota_count={snapshot.quota_count}",
        f"direction={snapshot.direction.value}",
        "eligible=" + ",".join(str(number) for number in snapshot.eligible),
        "excluded=" + ",".join(f"{number}:{version}" for number, version in snapshot.excluded),
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def snapshot_hash(snapshot: Snapshot) -> str:
    """SHA-256 of the snapshot's canonical bytes, hex (published after the close)."""
    return hashlib.sha256(encode_snapshot(snapshot)).hexdigest()


def encode_prizes(prizes: Sequence[str | int | None]) -> bytes:
    """The five prizes as 25 ASCII bytes (5-digit forms in prize order)."""
    if len(prizes) != PRIZE_COUNT or any(prize is None for prize in prizes):
        raise ValueError(f"the key needs all {PRIZE_COUNT} prizes")
    return "".join(normalise_prize(prize) for prize in prizes if prize is not None).encode()


@dataclass(frozen=True)
class VerifiableKey:
    """The key and what it was computed from (all published)."""

    seed: str
    prizes: tuple[str, ...]
    snapshot_hash: str
    digest: str
    quota_count: int
    key: int


def verifiable_key(
    *, seed: str, prizes: Sequence[str | int | None], snapshot_sha256: str, quota_count: int
) -> VerifiableKey:
    """``int(SHA-256(seed ‖ prizes ‖ snapshot hash), 16) mod Q``, 0 meaning Q."""
    if quota_count < 1:
        raise ValueError("a group has at least one quota")
    snapshot_digest = bytes.fromhex(snapshot_sha256)
    if len(snapshot_digest) != hashlib.sha256().digest_size:
        raise ValueError("a snapshot hash is a SHA-256 digest")
    encoded_prizes = encode_prizes(prizes)
    digest = hashlib.sha256(_seed_bytes(seed) + encoded_prizes + snapshot_digest).hexdigest()
    key = int(digest, 16) % quota_count or quota_count
    return VerifiableKey(
        seed=seed.lower(),
        prizes=tuple(encoded_prizes.decode()[i : i + 5] for i in range(0, 25, 5)),
        snapshot_hash=snapshot_sha256.lower(),
        digest=digest,
        quota_count=quota_count,
        key=key,
    )


@dataclass(frozen=True)
class VerifiableDraw:
    """A verifiable draw's key, its active draws and its excluded-quota draws."""

    key: VerifiableKey
    draws: tuple[DrawResult, ...]
    excluded_draws: tuple[ExcludedDrawResult, ...]

    @property
    def winners(self) -> list[int]:
        return [draw.winner for draw in self.draws if draw.winner is not None]

    @property
    def excluded_winners(self) -> list[tuple[int, int]]:
        return [
            (draw.winner.number, draw.winner.version)
            for draw in self.excluded_draws
            if draw.winner is not None
        ]


def run_verifiable_draw(
    *,
    seed: str,
    extraction: Extraction,
    snapshot: Snapshot,
    draws: int = 1,
    excluded_draws: int = 1,
    standings: Mapping[int, Standing] | None = None,
) -> VerifiableDraw:
    """Key and winners of a verifiable draw (``draws`` active winners, then excluded ones).

    ``standings`` may give the real reasons of ineligible quotas for the trace; the winners
    depend only on the snapshot (a number not in ``snapshot.eligible`` never wins).
    """
    key = verifiable_key(
        seed=seed,
        prizes=extraction.complete_prizes(),
        snapshot_sha256=snapshot_hash(snapshot),
        quota_count=snapshot.quota_count,
    )
    # Only the snapshot decides who may win; ``standings`` only names the others' reasons.
    eligible = set(snapshot.eligible)
    search_standings = {
        number: _not_eligible(standing)
        for number, standing in (standings or {}).items()
        if number not in eligible
    }
    search_standings.update(dict.fromkeys(eligible, Standing.ELIGIBLE))
    results: list[DrawResult] = []
    for _ in range(draws):
        taken = [result.winner for result in results if result.winner is not None]
        result = search_from_key(
            key.key,
            quota_count=snapshot.quota_count,
            standings=search_standings,
            direction=snapshot.direction,
            taken=taken,
        )
        results.append(result)
    excluded_results: list[ExcludedDrawResult] = []
    versions = [ExcludedQuota(number, version) for number, version in snapshot.excluded]
    for _ in range(excluded_draws):
        taken_versions = [
            (r.winner.number, r.winner.version) for r in excluded_results if r.winner is not None
        ]
        excluded_results.append(
            draw_excluded(
                key=key.key,
                quota_count=snapshot.quota_count,
                excluded=versions,
                direction=snapshot.direction,
                taken=taken_versions,
            )
        )
    return VerifiableDraw(key, tuple(results), tuple(excluded_results))


def _not_eligible(standing: Standing) -> Standing:
    return Standing.NOT_ELIGIBLE if standing is Standing.ELIGIBLE else standing


def published_record(
    *,
    commitment: str,
    seed: str,
    extraction: Extraction,
    snapshot: Snapshot,
    result: VerifiableDraw,
) -> dict[str, Any]:
    """The JSON document published with the minutes; ``tools/verify_draw.py`` checks it."""
    return {
        "format": PUBLICATION_FORMAT,
        "commitment": commitment,
        "seed": seed.lower(),
        "extraction": {
            "concurso": extraction.concurso,
            "date": extraction.drawn_on.isoformat(),
            "prizes": list(extraction.complete_prizes()),
        },
        "snapshot": snapshot.as_dict(),
        "snapshot_sha256": snapshot_hash(snapshot),
        "key": result.key.key,
        "draws": len(result.draws),
        "excluded_draws": len(result.excluded_draws),
        "winners": result.winners,
        "excluded_winners": [
            {"quota": number, "version": version} for number, version in result.excluded_winners
        ],
    }


def snapshot_from_standings(
    *,
    assembly: str,
    quota_count: int,
    direction: SearchDirection | str,
    standings: Mapping[int, Standing],
    excluded: Iterable[ExcludedQuota] = (),
) -> Snapshot:
    """The snapshot of a draw's inputs: eligible numbers and eligible excluded versions."""
    return Snapshot(
        assembly=assembly,
        quota_count=quota_count,
        direction=SearchDirection(direction),
        eligible=tuple(n for n, s in standings.items() if s is Standing.ELIGIBLE),
        excluded=tuple(
            (version.number, version.version)
            for version in excluded
            if version.standing is Standing.ELIGIBLE
        ),
    )
