"""Rules about the code itself that import-linter and ruff cannot see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 800  # ARCHITECTURE.md §2: split into a package well before this
SIZE_CHECKED_DIRS = ("apps", "consorcio", "config", "tests", "bench")
GET_MODEL_CHECKED_DIRS = ("apps", "consorcio", "config", "bench")
SKIPPED_PARTS = {".venv", "var", "node_modules", "__pycache__"}


def _python_files(*dirs: str) -> list[Path]:
    files: list[Path] = []
    for name in dirs:
        root = REPO / name
        if root.is_dir():
            files.extend(path for path in root.rglob("*.py") if not SKIPPED_PARTS & set(path.parts))
    return sorted(files)


def _is_migration(path: Path) -> bool:
    return "migrations" in path.relative_to(REPO).parts


@pytest.mark.embedded
def test_no_module_is_longer_than_800_lines():
    # Migrations are generated: an initial migration of a large context may pass 800 lines.
    too_long = {
        str(path.relative_to(REPO)): count
        for path in _python_files(*SIZE_CHECKED_DIRS)
        if not _is_migration(path)
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }

    assert too_long == {}, f"split these modules into packages (over {MAX_MODULE_LINES} lines)"


def test_the_size_check_sees_the_project_sources():
    files = {str(path.relative_to(REPO)) for path in _python_files(*SIZE_CHECKED_DIRS)}

    assert "consorcio/models/outbox.py" in files
    assert "tests/architecture/test_codebase_rules.py" in files


_GET_MODEL = re.compile(r"apps\.get_model\(")  # also django_apps.get_model(


def test_apps_get_model_is_used_only_in_migrations():
    # A model looked up by name hides the dependency from import-linter (ARCHITECTURE.md §3).
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in _python_files(*GET_MODEL_CHECKED_DIRS)
        if not _is_migration(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _GET_MODEL.search(line)
    ]

    assert offenders == []


def test_the_get_model_pattern_matches_the_calls_it_must_reject():
    assert _GET_MODEL.search("Member = apps.get_model('members', 'Member')")
    assert _GET_MODEL.search("from django.apps import apps; apps.get_model(label)")
    assert _GET_MODEL.search("django_apps.get_model('groups.Quota')")
    assert not _GET_MODEL.search("django_apps.get_models()")
