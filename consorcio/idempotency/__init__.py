"""``Idempotency-Key`` for API POSTs (ARCHITECTURE.md §4 "Idempotency").

Decorate a DRF handler (a viewset action, an ``APIView.post``, or a function beneath
``@api_view``)::

    class ChargeViewSet(viewsets.ViewSet):
        @idempotent(required=True)
        def create(self, request: Request) -> Response: ...

What a client sees, for one owner (``user:<pk>``, later ``client:<id>``; ``anon`` otherwise):

- first request with a key: the view runs; its answer (2xx or 4xx) is stored with the key;
- the same key and the same request again: the stored answer (status, body, content type)
  with ``Idempotent-Replayed: true``; the view does not run;
- the same key with a different method, path or body: 422 ``idempotency_key_mismatch``;
- the same key while the first request still runs: 409 ``idempotency_request_in_progress``;
- a 5xx or an unexpected exception stores nothing, so the client may retry with the key;
- after ``settings.IDEMPOTENCY_KEY_RETENTION`` (default 24 h) the key is free again.

How it stays correct under concurrency: the record is inserted in its own short transaction
(the unique constraint ``(owner, key)`` decides who claimed the key first). The request then
opens a transaction, locks the record ``FOR UPDATE NOWAIT`` and runs the view *inside that
transaction*, storing the answer before commit: the view's writes and the stored answer commit
together. A second request that finds the row locked answers 409 at once; one that finds it
``completed`` replays it. If a process dies mid-view, its transaction rolls back and the next
request with the key finds the record ``in_progress`` but unlocked, and runs the view. The
guarantee needs the decorator to run outside any open transaction (``ATOMIC_REQUESTS`` off):
inside one, the claim is a savepoint that other connections cannot see until the outer commit.

The fingerprint is SHA-256 over the method, the full path (with query string) and the body;
a JSON body is canonicalised first (sorted keys, no whitespace), so key order does not matter.
Response headers other than the content type (``Location``) are not stored or replayed.
"""

from consorcio.idempotency.decorator import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    idempotent,
    owner_of,
    purge_expired,
    request_fingerprint,
)
from consorcio.idempotency.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyMismatch,
    IdempotencyKeyRequired,
    IdempotencyRequestInProgress,
)

__all__ = [
    "IDEMPOTENCY_HEADER",
    "REPLAYED_HEADER",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyMismatch",
    "IdempotencyKeyRequired",
    "IdempotencyRequestInProgress",
    "idempotent",
    "owner_of",
    "purge_expired",
    "request_fingerprint",
]
