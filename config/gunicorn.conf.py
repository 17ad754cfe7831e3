"""Gunicorn settings for the production image (``gunicorn -c config/gunicorn.conf.py``).

Every knob reads an environment variable so a deployment tunes the web pods without a new
image. Written for a container with a read-only root filesystem: the worker heartbeat files
live in ``/dev/shm`` (a tmpfs) and the control socket is off (it would be created under
``$HOME``). Access lines go to stdout as one JSON object per request (the application's own
logs are JSON too, through structlog); successful health probes are not logged, so the log
is not a kubelet diary — a failing probe still is.

Environment:
    PORT                     listening port (default 8000)
    WEB_CONCURRENCY          worker processes (default 2 x CPUs + 1, capped at 12; CPUs from
                             the cgroup quota when there is one, so a pod limited to 1 CPU
                             starts 3 workers, not one per host core)
    GUNICORN_THREADS         threads per worker (default 2: the gthread worker)
    GUNICORN_TIMEOUT         seconds a request may run before its worker is replaced (30)
    GUNICORN_GRACEFUL_TIMEOUT  seconds to finish in-flight requests on SIGTERM (30)
    GUNICORN_KEEPALIVE       seconds an idle keep-alive connection stays open (75: longer
                             than the ingress's upstream idle timeout of 60 s, so the proxy
                             always closes first and never reuses a connection being closed)
    GUNICORN_MAX_REQUESTS    requests before a worker is recycled (1000; 0 disables), with
                             GUNICORN_MAX_REQUESTS_JITTER (100) so workers do not recycle at once
    FORWARDED_ALLOW_IPS      proxies trusted for X-Forwarded-Proto (default loopback only);
                             Kubernetes uses ``*`` because the NetworkPolicy admits only the
                             ingress controller to the web pods
    PROMETHEUS_MULTIPROC_DIR when set, cleared at start and kept per worker (see ``child_exit``)
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

MAX_DEFAULT_WORKERS = 12


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def available_cpus() -> float:
    """CPUs this container may use: the cgroup v2 quota when set, else the visible cores."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        quota, period = "max", "100000"
    cores = float(len(os.sched_getaffinity(0)))
    if quota == "max":
        return cores
    return max(min(int(quota) / int(period), cores), 1.0)


def default_workers() -> int:
    """Gunicorn's rule of thumb, 2 x CPUs + 1, capped so a big node never starts dozens."""
    return min(int(2 * available_cpus()) + 1, MAX_DEFAULT_WORKERS)


wsgi_app = "config.wsgi:application"
bind = f"0.0.0.0:{_env_int('PORT', 8000)}"
workers = _env_int("WEB_CONCURRENCY", default_workers())
threads = _env_int("GUNICORN_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files on a tmpfs: on a disk-backed /tmp a slow disk stalls workers into timeouts.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "consorcio-web"


class JsonAccessLogger(Logger):
    """Gunicorn's logger with one JSON object per access line (real JSON, escaped)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """Log the request unless it is a successful health probe."""
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        status = int(atoms["s"])
        path = atoms["U"] or ""
        if path.startswith("/health/") and status < 400:
            return
        line = {
            "timestamp": datetime.now(UTC).isoformat(),
            "level": "info",
            "logger": "gunicorn.access",
            "event": "http_access",
            "method": atoms["m"],
            "path": path,
            "query": atoms["q"] or "",
            "status": status,
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": atoms["h"],
            "forwarded_for": atoms.get("{x-forwarded-for}i"),
            "request_id": atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i"),
            "user_agent": atoms["a"],
            "protocol": atoms["H"],
        }
        try:
            self.access_log.info("%s", json.dumps(line, ensure_ascii=False, default=str))
        except Exception:
            self.exception("access log line failed")


logger_class = JsonAccessLogger


# prometheus_client multiprocess mode (off unless PROMETHEUS_MULTIPROC_DIR is set): each
# worker writes its samples to files in that directory; a fresh start clears them and a dead
# worker's live gauges are dropped.
def on_starting(server: Any) -> None:
    """Clear the multiprocess metrics directory left by a previous run."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop the live-gauge files of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
