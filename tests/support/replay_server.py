"""A local HTTP server that replays recorded answers of an external service (no internet).

A recording is a JSON file::

    {"service": "score-bureau",
     "exchanges": [
       {"method": "GET", "path": "/v1/scores", "query": {"cpf": "52998224725"},
        "status": 200, "headers": {"X-Trace": "a1"}, "body": {"score": 742}},
       {"method": "GET", "path": "/v1/scores", "query": {"cpf": "11144477735"},
        "status": 503, "body": {"erro": "instável"}},
       {"method": "GET", "path": "/v1/scores", "query": {"cpf": "11144477735"},
        "status": 200, "body": {"score": 615}, "delay": 0.0}
     ]}

Matching is on method, path and (when the exchange has one) the exact query. Exchanges that
match the same request are served in file order, one per request; the last one then repeats,
so a sequence "503, then 200" is two entries. Per exchange:

- ``body``: any JSON value, sent as ``application/json`` (``text`` sends a raw string);
- ``delay``: seconds to wait before answering (a slow provider; the client may time out);
- ``fault: "reset"``: close the connection without answering (a dropped connection).

A request no exchange matches gets 501 with a JSON explanation, and is kept in ``unmatched``.
Every request received is logged in ``requests`` for assertions ("it was retried once").
Use the ``replay_server`` fixture (a factory: ``replay_server("path/to/recording.json")``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass(frozen=True)
class Exchange:
    """One recorded answer and the request it answers."""

    method: str
    path: str
    query: dict[str, str] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    text: str | None = None
    delay: float = 0.0
    fault: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Exchange:
        return cls(
            method=raw["method"].upper(),
            path=raw["path"],
            query=raw.get("query"),
            status=int(raw.get("status", 200)),
            headers=dict(raw.get("headers", {})),
            body=raw.get("body"),
            text=raw.get("text"),
            delay=float(raw.get("delay", 0.0)),
            fault=raw.get("fault"),
        )

    def matches(self, method: str, path: str, query: dict[str, str]) -> bool:
        return (
            self.method == method
            and self.path == path
            and (self.query is None or self.query == query)
        )


@dataclass(frozen=True)
class ReceivedRequest:
    """A request the server received, as the provider would have seen it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class ReplayServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (free port) serving ``exchanges`` in order."""

    def __init__(self, exchanges: list[Exchange]) -> None:
        self.exchanges = list(exchanges)
        self.requests: list[ReceivedRequest] = []
        self.unmatched: list[ReceivedRequest] = []
        self._served: dict[int, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._stopped = False

    @classmethod
    def from_file(cls, path: str | Path) -> ReplayServer:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls([Exchange.from_json(item) for item in raw["exchanges"]])

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def count(self, method: str, path: str) -> int:
        """How many requests with this method and path arrived."""
        return sum(1 for r in self.requests if r.method == method.upper() and r.path == path)

    def next_exchange(self, request: ReceivedRequest) -> Exchange | None:
        """The exchange answering ``request``: the first unserved match, else the last match."""
        with self._lock:
            self.requests.append(request)
            candidates = [
                (index, exchange)
                for index, exchange in enumerate(self.exchanges)
                if exchange.matches(request.method, request.path, request.query)
            ]
            if not candidates:
                self.unmatched.append(request)
                return None
            signature = candidates[0][0]
            served = self._served.get(signature, 0)
            self._served[signature] = served + 1
            return candidates[min(served, len(candidates) - 1)][1]


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_PUT(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on ``server.requests`` instead."""

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            received = ReceivedRequest(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            exchange = server.next_exchange(received)
            if exchange is None:
                self._send(501, {}, json.dumps({"unmatched": f"{self.command} {self.path}"}))
                return
            if exchange.delay:
                time.sleep(exchange.delay)
            if exchange.fault == "reset":
                self.close_connection = True
                return
            payload = exchange.text if exchange.text is not None else json.dumps(exchange.body)
            self._send(exchange.status, exchange.headers, payload)

        def _send(self, status: int, headers: dict[str, str], payload: str) -> None:
            data = payload.encode("utf-8")
            try:
                self.send_response(status)
                if not any(name.lower() == "content-type" for name in headers):
                    self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True  # the client gave up (timed out) meanwhile

    return Handler


@pytest.fixture
def replay_server() -> Iterator[Callable[[str | Path | list[Exchange]], ReplayServer]]:
    """Factory fixture: start a ``ReplayServer`` from a recording file or exchanges."""
    started: list[ReplayServer] = []

    def start(recording: str | Path | list[Exchange]) -> ReplayServer:
        if isinstance(recording, list):
            server = ReplayServer(recording)
        else:
            server = ReplayServer.from_file(recording)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
