"""Draw mathematics of DOMAIN.md A6, as pure functions that return their whole trace.

Quotas are numbered 1..Q, Q = the group's maximum number of quotas. The caller says where
each number stands (``Standing``: eligible, already drawn, in default, excluded, not eligible;
a number absent from the mapping has no active quota, ``vacant``), and the functions answer
with a winner (or none) and every step: the key's derivation, each quota tried and why it was
passed over. Nothing here reads the database: the same inputs give the same result, so the
stored inputs re-derive a published result.

Methods (A6):

- **A** (default): key = prize 1 mod Q, a remainder of 0 meaning quota Q. This is Magalu's
  "fraction of prize ÷ Q (6 places) x Q, rounded" (the trace keeps that arithmetic too).
- **C**: candidates are the last d digits of prizes 1, 2, …, 5 (d = 3 for Q ≤ 1,000, 4 for
  Q ≤ 10,000, 5 above); a slice of zeros means 10^d; a candidate above Q is discarded.
- **B**: for each prize in order, the d-digit windows of its 5-digit form ending at digit 5,
  then 4, then 3 (d = 3: digits 3-5, 2-4, 1-3; d = 4: 2-5, 1-4; d = 5: 1-5).
- B and C: the first eligible candidate wins; if none is, the neighbour search starts from
  the first candidate within range. If **no** candidate is within range (likely for small
  groups: with Q = 150 most 3-digit slices exceed Q), A6 is silent; we start the search from
  method A's key and say so in the trace (``fell_back_to_method_a``).

Neighbour search (A6): key, key+1, key-1, key+2, key-2, … (``up_first``, Magalu clause 21 III)
or key, key-1, key+1, … (``down_first``), wrapping within 1..Q; each quota is tried at most
once (a quota already tried as a B/C candidate is not tried again); if none is eligible the
draw has no winner.

Excluded-quota draw: the same key and search order over the numbers that have excluded
versions; at a number with several excluded versions the oldest comes first.

Bid ties (A8): ``tie_break_order`` sorts quotas by when the neighbour search from the key
reaches them (key first).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from apps.draws.services.lottery import PRIZE_COUNT, normalise_prize

__all__ = [
    "Attempt",
    "Candidate",
    "DrawMethod",
    "DrawResult",
    "ExcludedAttempt",
    "ExcludedDrawResult",
    "ExcludedQuota",
    "KeyDerivation",
    "SearchDirection",
    "SkipReason",
    "Standing",
    "derive_key",
    "draw_excluded",
    "draw_quota",
    "method_a_key",
    "neighbour_order",
    "search_from_key",
    "search_position",
    "slice_digits",
    "tie_break_order",
]


class DrawMethod(StrEnum):
    """How the key is derived from the prizes (values as stored in the group's rules)."""

    A = "A"
    B = "B"
    C = "C"


class SearchDirection(StrEnum):
    """Which neighbour comes first (values as stored in the group's rules)."""

    UP_FIRST = "up_first"
    DOWN_FIRST = "down_first"


class Standing(StrEnum):
    """Where a quota number stands for this draw (decided by the caller, A5)."""

    ELIGIBLE = "eligible"
    ALREADY_DRAWN = "already_drawn"  # awarded (or, in the excluded draw, refunded) before
    IN_DEFAULT = "in_default"
    EXCLUDED = "excluded"
    NOT_ELIGIBLE = "not_eligible"  # any other reason (excluded too recently, opted out…)
    VACANT = "vacant"  # no active quota with this number


class SkipReason(StrEnum):
    """Why a quota (or a B/C candidate) was passed over; ``won`` marks the winner."""

    WON = "won"
    OUT_OF_RANGE = "out_of_range"  # a B/C candidate above Q
    ALREADY_TRIED = "already_tried"  # a B/C candidate equal to an earlier one
    DRAWN_THIS_ASSEMBLY = "drawn_this_assembly"
    ALREADY_DRAWN = "already_drawn"
    IN_DEFAULT = "in_default"
    EXCLUDED = "excluded"
    NOT_ELIGIBLE = "not_eligible"
    VACANT = "vacant"


_REASON_TEXT = {
    SkipReason.WON: "sorteada",
    SkipReason.OUT_OF_RANGE: "maior que o número de cotas, descartada",
    SkipReason.ALREADY_TRIED: "já verificada",
    SkipReason.DRAWN_THIS_ASSEMBLY: "já sorteada nesta assembleia",
    SkipReason.ALREADY_DRAWN: "já contemplada",
    SkipReason.IN_DEFAULT: "inadimplente",
    SkipReason.EXCLUDED: "excluída",
    SkipReason.NOT_ELIGIBLE: "não elegível",
    SkipReason.VACANT: "sem cota ativa",
}


@dataclass(frozen=True)
class Candidate:
    """A B/C candidate: a digit window of one prize (digits numbered 1-5 from the left)."""

    prize_position: int
    first_digit: int
    last_digit: int
    digits: str
    value: int
    in_range: bool


@dataclass(frozen=True)
class KeyDerivation:
    """How the key came from the prizes (method A's arithmetic or B/C's candidates)."""

    method: DrawMethod
    quota_count: int
    prizes: tuple[str, ...]
    key: int
    digits: int | None = None
    candidates: tuple[Candidate, ...] = ()
    fell_back_to_method_a: bool = False
    # Magalu's wording of method A: prize ÷ Q with 6 places, fraction x Q, rounded half up.
    quotient: Decimal | None = None
    fraction_times_count: Decimal | None = None

    def describe(self) -> list[str]:
        """The derivation in Portuguese, one line per step (for the page and the minutes)."""
        if self.method is DrawMethod.A:
            return [_describe_method_a(self)]
        lines = [
            f"Método {self.method.value}: janelas de {self.digits} dígitos, "
            f"descartadas as maiores que {self.quota_count}."
        ]
        for candidate in self.candidates:
            verdict = "dentro do grupo" if candidate.in_range else "fora do grupo"
            lines.append(
                f"{candidate.prize_position}º prêmio, dígitos "
                f"{candidate.first_digit}-{candidate.last_digit}: {candidate.digits} → "
                f"{candidate.value} ({verdict})"
            )
        if self.fell_back_to_method_a:
            lines.append(
                "Nenhum candidato dentro do grupo: a busca parte da chave do método A, "
                + _describe_method_a(self)
            )
        return lines


def _describe_method_a(derivation: KeyDerivation) -> str:
    prize, count = int(derivation.prizes[0]), derivation.quota_count
    return (
        f"{prize} ÷ {count} = {derivation.quotient}; fração x {count} = "
        f"{derivation.fraction_times_count} → chave {derivation.key} "
        f"({prize} mod {count} = {prize % count})"
    )


@dataclass(frozen=True)
class Attempt:
    """One quota tried: as a B/C candidate (``offset`` None) or in the neighbour search."""

    quota: int
    outcome: SkipReason
    offset: int | None = None  # signed distance from the key as the search walks (+1, -1, …)


@dataclass(frozen=True)
class DrawResult:
    """A draw's winner (or None) with its whole trace."""

    derivation: KeyDerivation | None
    key: int
    direction: SearchDirection
    attempts: tuple[Attempt, ...]
    winner: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for storage (Decimals as strings)."""
        derivation = None
        if self.derivation is not None:
            d = self.derivation
            derivation = {
                "method": d.method.value,
                "quota_count": d.quota_count,
                "prizes": list(d.prizes),
                "key": d.key,
                "digits": d.digits,
                "candidates": [vars(candidate) for candidate in d.candidates],
                "fell_back_to_method_a": d.fell_back_to_method_a,
                "quotient": None if d.quotient is None else str(d.quotient),
                "fraction_times_count": (
                    None if d.fraction_times_count is None else str(d.fraction_times_count)
                ),
            }
        return {
            "derivation": derivation,
            "key": self.key,
            "direction": self.direction.value,
            "attempts": [
                {"quota": a.quota, "outcome": a.outcome.value, "offset": a.offset}
                for a in self.attempts
            ],
            "winner": self.winner,
        }

    def describe(self) -> list[str]:
        """The trace in Portuguese, one line per step."""
        lines = self.derivation.describe() if self.derivation is not None else []
        lines.append(f"Chave: cota {self.key}.")
        for attempt in self.attempts:
            reason = _REASON_TEXT[attempt.outcome]
            if attempt.offset is None:
                lines.append(f"Candidata {attempt.quota}: {reason}.")
            else:
                lines.append(f"Cota {attempt.quota} ({_offset_text(attempt.offset)}): {reason}.")
        if self.winner is None:
            lines.append("Nenhuma cota elegível: sem contemplação por sorteio.")
        return lines


def _offset_text(offset: int) -> str:
    return "chave" if offset == 0 else f"chave {offset:+d}"


# --- Keys ---------------------------------------------------------------------------------


def _check_count(quota_count: int) -> None:
    if quota_count < 1:
        raise ValueError("a group has at least one quota")


def _prizes(prizes: Sequence[str | int | None], needed: int) -> tuple[str, ...]:
    if len(prizes) != PRIZE_COUNT:
        raise ValueError(f"an extraction has {PRIZE_COUNT} prizes")
    chosen = list(prizes[:needed])
    if any(prize is None for prize in chosen):
        raise ValueError("the draw needs prizes the extraction does not have")
    return tuple(normalise_prize(prize) for prize in chosen if prize is not None)


def method_a_key(prize: str | int, quota_count: int) -> int:
    """Prize mod Q, 0 meaning Q (A6)."""
    _check_count(quota_count)
    remainder = int(normalise_prize(prize)) % quota_count
    return remainder or quota_count


def slice_digits(quota_count: int) -> int:
    """d: 3 digits for Q ≤ 1,000, 4 for Q ≤ 10,000, 5 above (A6)."""
    _check_count(quota_count)
    if quota_count <= 1_000:
        return 3
    return 4 if quota_count <= 10_000 else 5


def _candidate(prize: str, position: int, first: int, digits: int, count: int) -> Candidate:
    window = prize[first - 1 : first - 1 + digits]
    value = int(window) or 10**digits  # A6: a slice of zeros means 10^d
    return Candidate(position, first, first + digits - 1, window, value, value <= count)


def _method_a(prizes: tuple[str, ...], quota_count: int) -> KeyDerivation:
    prize = Decimal(int(prizes[0]))
    quotient = (prize / quota_count).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    fraction = quotient - int(quotient)
    return KeyDerivation(
        method=DrawMethod.A,
        quota_count=quota_count,
        prizes=prizes,
        key=method_a_key(prizes[0], quota_count),
        quotient=quotient,
        fraction_times_count=fraction * quota_count,
    )


def derive_key(
    method: DrawMethod | str, prizes: Sequence[str | int | None], quota_count: int
) -> KeyDerivation:
    """The key (and, for B and C, the ordered candidates) of an extraction for Q quotas.

    Method A needs prize 1; B and C need all five (``ValueError`` otherwise: check the
    extraction with ``Extraction.complete_prizes`` first for the staff-facing error).
    """
    _check_count(quota_count)
    method = DrawMethod(method)
    if method is DrawMethod.A:
        return _method_a(_prizes(prizes, 1), quota_count)
    five = _prizes(prizes, PRIZE_COUNT)
    digits = slice_digits(quota_count)
    # C: the last d digits; B: windows ending at digit 5, then 4, then 3 (while they fit).
    starts = [6 - digits] if method is DrawMethod.C else list(range(6 - digits, 0, -1))
    candidates = tuple(
        _candidate(prize, position, start, digits, quota_count)
        for position, prize in enumerate(five, start=1)
        for start in starts
    )
    in_range = [candidate.value for candidate in candidates if candidate.in_range]
    if in_range:
        return KeyDerivation(
            method, quota_count, five, in_range[0], digits=digits, candidates=candidates
        )
    fallback = _method_a(five, quota_count)
    return KeyDerivation(
        method,
        quota_count,
        five,
        fallback.key,
        digits=digits,
        candidates=candidates,
        fell_back_to_method_a=True,
        quotient=fallback.quotient,
        fraction_times_count=fallback.fraction_times_count,
    )


# --- The neighbour search -----------------------------------------------------------------


def neighbour_order(
    key: int, quota_count: int, direction: SearchDirection | str = SearchDirection.UP_FIRST
) -> Iterator[tuple[int, int]]:
    """(quota, signed offset) in search order from ``key``, each of 1..Q exactly once."""
    _check_count(quota_count)
    if not 1 <= key <= quota_count:
        raise ValueError(f"key {key} outside 1..{quota_count}")
    signs = (1, -1) if SearchDirection(direction) is SearchDirection.UP_FIRST else (-1, 1)
    seen = {key}
    yield key, 0
    distance = 1
    while len(seen) < quota_count:
        for sign in signs:
            quota = (key - 1 + sign * distance) % quota_count + 1
            if quota not in seen:
                seen.add(quota)
                yield quota, sign * distance
        distance += 1


def search_position(
    quota: int, *, key: int, quota_count: int, direction: SearchDirection | str
) -> tuple[int, int]:
    """A sort key: when the neighbour search from ``key`` reaches ``quota`` (O(1))."""
    up = (quota - key) % quota_count
    down = (key - quota) % quota_count
    if SearchDirection(direction) is SearchDirection.UP_FIRST:
        return (up, 0) if up <= down else (down, 1)
    return (down, 0) if down <= up else (up, 1)


def tie_break_order(
    quotas: Iterable[int], *, key: int, quota_count: int, direction: SearchDirection | str
) -> list[int]:
    """Quotas in the order A6's neighbour search from the key reaches them (A8 bid ties)."""
    _check_count(quota_count)
    numbers = list(quotas)
    if any(not 1 <= quota <= quota_count for quota in numbers):
        raise ValueError(f"quota numbers run from 1 to {quota_count}")
    return sorted(
        numbers,
        key=lambda quota: search_position(
            quota, key=key, quota_count=quota_count, direction=direction
        ),
    )


def _reason(quota: int, standings: Mapping[int, Standing], taken: Collection[int]) -> SkipReason:
    if quota in taken:
        return SkipReason.DRAWN_THIS_ASSEMBLY
    standing = standings.get(quota, Standing.VACANT)
    return SkipReason.WON if standing is Standing.ELIGIBLE else SkipReason(standing.value)


def search_from_key(
    key: int,
    *,
    quota_count: int,
    standings: Mapping[int, Standing],
    direction: SearchDirection | str = SearchDirection.UP_FIRST,
    taken: Collection[int] = (),
    candidates: Sequence[int] = (),
    derivation: KeyDerivation | None = None,
) -> DrawResult:
    """Try ``candidates`` (B/C, in order), then the neighbour search from ``key``.

    ``taken``: quotas already drawn in this assembly (a second planned draw). Each quota is
    tried at most once; the first eligible one wins.
    """
    _check_count(quota_count)
    if any(not 1 <= number <= quota_count for number in standings):
        raise ValueError(f"quota numbers run from 1 to {quota_count}")
    direction = SearchDirection(direction)
    attempts: list[Attempt] = []
    tried: set[int] = set()
    for quota in candidates:
        if not 1 <= quota <= quota_count:
            attempts.append(Attempt(quota, SkipReason.OUT_OF_RANGE))
            continue
        if quota in tried:
            attempts.append(Attempt(quota, SkipReason.ALREADY_TRIED))
            continue
        tried.add(quota)
        outcome = _reason(quota, standings, taken)
        attempts.append(Attempt(quota, outcome))
        if outcome is SkipReason.WON:
            return DrawResult(derivation, key, direction, tuple(attempts), quota)
    for quota, offset in neighbour_order(key, quota_count, direction):
        if quota in tried:
            continue
        outcome = _reason(quota, standings, taken)
        attempts.append(Attempt(quota, outcome, offset))
        if outcome is SkipReason.WON:
            return DrawResult(derivation, key, direction, tuple(attempts), quota)
    return DrawResult(derivation, key, direction, tuple(attempts), None)


def draw_quota(
    *,
    method: DrawMethod | str,
    prizes: Sequence[str | int | None],
    quota_count: int,
    standings: Mapping[int, Standing],
    direction: SearchDirection | str = SearchDirection.UP_FIRST,
    taken: Collection[int] = (),
) -> DrawResult:
    """The draw among active quotas by method A, B or C (A6), with its trace."""
    derivation = derive_key(method, prizes, quota_count)
    candidates = [candidate.value for candidate in derivation.candidates]
    return search_from_key(
        derivation.key,
        quota_count=quota_count,
        standings=standings,
        direction=direction,
        taken=taken,
        candidates=candidates,
        derivation=derivation,
    )


# --- The excluded-quota draw --------------------------------------------------------------


@dataclass(frozen=True)
class ExcludedQuota:
    """An excluded version of a quota number: ``version`` orders versions (lower = older)."""

    number: int
    version: int
    standing: Standing = Standing.ELIGIBLE  # ALREADY_DRAWN once refunded, NOT_ELIGIBLE if new


@dataclass(frozen=True)
class ExcludedAttempt:
    """One excluded version tried, in search order."""

    number: int
    version: int
    outcome: SkipReason
    offset: int


@dataclass(frozen=True)
class ExcludedDrawResult:
    """The excluded-quota draw's winner (or None) with its trace."""

    key: int
    direction: SearchDirection
    attempts: tuple[ExcludedAttempt, ...]
    winner: ExcludedQuota | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for storage."""
        winner = self.winner
        return {
            "key": self.key,
            "direction": self.direction.value,
            "attempts": [
                vars(attempt) | {"outcome": attempt.outcome.value} for attempt in self.attempts
            ],
            "winner": None
            if winner is None
            else {"number": winner.number, "version": winner.version},
        }

    def describe(self) -> list[str]:
        """The trace in Portuguese, one line per step."""
        lines = [f"Sorteio de cotas excluídas, chave {self.key}."]
        for a in self.attempts:
            # An excluded version "already drawn" was refunded at an earlier assembly.
            text = (
                "já restituída"
                if a.outcome is SkipReason.ALREADY_DRAWN
                else _REASON_TEXT[a.outcome]
            )
            where = _offset_text(a.offset)
            lines.append(f"Cota {a.number}, versão {a.version} ({where}): {text}.")
        if self.winner is None:
            lines.append("Nenhuma cota excluída elegível: sem restituição por sorteio.")
        return lines


def draw_excluded(
    *,
    key: int,
    quota_count: int,
    excluded: Iterable[ExcludedQuota],
    direction: SearchDirection | str = SearchDirection.UP_FIRST,
    taken: Collection[tuple[int, int]] = (),
) -> ExcludedDrawResult:
    """The excluded-quota draw: same key and search, excluded versions only, oldest first.

    Only numbers that have excluded versions appear in the trace (the others hold no
    excluded quota to pass over). ``taken``: (number, version) pairs already drawn in this
    assembly. O(n log n) in the number of excluded versions, whatever Q is.
    """
    _check_count(quota_count)
    direction = SearchDirection(direction)
    versions = list(excluded)
    if any(not 1 <= version.number <= quota_count for version in versions):
        raise ValueError(f"quota numbers run from 1 to {quota_count}")

    def order(version: ExcludedQuota) -> tuple[int, int, int]:
        reached = search_position(
            version.number, key=key, quota_count=quota_count, direction=direction
        )
        return (*reached, version.version)

    attempts: list[ExcludedAttempt] = []
    for version in sorted(versions, key=order):
        distance, second = search_position(
            version.number, key=key, quota_count=quota_count, direction=direction
        )
        first_sign = 1 if direction is SearchDirection.UP_FIRST else -1
        offset = distance * (first_sign if second == 0 else -first_sign)
        if (version.number, version.version) in taken:
            outcome = SkipReason.DRAWN_THIS_ASSEMBLY
        elif version.standing is Standing.ELIGIBLE:
            outcome = SkipReason.WON
        else:
            outcome = SkipReason(version.standing.value)
        attempts.append(ExcludedAttempt(version.number, version.version, outcome, offset))
        if outcome is SkipReason.WON:
            return ExcludedDrawResult(key, direction, tuple(attempts), version)
    return ExcludedDrawResult(key, direction, tuple(attempts), None)
