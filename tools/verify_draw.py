#!/usr/bin/env python3
"""Check a published verifiable draw with Python's standard library only.

    python3 tools/verify_draw.py sorteio.json

The JSON file is the document published with the minutes (format
``consorcio-verifiable-draw/1``): ``commitment``, ``seed``, ``extraction.prizes``,
``snapshot`` (``assembly``, ``quota_count``, ``direction``, ``eligible``, ``excluded``),
``snapshot_sha256``, ``draws``, ``excluded_draws`` and the claimed ``key``, ``winners`` and
``excluded_winners``. The script recomputes everything from the seed, the prizes and the
snapshot, prints each check and exits 0 when all hold, 1 otherwise.

Byte encoding (the same as ``apps/draws/services/verifiable.py``; README "Draws"):

- seed: 32 raw bytes (published as 64 hex characters); commitment = SHA-256(seed), hex;
- snapshot bytes: UTF-8, six lines each ending in LF::

      consorcio-draw-snapshot/1
      assembly=<assembly>
      quota_count=<Q>
      direction=<up_first|down_first>
      eligible=<ascending numbers, comma-separated>
      excluded=<number:version pairs, ascending, comma-separated>

- prizes: the five prizes in prize order as 5-digit ASCII strings, concatenated (25 bytes);
- key = int(SHA-256(seed ‖ prizes ‖ SHA-256(snapshot bytes) as 32 raw bytes), 16) mod Q,
  a remainder of 0 meaning Q;
- winners: from the key, try key, key+1, key-1, key+2, key-2, ... (``down_first``: key-1
  first), wrapping within 1..Q; the first eligible quota wins, the next draw takes the next
  one; excluded quotas: the same order over the excluded numbers, oldest version first.
"""

from __future__ import annotations

import hashlib
import json
import sys

FORMAT = "consorcio-verifiable-draw/1"
SNAPSHOT_HEADER = "consorcio-draw-snapshot/1"


def snapshot_bytes(snapshot: dict) -> bytes:
    eligible = sorted(int(number) for number in snapshot["eligible"])
    excluded = sorted((int(item["quota"]), int(item["version"])) for item in snapshot["excluded"])
    lines = [
        SNAPSHOT_HEADER,
        "assembly=" + snapshot["assembly"],
        "quota_count=" + str(int(snapshot["quota_count"])),
        "direction=" + snapshot["direction"],
        "eligible=" + ",".join(str(number) for number in eligible),
        "excluded=" + ",".join(f"{number}:{version}" for number, version in excluded),
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def prize_bytes(prizes: list) -> bytes:
    if len(prizes) != 5:
        raise ValueError("five prizes are needed")
    numbers = [int(str(prize).replace(".", "")) for prize in prizes]
    if any(not 0 <= number <= 99999 for number in numbers):
        raise ValueError("a prize is a ticket number from 00000 to 99999")
    return "".join(f"{number:05d}" for number in numbers).encode("ascii")


def derive_key(seed_hex: str, prizes: list, snapshot_sha256: str, quota_count: int) -> int:
    seed = bytes.fromhex(seed_hex)
    if len(seed) != 32:
        raise ValueError("the seed is 32 bytes")
    data = seed + prize_bytes(prizes) + bytes.fromhex(snapshot_sha256)
    return int(hashlib.sha256(data).hexdigest(), 16) % quota_count or quota_count


def search_order(key: int, quota_count: int, direction: str):
    signs = (1, -1) if direction == "up_first" else (-1, 1)
    seen = {key}
    yield key
    distance = 1
    while len(seen) < quota_count:
        for sign in signs:
            quota = (key - 1 + sign * distance) % quota_count + 1
            if quota not in seen:
                seen.add(quota)
                yield quota
        distance += 1


def winners(key: int, snapshot: dict, draws: int, excluded_draws: int):
    quota_count, direction = int(snapshot["quota_count"]), snapshot["direction"]
    eligible = {int(number) for number in snapshot["eligible"]}
    versions: dict[int, list[int]] = {}
    for item in snapshot["excluded"]:
        versions.setdefault(int(item["quota"]), []).append(int(item["version"]))
    active: list[int] = []
    excluded: list[dict] = []
    for quota in search_order(key, quota_count, direction):
        if len(active) < draws and quota in eligible:
            active.append(quota)
        for version in sorted(versions.get(quota, [])):
            if len(excluded) < excluded_draws:
                excluded.append({"quota": quota, "version": version})
        if len(active) == draws and len(excluded) == excluded_draws:
            break
    return active, excluded


def verify(document: dict) -> list[tuple[str, bool, str]]:
    """Each check as (what, passed, detail)."""
    checks = []
    snapshot = document["snapshot"]
    quota_count = int(snapshot["quota_count"])
    checks.append(("formato", document.get("format") == FORMAT, str(document.get("format"))))
    commitment = hashlib.sha256(bytes.fromhex(document["seed"])).hexdigest()
    checks.append(
        ("semente confere com o compromisso", commitment == document["commitment"], commitment)
    )
    digest = hashlib.sha256(snapshot_bytes(snapshot)).hexdigest()
    checks.append(("hash do retrato", digest == document["snapshot_sha256"], digest))
    key = derive_key(document["seed"], document["extraction"]["prizes"], digest, quota_count)
    checks.append(("chave", key == int(document["key"]), str(key)))
    active, excluded = winners(
        key, snapshot, int(document.get("draws", 1)), int(document.get("excluded_draws", 1))
    )
    checks.append(("cotas sorteadas", active == document["winners"], str(active)))
    checks.append(
        ("cotas excluídas sorteadas", excluded == document["excluded_winners"], str(excluded))
    )
    return checks


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("uso: python3 tools/verify_draw.py <sorteio.json>\n")
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        document = json.load(handle)
    checks = verify(document)
    for what, passed, detail in checks:
        sys.stdout.write(f"[{'OK' if passed else 'FALHOU'}] {what}: {detail}\n")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
