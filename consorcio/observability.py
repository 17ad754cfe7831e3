"""Request id, structured logs and metrics shared by web and worker processes.

Every web request gets a request id (django-structlog's ``RequestMiddleware`` binds it to the
structlog context; an upstream ``X-Request-ID`` is kept when it looks like an id). The id is
in every JSON log line, in the ``X-Request-ID`` response header, in auditlog entries (their
``cid``) and, through django-structlog's Celery integration, in the tasks the request causes.

``/metrics`` serves the Prometheus registry (django-prometheus' HTTP and database metrics plus
the kernel's lock, outbox and job metrics). It is public in development; production settings
set ``METRICS_PUBLIC = False`` and the scraper must send ``Authorization: Bearer
<METRICS_TOKEN>``; without a configured token the endpoint does not exist (404).
"""

from __future__ import annotations

import hmac
import re
import uuid
from importlib import import_module
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView
from django_structlog import signals as structlog_signals

REQUEST_ID_HEADER = "X-Request-ID"
# An upstream id is trusted only when it is short and made of safe characters: it lands in
# log lines, audit entries and 64-character columns (outbox, jobs, access log).
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def current_request_id() -> str | None:
    """The id of the web request (or of the request that caused this task), if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


def is_acceptable_request_id(value: str | None) -> bool:
    """Whether an incoming ``X-Request-ID`` may be reused as our request id."""
    return bool(value) and _REQUEST_ID_PATTERN.fullmatch(str(value)) is not None


def _replace_untrusted_request_id(**_kwargs: Any) -> None:
    # django-structlog binds the upstream id verbatim; anything odd is replaced by a fresh one.
    if not is_acceptable_request_id(current_request_id()):
        structlog.contextvars.bind_contextvars(request_id=str(uuid.uuid4()))


def _add_request_id_header(*, response: HttpResponse, **_kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id:
        response[REQUEST_ID_HEADER] = request_id


def connect_request_id_signals() -> None:
    """Connect the receivers that vet the request id and echo it in the response.

    Called once from the kernel's ``AppConfig.ready``; the dispatch uids make it idempotent.
    """
    structlog_signals.bind_extra_request_metadata.connect(
        _replace_untrusted_request_id, dispatch_uid="consorcio.request_id.vet"
    )
    structlog_signals.bind_extra_request_finished_metadata.connect(
        _add_request_id_header, dispatch_uid="consorcio.request_id.header"
    )
    structlog_signals.update_failure_response.connect(
        _add_request_id_header, dispatch_uid="consorcio.request_id.header_on_failure"
    )


# The kernel's own metrics live beside their mechanisms. Importing them before exporting makes
# every family visible on /metrics even in a process that has not used the mechanism yet.
KERNEL_METRIC_MODULES = (
    "consorcio.locks.metrics",
    "consorcio.outbox.metrics",
    "consorcio.jobs.metrics",
    "consorcio.resilience.metrics",
)


def register_kernel_metrics() -> None:
    """Import the kernel's metric modules, registering their families (idempotent)."""
    for module in KERNEL_METRIC_MODULES:
        import_module(module)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition of the default registry.

    With ``METRICS_PUBLIC`` off, only a request carrying the configured bearer token gets the
    metrics (constant-time comparison); with no token configured the endpoint answers 404, so
    a production deployment never exposes metrics by accident.
    """
    if not settings.METRICS_PUBLIC:
        expected = str(settings.METRICS_TOKEN or "")
        if not expected:
            return HttpResponseNotFound()
        if not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
            response = HttpResponse("Não autorizado.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    register_kernel_metrics()
    exported: HttpResponse = ExportToDjangoView(request)
    from consorcio.state_metrics import render_state_metrics

    exported.content = bytes(exported.content) + render_state_metrics()
    return exported
