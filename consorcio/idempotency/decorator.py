"""The ``@idempotent`` decorator, the request fingerprint and the purge of expired keys.

The rules and the concurrency argument are in the package docstring (``consorcio.idempotency``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast, overload

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.request import RawPostDataException
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from prometheus_client import Counter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consorcio.errors import problem_exception_handler
from consorcio.idempotency.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyMismatch,
    IdempotencyKeyRequired,
    IdempotencyRequestInProgress,
)
from consorcio.models import IdempotencyRecord

__all__ = [
    "IDEMPOTENCY_HEADER",
    "REPLAYED_HEADER",
    "idempotent",
    "owner_of",
    "purge_expired",
    "request_fingerprint",
]

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_DEFAULT_RETENTION = timedelta(hours=24)
# Printable ASCII, 1..255 characters (the column's size).
_KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
# Claim/lock rounds before giving up: a round is lost only when the record vanished (purged,
# expired or discarded by a failed first request) between the claim and the lock.
_MAX_ROUNDS = 3
_LOCK_NOT_AVAILABLE = "55P03"

IDEMPOTENCY_REQUESTS = Counter(
    "consorcio_idempotency_requests_total",
    "API requests carrying an Idempotency-Key, by outcome.",
    ["outcome"],
)

_Handler = TypeVar("_Handler", bound=Callable[..., HttpResponseBase])


class _LockBusy(Exception):
    """The record is locked by the request that is running the view."""


@overload
def idempotent(func: _Handler, /) -> _Handler: ...


@overload
def idempotent(
    *, required: bool = False, owner: Callable[[Request], str] | None = None
) -> Callable[[_Handler], _Handler]: ...


def idempotent(
    func: _Handler | None = None,
    /,
    *,
    required: bool = False,
    owner: Callable[[Request], str] | None = None,
) -> _Handler | Callable[[_Handler], _Handler]:
    """Make a DRF handler honour the ``Idempotency-Key`` header (rules: package docstring).

    ``required=True`` refuses a request without the header (400 ``idempotency_key_required``);
    ``owner`` maps a request to its key namespace (default ``owner_of``).
    """

    def decorate(handler: _Handler) -> _Handler:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
            return _handle(handler, args, kwargs, required=required, owner=owner or owner_of)

        return cast(_Handler, wrapper)

    return decorate(func) if func is not None else decorate


def owner_of(request: Request) -> str:
    """The namespace of a request's keys: ``user:<pk>`` when authenticated, else ``anon``."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anon"


def request_fingerprint(method: str, full_path: str, body: bytes, content_type: str = "") -> str:
    """SHA-256 (hex) identifying a request: method, full path and canonical body.

    A JSON body is canonicalised (sorted keys, no whitespace, numbers as parsed by ``json``);
    any other body counts byte for byte.
    """
    digest = hashlib.sha256()
    digest.update(method.upper().encode("ascii"))
    digest.update(b"\n")
    digest.update(full_path.encode("utf-8"))
    digest.update(b"\n")
    digest.update(_canonical_body(body, content_type))
    return digest.hexdigest()


def purge_expired(now: datetime | None = None, *, batch_size: int = 1000) -> int:
    """Delete the records whose retention has passed; return how many were deleted.

    Deletes in batches and skips rows locked by a request still running, so the beat task
    never waits on a live request.
    """
    moment = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            pks = list(
                IdempotencyRecord.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lte=moment)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                return total
            deleted, _ = IdempotencyRecord.objects.filter(pk__in=pks).delete()
        total += deleted


def _handle(
    handler: Callable[..., HttpResponseBase],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    required: bool,
    owner: Callable[[Request], str],
) -> HttpResponseBase:
    request = _find_request(args)
    key = _read_key(request, required=required)
    if key is None:
        return handler(*args, **kwargs)
    fingerprint = _fingerprint_of(request)
    namespace = owner(request)
    for _ in range(_MAX_ROUNDS):
        claimed = _claim(request, owner=namespace, key=key, fingerprint=fingerprint)
        if claimed is None:
            continue
        if claimed.request_fingerprint != fingerprint and claimed.expires_at > timezone.now():
            # Refused before trying the lock, so a different body gets 422 even while the
            # first request still runs.
            IDEMPOTENCY_REQUESTS.labels(outcome="mismatch").inc()
            raise IdempotencyKeyMismatch()
        response = _execute(
            claimed.pk, handler, args, kwargs, request=request, fingerprint=fingerprint
        )
        if response is not None:
            return response
    IDEMPOTENCY_REQUESTS.labels(outcome="in_progress").inc()
    raise IdempotencyRequestInProgress()


def _find_request(args: tuple[Any, ...]) -> Request:
    for candidate in args[:2]:
        if isinstance(candidate, Request):
            return candidate
    raise TypeError(
        "@idempotent decorates DRF handlers: a view method or a function beneath @api_view"
    )


def _read_key(request: Request, *, required: bool) -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        if required:
            raise IdempotencyKeyRequired()
        return None
    value = raw.strip()
    # RFC draft "The Idempotency-Key HTTP Header Field" sends a structured-field string.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not _KEY_PATTERN.fullmatch(value):
        raise IdempotencyKeyInvalid()
    return value


def _fingerprint_of(request: Request) -> str:
    try:
        body = bytes(request._request.body)
    except (RawPostDataException, RequestDataTooBig):
        # The stream was consumed (multipart already parsed) or is a large upload: use the
        # parsed data, files by name and size.
        body = json.dumps(request.data, sort_keys=True, default=_describe_upload).encode()
    return request_fingerprint(
        request.method or "", request.get_full_path(), body, request.content_type or ""
    )


def _describe_upload(value: Any) -> str:
    return f"{getattr(value, 'name', value)}:{getattr(value, 'size', '')}"


def _canonical_body(body: bytes, content_type: str) -> bytes:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            return body
        return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8"
        )
    return body


def _retention() -> timedelta:
    value = getattr(settings, "IDEMPOTENCY_KEY_RETENTION", _DEFAULT_RETENTION)
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _claim(request: Request, *, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the record (short transaction) or read the existing one; None if it vanished."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                owner=owner,
                key=key,
                method=(request.method or "")[:10],
                path=request.path[:500],
                request_fingerprint=fingerprint,
                created_at=now,
                expires_at=now + _retention(),
            )
    except IntegrityError:
        return (
            IdempotencyRecord.objects.filter(owner=owner, key=key)
            .only("pk", "request_fingerprint", "expires_at")
            .first()
        )


def _execute(
    pk: int,
    handler: Callable[..., HttpResponseBase],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    request: Request,
    fingerprint: str,
) -> HttpResponseBase | None:
    """Lock the record and replay it, refuse, or run the view; None means "claim again"."""
    try:
        with transaction.atomic():
            record = _lock(pk)
            if record is None:
                return None
            if record.expires_at <= timezone.now():
                record.delete()
                return None
            if record.request_fingerprint != fingerprint:
                IDEMPOTENCY_REQUESTS.labels(outcome="mismatch").inc()
                raise IdempotencyKeyMismatch()
            if record.state == IdempotencyRecord.State.COMPLETED:
                IDEMPOTENCY_REQUESTS.labels(outcome="replayed").inc()
                return _replay(record)
            response = _run_view(handler, args, kwargs, request=request)
            if response.status_code >= 500 or isinstance(response, StreamingHttpResponse):
                # Nothing stored: the client may retry with the same key.
                IDEMPOTENCY_REQUESTS.labels(outcome="discarded").inc()
                record.delete()
                return response
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                state=IdempotencyRecord.State.COMPLETED,
                response_status=response.status_code,
                response_body=bytes(cast(HttpResponse, response).content),
                response_content_type=response.get("Content-Type", "")[:100],
            )
            IDEMPOTENCY_REQUESTS.labels(outcome="executed").inc()
            return response
    except _LockBusy:
        IDEMPOTENCY_REQUESTS.labels(outcome="in_progress").inc()
        raise IdempotencyRequestInProgress() from None


def _lock(pk: int) -> IdempotencyRecord | None:
    try:
        return IdempotencyRecord.objects.select_for_update(nowait=True).filter(pk=pk).first()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise _LockBusy() from exc
        raise


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


class _DiscardedResponse(Exception):
    """Carries a 5xx answer out of the view's savepoint so its writes roll back."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__(response.status_code)
        self.response = response


def _run_view(
    handler: Callable[..., HttpResponseBase],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    request: Request,
) -> HttpResponseBase:
    """Run the view in a savepoint and return its rendered answer (errors become problems).

    An exception or a 5xx rolls the view's writes back; a 2xx/4xx answer keeps them, and
    they commit together with the stored answer.
    """
    view = (request.parser_context or {}).get("view")
    try:
        with transaction.atomic():
            response = _rendered(handler(*args, **kwargs), view, request)
            if response.status_code >= 500:
                raise _DiscardedResponse(response)
            return response
    except _DiscardedResponse as discarded:
        return discarded.response
    except Exception as exc:
        answer: HttpResponseBase
        if isinstance(view, APIView):
            answer = view.handle_exception(exc)
        else:
            answer = problem_exception_handler(exc, {"request": request, "view": view})
        return _rendered(answer, view, request)


def _rendered(response: HttpResponseBase, view: Any, request: Request) -> HttpResponseBase:
    """Render a DRF ``Response`` now (DRF would only after the view returns) to store it."""
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        if isinstance(response, Response) and isinstance(view, APIView):
            view.finalize_response(request, response)
        response.render()
    return response
