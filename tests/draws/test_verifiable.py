"""The verifiable electronic draw: commitment, snapshot bytes, key and winners, re-derived by
the standard-library script ``tools/verify_draw.py`` from the published document."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from apps.draws.services.draw_methods import SearchDirection, Standing
from apps.draws.services.lottery import Extraction
from apps.draws.services.verifiable import (
    Snapshot,
    commitment_of,
    encode_snapshot,
    new_seed,
    published_record,
    run_verifiable_draw,
    seed_matches_commitment,
    snapshot_from_standings,
    snapshot_hash,
    verifiable_key,
)

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
SEED = "9f" * 32
EXTRACTION_6092 = Extraction(
    6092, dt.date(2026, 8, 16), ("52745", "69744", "53467", "64337", "04461")
)


def load_script() -> ModuleType:
    """The standalone script as a module, to compare with the app in-process."""
    spec = importlib.util.spec_from_file_location("verify_draw", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERIFY_DRAW = load_script()


def snapshot(**changes: Any) -> Snapshot:
    fields: dict[str, Any] = {
        "assembly": "G0001 2026-08-20",
        "quota_count": 500,
        "direction": SearchDirection.UP_FIRST,
        "eligible": tuple(n for n in range(1, 501) if n % 7),
        "excluded": ((14, 2), (14, 1), (350, 1)),
    }
    fields.update(changes)
    return Snapshot(**fields)


def publish(snap: Snapshot, seed: str = SEED, draws: int = 2) -> dict[str, Any]:
    result = run_verifiable_draw(seed=seed, extraction=EXTRACTION_6092, snapshot=snap, draws=draws)
    return published_record(
        commitment=commitment_of(seed),
        seed=seed,
        extraction=EXTRACTION_6092,
        snapshot=snap,
        result=result,
    )


def run_script(document: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the script on the document as a member would, with the standard library only."""
    published = folder / "sorteio.json"
    published.write_text(json.dumps(document), encoding="utf-8")
    # -I -S: isolated, without site-packages, so only the standard library is importable.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(published)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_commitment_is_sha256_of_the_seed_bytes() -> None:
    seed = new_seed()

    assert len(seed) == 64
    assert commitment_of(seed) == hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    assert seed_matches_commitment(seed, commitment_of(seed))
    assert not seed_matches_commitment(SEED, commitment_of(seed))


def test_the_snapshot_bytes_are_canonical_whatever_the_input_order() -> None:
    snap = Snapshot("G0001 2026-08-20", 10, SearchDirection.UP_FIRST, (7, 1, 3), ((4, 2), (4, 1)))

    assert encode_snapshot(snap) == (
        b"consorcio-draw-snapshot/1\n"
        b"assembly=G0001 2026-08-20\n"
        b"quota_count=10\n"
        b"direction=up_first\n"
        b"eligible=1,3,7\n"
        b"excluded=4:1,4:2\n"
    )
    assert snapshot_hash(snap) == hashlib.sha256(encode_snapshot(snap)).hexdigest()


def test_the_key_hashes_seed_then_25_prize_bytes_then_the_raw_snapshot_digest() -> None:
    digest = snapshot_hash(snapshot())
    data = bytes.fromhex(SEED) + b"5274569744534676433704461" + bytes.fromhex(digest)

    key = verifiable_key(
        seed=SEED, prizes=EXTRACTION_6092.prizes, snapshot_sha256=digest, quota_count=500
    )

    assert len(data) == 89
    assert key.digest == hashlib.sha256(data).hexdigest()
    assert key.key == (int(key.digest, 16) % 500 or 500)
    six_digit = verifiable_key(
        seed=SEED, prizes=EXTRACTION_6092.published, snapshot_sha256=digest, quota_count=500
    )
    assert six_digit.key == key.key  # the published 6-character form encodes the same


def test_a_changed_snapshot_or_seed_changes_the_key() -> None:
    base = publish(snapshot())
    one_more_eligible = publish(snapshot(eligible=(*snapshot().eligible, 7)))
    other_seed = publish(snapshot(), seed="a0" * 32)

    assert one_more_eligible["snapshot_sha256"] != base["snapshot_sha256"]
    assert base["key"] != one_more_eligible["key"]
    assert base["key"] != other_seed["key"]


def test_the_winners_follow_the_neighbour_search_from_the_key_over_the_snapshot() -> None:
    snap = snapshot()
    result = run_verifiable_draw(seed=SEED, extraction=EXTRACTION_6092, snapshot=snap, draws=2)

    key = result.key.key
    eligible = set(snap.eligible)
    assert result.winners[0] in eligible
    assert result.draws[0].attempts[0].quota == key
    assert result.winners[1] != result.winners[0]
    assert result.excluded_winners[0] in {(14, 1), (350, 1)}  # the oldest version of 14 first


def test_the_standard_library_script_re_derives_key_and_winners(tmp_path: Path) -> None:
    document = publish(snapshot())
    run = run_script(document, tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"[OK] chave: {document['key']}" in run.stdout
    assert f"[OK] cotas sorteadas: {document['winners']}" in run.stdout


def test_the_script_rejects_a_tampered_winner(tmp_path: Path) -> None:
    document = publish(snapshot())
    document["winners"][0] = 7  # not even eligible
    run = run_script(document, tmp_path)

    assert run.returncode == 1
    assert "[FALHOU] cotas sorteadas" in run.stdout


SNAPSHOTS = st.integers(min_value=1, max_value=120).flatmap(
    lambda q: st.builds(
        Snapshot,
        assembly=st.text(alphabet="Grupo São-0123456789/", max_size=16),
        quota_count=st.just(q),
        direction=st.sampled_from(list(SearchDirection)),
        eligible=st.sets(st.integers(1, q), max_size=40).map(tuple),
        excluded=st.sets(st.tuples(st.integers(1, q), st.integers(1, 3)), max_size=10).map(tuple),
    )
)
SEEDS = st.binary(min_size=32, max_size=32).map(bytes.hex)


@given(snap=SNAPSHOTS, seed=SEEDS, draws=st.integers(0, 3), excluded_draws=st.integers(0, 2))
def test_the_app_and_the_script_agree(
    snap: Snapshot, seed: str, draws: int, excluded_draws: int
) -> None:
    result = run_verifiable_draw(
        seed=seed,
        extraction=EXTRACTION_6092,
        snapshot=snap,
        draws=draws,
        excluded_draws=excluded_draws,
    )
    document = published_record(
        commitment=commitment_of(seed),
        seed=seed,
        extraction=EXTRACTION_6092,
        snapshot=snap,
        result=result,
    )

    assert all(passed for _, passed, _ in VERIFY_DRAW.verify(document))
    assert 1 <= result.key.key <= snap.quota_count


@given(snap=SNAPSHOTS, seed=SEEDS, other=SEEDS)
def test_any_change_of_seed_or_snapshot_changes_the_digest(
    snap: Snapshot, seed: str, other: str
) -> None:
    digest = snapshot_hash(snap)
    prizes = EXTRACTION_6092.prizes
    key = verifiable_key(seed=seed, prizes=prizes, snapshot_sha256=digest, quota_count=1)
    changed = Snapshot(
        snap.assembly + "x", snap.quota_count, snap.direction, snap.eligible, snap.excluded
    )

    assert snapshot_hash(changed) != digest
    again = verifiable_key(
        seed=seed, prizes=prizes, snapshot_sha256=snapshot_hash(changed), quota_count=1
    )
    assert again.digest != key.digest
    if other != seed:
        moved = verifiable_key(seed=other, prizes=prizes, snapshot_sha256=digest, quota_count=1)
        assert moved.digest != key.digest


def test_a_snapshot_is_built_from_the_standings_and_the_excluded_versions() -> None:
    standings = {1: Standing.ELIGIBLE, 2: Standing.IN_DEFAULT, 3: Standing.ELIGIBLE}

    snap = snapshot_from_standings(
        assembly="G1", quota_count=3, direction="down_first", standings=standings
    )

    assert snap.eligible == (1, 3)
    assert snap.direction is SearchDirection.DOWN_FIRST
