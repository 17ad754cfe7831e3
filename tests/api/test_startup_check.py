"""The startup check refuses to run without refresh-token rotation and the blacklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from apps.accounts.api.checks import (
    AUTHENTICATION_CLASS,
    BLACKLIST_APP,
    check_token_blacklist,
    token_blacklist_problems,
)

REPO = Path(__file__).resolve().parents[2]


def _ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_project_as_configured_passes_the_check():
    assert check_token_blacklist() == []


@pytest.mark.parametrize("flag", ["ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION"])
def test_rotation_or_blacklisting_switched_off_is_an_error_at_startup(flag):
    with override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, flag: False}):
        messages = run_checks(include_deployment_checks=False)

    assert "accounts.E002" in _ids(messages)
    assert all(m.is_serious() for m in messages if m.id == "accounts.E002")


def test_a_missing_blacklist_app_is_an_error():
    # Decided on the settings alone: unloading the app from the live registry would pull the
    # models from under the test database.
    without = [app for app in settings.INSTALLED_APPS if app != BLACKLIST_APP]

    messages = token_blacklist_problems(
        installed_apps=without,
        jwt_settings=settings.SIMPLE_JWT,
        authentication_classes=[AUTHENTICATION_CLASS],
    )

    assert _ids(messages) == {"accounts.E001"}


def test_an_api_without_our_jwt_authentication_is_an_error():
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": []}
    with override_settings(REST_FRAMEWORK=rest):
        messages = check_token_blacklist()

    assert _ids(messages) == {"accounts.E003"}


@pytest.mark.slow
def test_manage_py_check_fails_when_rotation_is_off(tmp_path):
    (tmp_path / "no_rotation_settings.py").write_text(
        "from config.settings.test import *  # noqa\n"
        "SIMPLE_JWT = {**SIMPLE_JWT, 'ROTATE_REFRESH_TOKENS': False}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "no_rotation_settings",
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "accounts.E002" in result.stderr
