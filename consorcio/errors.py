"""Domain errors and the API's RFC 9457 problem+json answers (ARCHITECTURE.md §4 "Errors").

Every business refusal is a ``DomainError`` subclass defined beside the service that raises it,
with a stable snake_case ``code`` integrators can switch on, an HTTP ``status`` (default 422)
and a Portuguese ``title``/``detail`` that staff read.

``problem_exception_handler`` (settings ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) turns every
exception that leaves a DRF view into ``application/problem+json``::

    {"type": "https://consorcio.example/problems/quota_not_available",
     "title": "Cota indisponível", "status": 422, "detail": "A cota 12 já foi vendida.",
     "code": "quota_not_available", "instance": "/api/v1/quotas/12/sell",
     "request_id": "5f0c…"}

``type`` is ``PROBLEM_TYPE_BASE + code``: an identifier, stable across releases and
installations, not necessarily a page that resolves; clients should switch on ``code``.
Validation errors add ``errors`` (field path → messages, ``address.zip_code``,
``items.0.amount``). A uniqueness race that reaches the database (``IntegrityError``) answers
409 ``conflict`` (a NOT NULL violation, always a bug, is a 500); anything unexpected answers
500 ``internal_error`` with the request id, and the traceback goes to the log only. Nothing
internal (SQL, constraint names, exception text) ever reaches the body.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import structlog
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from consorcio.observability import current_request_id

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_TYPE_BASE",
    "Conflict",
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "problem_exception_handler",
    "problem_response",
]

logger = structlog.get_logger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://consorcio.example/problems/"

# Members a problem always has; an error's ``extra`` may add members but never replace these.
_RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "code", "instance", "request_id", "errors"}
)


class DomainError(Exception):
    """A business rule refused the action; the API answers it as a problem with ``code``.

    Subclasses set ``code`` (stable, snake_case), ``status`` and ``title`` as class attributes
    and may set ``default_detail``; an instance carries the Portuguese ``detail`` and optional
    ``extra`` members (JSON-serialisable; Decimal and dates become strings).
    """

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Operação recusada"
    default_detail: ClassVar[str] = "A operação não pôde ser concluída."

    def __init__(self, detail: str | None = None, *, extra: Mapping[str, Any] | None = None):
        self.detail: str = detail if detail is not None else self.default_detail
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.detail)

    def response_headers(self) -> dict[str, str]:
        """Extra HTTP headers of the answer (for example ``Retry-After``); none by default."""
        return {}


class NotFound(DomainError):
    """The object the action names does not exist (or the caller may not know it exists)."""

    code = "not_found"
    status = 404
    title = "Não encontrado"
    default_detail = "O registro solicitado não foi encontrado."


class Conflict(DomainError):
    """The action collides with the current state (a duplicate, a concurrent change)."""

    code = "conflict"
    status = 409
    title = "Conflito"
    default_detail = (
        "A operação conflita com um registro existente. Atualize os dados e tente novamente."
    )


class PermissionDenied(DomainError):
    """The caller is known but may not perform this action."""

    code = "permission_denied"
    status = 403
    title = "Acesso negado"
    default_detail = "Você não tem permissão para executar esta ação."


# DRF's own exceptions: stable codes and Portuguese titles (DRF translates ``detail`` itself).
_DRF_PROBLEMS: tuple[tuple[type[drf.APIException], str, str], ...] = (
    (drf.ParseError, "malformed_request", "Requisição malformada"),
    (drf.AuthenticationFailed, "authentication_failed", "Falha na autenticação"),
    (drf.NotAuthenticated, "not_authenticated", "Autenticação necessária"),
    (drf.PermissionDenied, "permission_denied", "Acesso negado"),
    (drf.NotFound, "not_found", "Não encontrado"),
    (drf.MethodNotAllowed, "method_not_allowed", "Método não permitido"),
    (drf.NotAcceptable, "not_acceptable", "Formato de resposta não aceito"),
    (drf.UnsupportedMediaType, "unsupported_media_type", "Tipo de conteúdo não suportado"),
    (drf.Throttled, "throttled", "Muitas requisições"),
)

_NOT_NULL_VIOLATION = "23502"
_VALIDATION_TITLE = "Dados inválidos"
_VALIDATION_DETAIL = "Os dados enviados são inválidos. Corrija os campos indicados."
_INTERNAL_TITLE = "Erro interno"
_INTERNAL_DETAIL = (
    "Ocorreu um erro inesperado e nada foi alterado. "
    "Se o problema persistir, informe ao suporte o identificador da requisição."
)


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    request: HttpRequest | Request | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Build an ``application/problem+json`` response (RFC 9457) with our standard members.

    The body is rendered here rather than through DRF's content negotiation, so a problem is
    JSON even for a client that asked for HTML.
    """
    body: dict[str, Any] = {
        key: value for key, value in (extra or {}).items() if key not in _RESERVED_MEMBERS
    }
    body.update(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": request.path if request is not None else None,
            "request_id": current_request_id(),
        }
    )
    if extra and "errors" in extra:
        body["errors"] = extra["errors"]
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse:
    """DRF exception handler: every exception becomes a problem+json answer (never ``None``).

    Rolls back the request's transaction where DRF would (``set_rollback``), answers
    ``IntegrityError`` with 409 ``conflict`` and logs unexpected exceptions with their
    traceback before answering a generic 500.
    """
    request = context.get("request")
    set_rollback()
    if isinstance(exc, DomainError):
        return _answer(exc, request)
    if isinstance(exc, drf.ValidationError):
        return _validation_problem(exc.detail, request)
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return _validation_problem(detail, request)
    if isinstance(exc, drf.APIException):
        return _drf_problem(exc, request)
    if isinstance(exc, Http404):
        return _answer(NotFound(), request)
    if isinstance(exc, DjangoPermissionDenied):
        return _answer(PermissionDenied(), request)
    if isinstance(exc, IntegrityError) and _sqlstate(exc) != _NOT_NULL_VIOLATION:
        # A race the service's own checks could not see (a duplicate, a row deleted meanwhile,
        # a check broken by a concurrent write): the database refused the second writer. The
        # constraint goes to the log, never to the client. A NOT NULL violation is a bug: 500.
        logger.warning("integrity_conflict", error=str(exc), path=_path(request))
        return _answer(Conflict(), request)
    logger.error("unhandled_exception", path=_path(request), exc_info=exc)
    return problem_response(
        status=500,
        code="internal_error",
        title=_INTERNAL_TITLE,
        detail=_INTERNAL_DETAIL,
        request=request,
    )


def _answer(error: DomainError, request: Request | None) -> HttpResponse:
    return problem_response(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        request=request,
        extra=error.extra,
        headers=error.response_headers(),
    )


def _sqlstate(exc: Exception) -> str | None:
    state = getattr(exc.__cause__, "sqlstate", None)
    return str(state) if state else None


def _path(request: Request | None) -> str | None:
    return request.path if request is not None else None


def _drf_problem(exc: drf.APIException, request: Request | None) -> HttpResponse:
    code, title = _drf_code_and_title(exc)
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(math.ceil(wait))
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    return problem_response(
        status=exc.status_code,
        code=code,
        title=title,
        detail=str(detail),
        request=request,
        headers=headers,
    )


def _drf_code_and_title(exc: drf.APIException) -> tuple[str, str]:
    for exc_type, code, title in _DRF_PROBLEMS:
        if isinstance(exc, exc_type):
            # NotAuthenticated coerced to 403 (no WWW-Authenticate scheme) keeps its code.
            return code, title
    default_code = exc.default_code if isinstance(exc.default_code, str) else "error"
    return default_code, "Erro na requisição"


def _validation_problem(detail: Any, request: Request | None) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    _flatten_errors(detail, "", errors)
    return problem_response(
        status=400,
        code="validation_error",
        title=_VALIDATION_TITLE,
        detail=_VALIDATION_DETAIL,
        request=request,
        extra={"errors": errors},
    )


def _flatten_errors(detail: Any, prefix: str, into: dict[str, list[str]]) -> None:
    """Flatten DRF's nested error structure into ``{"a.b.0.c": [messages]}``.

    Messages at the top level (``ValidationError("...")`` or ``non_field_errors``) go under
    DRF's ``NON_FIELD_ERRORS_KEY``; valid items of a list (empty dicts) add nothing.
    """
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            # Django's model validation names non-field errors "__all__"; DRF's key wins.
            name = str(api_settings.NON_FIELD_ERRORS_KEY) if key == NON_FIELD_ERRORS else str(key)
            if name == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                _flatten_errors(value, prefix, into)
            else:
                _flatten_errors(value, f"{prefix}.{name}" if prefix else name, into)
        return
    if isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                _flatten_errors(item, f"{prefix}.{index}" if prefix else str(index), into)
            else:
                _flatten_errors(item, prefix, into)
        return
    key = prefix or str(api_settings.NON_FIELD_ERRORS_KEY)
    into.setdefault(key, []).append(str(detail))
