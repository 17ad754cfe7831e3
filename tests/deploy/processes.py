"""Running the project's commands the way the image runs them: production settings, no Docker."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from tests.deploy.manifests import REPO

ALLOWED_HOST = "consorcio.example.com"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(**extra: str) -> dict[str, str]:
    """This process's environment (service URLs included) with production settings on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "METRICS_", "GUNICORN_", "PYTEST_"))
        and key not in {"POD_IP", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"}
    }
    # The image's PATH starts with its virtualenv: probes call `celery` by name.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=ALLOWED_HOST,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root; its output captured as text."""
    return subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
