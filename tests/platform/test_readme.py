"""The README documents every setting the environment can change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Set by tools, not by people: nothing to document.
SET_BY_TOOLS = {"PYTEST_XDIST_WORKER"}

pytestmark = pytest.mark.embedded


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return names


def test_every_environment_variable_the_settings_read_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    variables = _variables_read_by_settings()

    assert "DATABASE_URL" in variables  # the scan itself works
    undocumented = sorted(name for name in variables - SET_BY_TOOLS if f"`{name}`" not in readme)
    assert undocumented == []
