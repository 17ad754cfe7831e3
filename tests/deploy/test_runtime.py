"""What the image runs, run here without Docker: the build's collectstatic step, gunicorn with
its config file and production settings, the Dockerfile's healthcheck and the pods' probes."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.dockerfile import (
    REPO,
    env_assignments,
    exec_form,
    final_stage,
    healthcheck_command,
    image_env,
)
from tests.deploy.manifests import one, pod_spec, render, tool
from tests.deploy.processes import ALLOWED_HOST, free_port, production_env, run


@pytest.mark.slow
def test_the_dockerfile_collectstatic_step_succeeds_with_its_placeholder_settings(tmp_path):
    (step,) = [i.arguments for i in final_stage() if "collectstatic" in i.arguments]
    build_env = env_assignments(step)
    command = step.split("python ", 1)[1].split()
    # Only what the build has: PATH, the image's settings module, the step's placeholders.
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": image_env()["DJANGO_SETTINGS_MODULE"],
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "CONSORCIO_VAR_DIR": str(tmp_path / "no-embedded-services"),
        **build_env,
    }

    result = run([sys.executable, *command], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "DATABASE_URL" in build_env
    collected = tmp_path / "static"
    assert (collected / "admin" / "css" / "base.css").is_file()
    assert (collected / "admin" / "css" / "base.css.gz").is_file()  # WhiteNoise compressed it
    own = [p.relative_to(REPO / "static") for p in (REPO / "static").rglob("*") if p.is_file()]
    assert all((collected / path).is_file() for path in own)


@pytest.mark.slow
def test_gunicorn_accepts_its_config_and_loads_the_app_with_production_settings():
    env = production_env(WEB_CONCURRENCY="3")
    gunicorn = tool("gunicorn")
    config = "config/gunicorn.conf.py"

    checked = run([gunicorn, "--check-config", "-c", config, "config.wsgi:application"], env)
    printed = run([gunicorn, "--print-config", "-c", config], env)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    settings = {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in printed.stdout.splitlines())
    }
    assert settings["workers"] == "3"
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["worker_tmp_dir"] == "/dev/shm"
    assert settings["control_socket_disable"] == "True"
    assert settings["accesslog"] == "-"


def test_gunicorn_refuses_to_start_when_the_app_does_not_load():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = run(
        [
            tool("gunicorn"),
            "--check-config",
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi:application",
        ],
        env,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


@dataclass
class LiveWeb:
    """gunicorn serving the app with production settings, as the web container runs it."""

    port: int
    log: Path
    metrics_token: str

    def get(self, path: str, host: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        """A plain-HTTP GET the way a kubelet or Prometheus sends it (no TLS, any Host)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": host, **headers})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def access_lines(self) -> list[dict[str, object]]:
        """The JSON access-log lines gunicorn printed so far."""
        lines = []
        for line in self.log.read_text().splitlines():
            if '"gunicorn.access"' in line:
                lines.append(json.loads(line))
        return lines


@pytest.fixture(scope="module")
def live_web(tmp_path_factory) -> Iterator[LiveWeb]:
    """One gunicorn for the module: the same command line as the image's CMD."""
    tmp = tmp_path_factory.mktemp("web")
    (tmp / "static").mkdir()
    port = free_port()
    token = secrets.token_urlsafe(32)
    env = production_env(
        PORT=str(port),
        POD_IP="127.0.0.1",
        METRICS_TOKEN=token,
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        FORWARDED_ALLOW_IPS="*",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
    )
    log = tmp / "gunicorn.log"
    (cmd,) = [exec_form(i.arguments) for i in final_stage() if i.keyword == "CMD"]
    assert cmd[0] == "gunicorn"
    with log.open("w") as out:
        process = subprocess.Popen(
            [tool("gunicorn"), *cmd[1:]],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    web = LiveWeb(port=port, log=log, metrics_token=token)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if web.get("/health/live", "127.0.0.1")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield web
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_probes_addressed_to_the_pod_ip_over_plain_http_are_answered(live_web):
    host = f"127.0.0.1:{live_web.port}"  # what a kubelet sends: the pod IP and port

    live_status, _, live_body = live_web.get("/health/live", host)
    ready_status, _, ready_body = live_web.get("/health/ready", host)

    assert live_status == 200
    assert json.loads(live_body) == {"status": "ok"}
    assert ready_status == 200, ready_body
    assert json.loads(ready_body)["status"] == "ok"


@pytest.mark.slow
def test_a_host_neither_allowed_nor_the_pod_ip_is_refused(live_web):
    status, _, _ = live_web.get("/health/live", "attacker.example.net")

    assert status == 400


@pytest.mark.slow
def test_pages_outside_health_and_metrics_redirect_plain_http_to_https(live_web):
    plain_status, plain_headers, _ = live_web.get("/no-such-page/", ALLOWED_HOST)
    proxied_status, _, _ = live_web.get(
        "/no-such-page/", ALLOWED_HOST, **{"X-Forwarded-Proto": "https"}
    )

    assert plain_status == 301
    assert plain_headers["Location"] == f"https://{ALLOWED_HOST}/no-such-page/"
    assert proxied_status == 404  # behind the ingress the request is already HTTPS


@pytest.mark.slow
def test_prometheus_scraping_the_pod_ip_gets_metrics_only_with_the_token(live_web):
    host = f"127.0.0.1:{live_web.port}"
    bearer = {"Authorization": f"Bearer {live_web.metrics_token}"}

    refused, _, _ = live_web.get("/metrics", host)
    served, headers, body = live_web.get("/metrics", host, **bearer)

    assert refused == 401
    assert served == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_method" in body


@pytest.mark.slow
def test_access_log_lines_are_json_and_leave_out_successful_probes(live_web):
    marker = uuid.uuid4().hex
    live_web.get(f"/health/live?{marker}", ALLOWED_HOST)
    live_web.get(f"/no-such-page-{marker}", ALLOWED_HOST, **{"X-Forwarded-Proto": "https"})
    live_web.get(f"/health/live?{marker}", "attacker.example.net")

    deadline = time.monotonic() + 5
    while True:
        mine = [line for line in live_web.access_lines() if marker in json.dumps(line)]
        if len(mine) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sorted((line["path"], line["status"]) for line in mine) == [
        ("/health/live", 400),
        (f"/no-such-page-{marker}", 404),
    ]
    assert all(line["method"] == "GET" for line in mine)
    (page,) = [line for line in mine if line["status"] == 404]
    assert page["request_id"]  # the X-Request-ID the app answered with


@pytest.mark.slow
def test_the_dockerfile_healthcheck_passes_on_a_live_server_and_fails_without_one(live_web):
    command = healthcheck_command()
    assert command[0] == "python"
    command[0] = sys.executable
    env = {"PATH": os.environ["PATH"], "DJANGO_ALLOWED_HOSTS": ALLOWED_HOST}

    healthy = run(command, {**env, "PORT": str(live_web.port)})
    down = run(command, {**env, "PORT": str(free_port())})

    assert healthy.returncode == 0, healthy.stderr
    assert down.returncode != 0


# --- worker and beat probes -----------------------------------------------------------


def _probe_command(name: str) -> list[str]:
    deployment = one(render("production"), "Deployment", name)
    command: list[str] = pod_spec(deployment)["containers"][0]["livenessProbe"]["exec"]["command"]
    return command


@pytest.mark.slow
def test_the_worker_probe_passes_for_a_live_worker_and_fails_for_a_missing_one(tmp_path):
    # In a pod the node name is celery@<pod name> and $HOSTNAME is the pod name; here the
    # worker gets an explicit unique name and the probe that name in HOSTNAME.
    name = f"deploy-probe-{uuid.uuid4().hex[:12]}"
    env = production_env(CELERY_DEFAULT_QUEUE=f"deploy-probe-{uuid.uuid4().hex}")
    command = _probe_command("consorcio-worker")
    log = tmp_path / "worker.log"
    celery = tool("celery")
    with log.open("w") as out:
        worker = subprocess.Popen(
            [celery, "-A", "config", "worker", "-n", f"celery@{name}", "--concurrency", "1",
             "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # A ping nobody answers waits the probe's whole --timeout: the same command with a
        # 1-second wait, overlapped with the worker's start-up.
        impatient = [word.replace("--timeout 10", "--timeout 1") for word in command]
        assert impatient != command
        missing = subprocess.Popen(
            impatient, cwd=REPO, env={**env, "HOSTNAME": f"nobody-{uuid.uuid4().hex}"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready" not in log.read_text():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        alive = run(command, {**env, "HOSTNAME": name})

        assert alive.returncode == 0, alive.stdout + alive.stderr + log.read_text()
        assert missing.wait(timeout=60) != 0
        assert b"No nodes replied" in missing.communicate()[1]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _beat_probe_for(pid: int) -> list[str]:
    command = _probe_command("consorcio-beat")
    assert command[:2] == ["python", "-c"]
    return [sys.executable, "-c", command[2].replace("/proc/1/", f"/proc/{pid}/")]


def test_the_beat_probe_passes_for_a_running_beat_and_fails_otherwise():
    # Stand-ins with beat's command line (`... -A config beat ...`): the probe reads /proc only.
    sleeper = "import time; time.sleep(60)"
    beat = subprocess.Popen([sys.executable, "-c", sleeper, "-A", "config", "beat"])
    other = subprocess.Popen([sys.executable, "-c", sleeper, "-A", "config", "worker"])
    dead = subprocess.Popen([sys.executable, "-c", "pass", "-A", "config", "beat"])
    try:
        stat = Path(f"/proc/{dead.pid}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.05)  # exited, not yet reaped: a zombie

        results = {
            label: run(_beat_probe_for(process.pid), {"PATH": os.environ["PATH"]}).returncode
            for label, process in (("beat", beat), ("other", other), ("zombie", dead))
        }

        assert results["beat"] == 0
        assert results["other"] != 0
        assert results["zombie"] != 0
    finally:
        for process in (beat, other):
            process.kill()
        for process in (beat, other, dead):
            process.wait()
