"""Production settings pass Django's deployment checklist and keep /metrics closed."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # each test starts a fresh Python process with Django


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "METRICS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="consorcio.example.com",
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issues_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_refuses_production_settings_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]

    result = _run(["manage.py", "check", "--deploy"], env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


_METRICS_PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="consorcio.example.com")
plain = client.get("/metrics", secure=True).status_code
bearer = client.get("/metrics", secure=True, headers={"Authorization": "Bearer %s"}).status_code
print(plain, bearer)
"""


def test_production_metrics_are_hidden_without_a_token_and_served_with_it():
    token = secrets.token_urlsafe(32)

    hidden = _run(["-c", _METRICS_PROBE % token], _production_env())
    served = _run(["-c", _METRICS_PROBE % token], _production_env(METRICS_TOKEN=token))

    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout.split() == ["404", "404"]
    assert served.returncode == 0, served.stderr
    assert served.stdout.split() == ["401", "200"]
