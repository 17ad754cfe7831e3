"""A JSON-over-HTTP client for adapters, with a resilience policy around every request.

    bureau = JsonHttpClient("https://bureau.example/api", policy=BUREAU_POLICY)
    answer = bureau.get("/v1/scores", params={"cpf": cpf})

How answers map to errors (the policy retries only the transient ones):

- 2xx → the decoded JSON (``None`` for an empty body);
- 5xx, 429 → ``TransientExternalError`` (retried);
- timeout → ``ExternalTimeout``; connection refused or dropped → ``ExternalServiceUnavailable``
  (both retried);
- other 4xx → ``ExternalRequestRejected`` carrying the status and decoded body (not retried:
  the same request would be refused again); the adapter maps it to its domain error;
- a 2xx whose body is not JSON → ``ExternalServiceError`` (not retried).

``timeout`` is ``requests``' per-socket-operation timeout (connect, then each read), given per
attempt by the policy; a server that trickles bytes can exceed it, the policy's deadline
still bounds the retries. A POST is retried only when it carries an ``Idempotency-Key``
(``idempotency_key=``), so a retry can never make the provider act twice; without one it gets
a single attempt, still behind the breaker and the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from consorcio.resilience.errors import (
    ExternalRequestRejected,
    ExternalServiceError,
    ExternalServiceUnavailable,
    ExternalTimeout,
    TransientExternalError,
)
from consorcio.resilience.policy import ResiliencePolicy

__all__ = ["JsonHttpClient"]


class JsonHttpClient:
    """GET/POST JSON against one base URL, each request under ``policy``."""

    def __init__(
        self,
        base_url: str,
        policy: ResiliencePolicy,
        *,
        headers: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", **(headers or {})})

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET ``path`` and return the decoded JSON answer (retried when transient)."""
        return self.policy.call(self._send, "GET", path, params=params, headers=headers)

    def post(
        self,
        path: str,
        *,
        json: Any,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """POST a JSON body; retried only with an ``idempotency_key`` (sent as the header)."""
        all_headers = dict(headers or {})
        policy = self.policy
        if idempotency_key is not None:
            all_headers["Idempotency-Key"] = idempotency_key
        else:
            policy = policy.with_changes(max_attempts=1)
        return policy.call(self._send, "POST", path, json=json, headers=all_headers)

    def _send(
        self,
        method: str,
        path: str,
        *,
        timeout: float,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        service = self.policy.name
        try:
            response = self.session.request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                params=params,
                json=json,
                headers=dict(headers or {}),
                timeout=timeout,
            )
        except requests.Timeout as exc:
            raise ExternalTimeout(service) from exc
        except requests.ConnectionError as exc:
            raise ExternalServiceUnavailable(service) from exc
        except requests.exceptions.ChunkedEncodingError as exc:  # the answer broke off midway
            raise TransientExternalError(service) from exc
        except requests.RequestException as exc:  # a malformed request: ours, not worth retrying
            raise ExternalServiceError(service) from exc
        status = response.status_code
        if status >= 500 or status == 429:
            raise TransientExternalError(service, status_code=status)
        body = _decode(response, service)
        if status >= 400:
            raise ExternalRequestRejected(service, status, body)
        return body


def _decode(response: requests.Response, service: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        if response.status_code >= 400:
            return response.text
        raise ExternalServiceError(
            service,
            "O serviço externo enviou uma resposta ilegível.",
            status_code=response.status_code,
        ) from exc
