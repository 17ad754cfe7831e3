"""The import-linter contracts of pyproject.toml are real: each one catches its violation.

``make lint`` shows the contracts pass on the tree; these tests copy the tree to a scratch
directory, plant one violating module and show that the contract meant to catch it breaks
(and that what the rules allow, such as type-only imports, does not).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# About half a second per lint run: kept out of `make test-fast`.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "migrations")


@pytest.fixture(scope="module")
def pristine_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for package in ("apps", "consorcio", "config"):
        shutil.copytree(REPO / package, root / package, ignore=IGNORED)
    (root / "tests" / "architecture").mkdir(parents=True)
    (root / "tests" / "__init__.py").touch()
    (root / "tests" / "architecture" / "__init__.py").touch()
    shutil.copy(REPO / "tests/architecture/public_face.py", root / "tests/architecture/")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture
def tree(pristine_tree: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(pristine_tree, copy)
    return copy


def _lint(tree: Path, contract: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract],
        cwd=tree,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _plant(tree: Path, relative: str, source: str) -> None:
    path = tree / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write("\n" + source + "\n")


VIOLATIONS = [
    pytest.param(
        "contexts-layered",
        "apps/accounts/selectors.py",
        "import apps.groups.services",
        id="a lower context imports a higher one",
    ),
    pytest.param(
        "contexts-layered",
        "apps/members/selectors.py",
        "import apps.documents",
        id="independent siblings import each other",
    ),
    pytest.param(
        "context-rooms-layered",
        "apps/accounts/selectors.py",
        "from apps.accounts import services",
        id="a selector imports a service",
    ),
    pytest.param(
        "context-rooms-layered",
        "apps/accounts/models.py",
        "import apps.accounts.services",
        id="a model imports a service",
    ),
    pytest.param(
        "context-rooms-layered",
        "apps/accounts/services.py",
        "import apps.accounts.admin",
        id="a service imports an interface module",
    ),
    pytest.param(
        "public-face",
        "apps/groups/services.py",
        "from apps.accounts.models import User",
        id="another context imports a context's models",
    ),
    pytest.param(
        "public-face",
        "apps/audit/handlers.py",
        "from apps.accounts import admin",
        id="another context imports a context's admin",
    ),
    pytest.param(
        "domain-without-web",
        "apps/accounts/selectors.py",
        "from django.http import Http404",
        id="a selector imports django.http",
    ),
    pytest.param(
        "domain-without-web",
        "apps/accounts/services.py",
        "from rest_framework import serializers",
        id="a service imports DRF",
    ),
    pytest.param(
        "domain-without-web",
        "consorcio/money.py",
        "from django.shortcuts import render",
        id="a kernel domain module imports django.shortcuts",
    ),
    pytest.param(
        "kernel-without-apps",
        "consorcio/audit.py",
        "import apps.accounts.services",
        id="the kernel imports an app",
    ),
]


@pytest.mark.parametrize(("contract", "module", "source"), VIOLATIONS)
def test_the_contract_catches_its_violation(tree, contract, module, source):
    assert _lint(tree, contract).returncode == 0, "the contract must hold before the violation"

    _plant(tree, module, source)
    result = _lint(tree, contract)

    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout


ALLOWED = [
    pytest.param(
        "public-face",
        "apps/groups/services.py",
        "from apps.accounts.services import ensure_demo_admin",
        id="another context uses a context's services",
    ),
    pytest.param(
        "public-face",
        "apps/groups/services.py",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from apps.accounts.models import User",
        id="a type-only import of another context's models",
    ),
    pytest.param(
        "context-rooms-layered",
        "apps/accounts/admin.py",
        "import apps.accounts.services",
        id="an interface module uses its services",
    ),
    pytest.param(
        "contexts-layered",
        "apps/groups/selectors.py",
        "import apps.accounts.services",
        id="a higher context uses a lower one",
    ),
]


@pytest.mark.parametrize(("contract", "module", "source"), ALLOWED)
def test_the_contract_allows_what_the_architecture_allows(tree, contract, module, source):
    _plant(tree, module, source)

    result = _lint(tree, contract)

    assert result.returncode == 0, result.stdout
