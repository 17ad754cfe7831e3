"""Shared fixtures of the draws tests: the published Loteria Federal history in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "loteria_federal"


@pytest.fixture(scope="session")
def federal_fixtures() -> Path:
    """The folder of real results; skipped in a clone without ../shared, never in CI."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{FIXTURES} is missing: CI must run the fixture tests")
        pytest.skip(f"{FIXTURES} is absent (a clone without ../shared)")
    return FIXTURES
