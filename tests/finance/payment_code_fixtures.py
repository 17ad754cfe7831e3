"""Reading ``../shared/fixtures/`` (boleto and PIX) for the payment-code tests.

The folder is third parties' data beside the project, never copied into it. Where it is absent
(a user's clone) the parametrised tests have no cases and ``require_fixtures`` skips with the
reason; under ``CI=true`` it fails instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def fixture_path(*parts: str) -> Path:
    return FIXTURES.joinpath(*parts)


def require_fixtures(*parts: str) -> Path:
    """The fixture file's path; skip (fail under CI) when the shared folder is absent."""
    path = fixture_path(*parts)
    if not path.exists():
        message = f"../shared/fixtures/{'/'.join(parts)} ausente (clone sem a pasta shared)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def csv_rows(*parts: str) -> list[dict[str, str]]:
    """The CSV's rows as dicts; an empty list when the file is absent (see ``require_fixtures``)."""
    path = fixture_path(*parts)
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def json_document(*parts: str) -> Any:
    """The JSON file's content; ``{}`` when the file is absent (see ``require_fixtures``)."""
    path = fixture_path(*parts)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
