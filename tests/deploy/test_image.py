"""The Dockerfile passes hadolint, copies only paths a clone has and the build context sends,
and builds a non-root production image whose defaults match the manifests."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.deploy.dockerfile import (
    DOCKERFILE,
    REPO,
    copy_sources,
    exec_form,
    final_stage,
    ignore_rules,
    image_env,
    instructions,
    is_in_build_context,
    repository_files,
)
from tests.deploy.manifests import APP_UID, one, pod_spec, render, tool


def _hadolint(dockerfile: str) -> list[dict[str, object]]:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--format", "json", "--failure-threshold", "style", "-"],
        input=dockerfile,
        cwd=REPO,  # picks up .hadolint.yaml, should one ever be needed
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout or "[]")
    assert (result.returncode == 0) == (findings == []), result.stderr
    return findings


@pytest.mark.embedded
def test_the_dockerfile_passes_hadolint_at_every_severity():
    findings = _hadolint(DOCKERFILE.read_text())

    assert [(f["line"], f["code"], f["message"]) for f in findings] == []


def test_hadolint_reports_a_dockerfile_that_breaks_its_rules():
    findings = _hadolint("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")

    assert {"DL3007", "DL3008"} <= {f["code"] for f in findings}


def test_every_path_the_dockerfile_copies_is_in_the_repository_and_the_build_context():
    files = repository_files()
    sources = copy_sources()

    assert "manage.py" in sources
    for source in sources:
        under = [name for name in files if name == source or name.startswith(f"{source}/")]
        assert under, f"COPY {source}: nothing in the repository"
        left_out = [name for name in under if not is_in_build_context(name)]
        assert left_out == [], f"COPY {source}: .dockerignore leaves these out"


def test_the_build_context_leaves_out_local_data_secrets_and_tests():
    for path in (
        ".venv/bin/python",
        "var/pgdata/PG_VERSION",
        "var/services.env",
        ".env",
        ".git/config",
        "tests/conftest.py",
        "consorcio/__pycache__/models.cpython-311.pyc",
        "config/local.env",
        "requirements/dev.txt",
    ):
        assert not is_in_build_context(path), path
    for path in ("manage.py", "requirements/base.txt", "config/settings/production.py"):
        assert is_in_build_context(path), path


def test_the_dockerignore_matcher_follows_docker_semantics():
    rules = ignore_rules("*\n!app\napp/**/secret*\n!app/keep/secret.txt\n")

    assert not is_in_build_context("other/file.py", rules)
    assert is_in_build_context("app/module.py", rules)
    assert not is_in_build_context("app/deep/er/secret.key", rules)
    assert not is_in_build_context("app/secret.key", rules)
    assert is_in_build_context("app/keep/secret.txt", rules)


# The runtime stage installs only the shared libraries and font WeasyPrint loads (PDFs):
# no compiler, no build tools, no Python package.
RUNTIME_LIBRARIES = {
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
}


def test_the_runtime_stage_installs_only_pdf_libraries_and_runs_as_the_uid_of_the_manifests():
    runtime = final_stage()
    web = one(render("production"), "Deployment", "consorcio-web")

    (user,) = [i.arguments for i in runtime if i.keyword == "USER"]
    assert user == f"{APP_UID}:{APP_UID}"
    assert pod_spec(web)["securityContext"]["runAsUser"] == APP_UID
    run_lines = " ".join(i.arguments for i in runtime if i.keyword == "RUN")
    for word in ("gcc", "build-essential", "-dev", "pip install", "pip wheel"):
        assert word not in run_lines
    installed = {
        word.split("=")[0]
        for command in run_lines.split("&&")
        if "apt-get install" in command
        for word in command.split()
        if "=" in word
    }
    assert installed == RUNTIME_LIBRARIES
    assert any(i.keyword == "COPY" and "--from=builder" in i.arguments for i in runtime)


def test_both_stages_start_from_the_pinned_python_slim_image():
    bases = [i.arguments.split()[0] for i in instructions() if i.keyword == "FROM"]

    assert bases == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    builder = [i for i in instructions() if i.stage == 0 and i.keyword == "RUN"]
    assert any(
        "pip wheel" in i.arguments and "requirements/base.txt" in i.arguments for i in builder
    )


def test_the_image_defaults_to_gunicorn_with_production_settings_on_the_probed_port():
    runtime = final_stage()
    env = image_env()
    web = one(render("production"), "Deployment", "consorcio-web")
    (container,) = pod_spec(web)["containers"]

    (cmd,) = [exec_form(i.arguments) for i in runtime if i.keyword == "CMD"]
    assert cmd[:3] == ["gunicorn", "--config", "config/gunicorn.conf.py"]
    assert (REPO / cmd[2]).is_file()
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["DJANGO_STATIC_ROOT"].startswith("/app/")  # baked in, read-only at run time
    (exposed,) = [int(i.arguments) for i in runtime if i.keyword == "EXPOSE"]
    assert exposed == int(env["PORT"]) == container["ports"][0]["containerPort"]
    assert "web" not in container.get("command", [])  # the image's CMD is the web role
    assert "command" not in container


def test_collectstatic_runs_at_build_time_with_placeholder_settings_only():
    runtime = final_stage()

    (step,) = [
        i.arguments for i in runtime if i.keyword == "RUN" and "collectstatic" in i.arguments
    ]
    assert "--noinput" in step
    collect_at = runtime.index(next(i for i in runtime if "collectstatic" in i.arguments))
    user_at = runtime.index(next(i for i in runtime if i.keyword == "USER"))
    assert collect_at < user_at  # files owned by root: the app user cannot change them
    assert not any(i.keyword in {"ENV", "ARG"} and "SECRET" in i.arguments for i in runtime)
