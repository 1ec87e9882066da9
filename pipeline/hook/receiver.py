"""The Alertmanager webhook receiver (payload version "4"), in its own thread.

Authentication is mandatory: ``Authorization: Bearer <token>``, compared with
:func:`hmac.compare_digest` (Alertmanager's ``http_config.authorization``
sends exactly this). The receiver answers 200 only after every decision is
durable, 5xx when it could not store them (Alertmanager then re-sends), and is
idempotent: a re-sent alert keeps its ``alert_id`` and is audited as a
duplicate. A malformed payload gets a 400 naming the problem, and its bytes
are kept in the ``rejected`` table.

Bounded: every connection has ``timeout`` seconds per request (idle, slow
headers or a trickled body alike) before it is closed, and at most
``max_connections`` are served at once; more get a 503 and are closed at once,
so idle connections cannot starve Alertmanager. A bad request (timeout,
unauthorised, malformed, over the cap, a dropped connection) is one log line,
never a traceback.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from pipeline.hook.intake import AlertRejected, from_alertmanager
from pipeline.hook.processor import Processor
from pipeline.hook.signing import Secret

__all__ = ["AlertmanagerReceiver"]

log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
)


class _BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` at once; errors in one line."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: Any, max_connections: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning(
                "alertmanager receiver: %s refused: too many connections", client_address[0]
            )
            with contextlib.suppress(OSError):  # it may be gone already
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        log.warning(
            "alertmanager receiver: %s dropped: %s", client_address[0], type(error).__name__
        )


class AlertmanagerReceiver:
    """An HTTP server that feeds Alertmanager notifications to the processor.

    Bind to loopback (the default) unless a proxy with TLS sits in front.
    """

    def __init__(
        self,
        processor: Processor,
        token: Secret,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/alertmanager",
        *,
        timeout: float = 10.0,
        max_connections: int = 512,
    ) -> None:
        self.processor = processor
        self.path = path
        self.timeout = timeout
        self._expected = b"Bearer " + token.reveal()
        self._server = _BoundedServer((host, port), self._handler_class(), max_connections)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the port is the real one when 0 was asked."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> AlertmanagerReceiver:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="hook-alertmanager", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def authorized(self, header: str | None) -> bool:
        """Constant-time check of an ``Authorization`` header."""
        if header is None:
            return False
        # http.server decodes header bytes as latin-1: encoding back gives the raw bytes.
        raw = header.encode("latin-1", errors="replace")
        return hmac.compare_digest(raw, self._expected)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "distillwatch-hook"
            sys_version = ""
            # Socket timeout of every read: an idle or slow connection is closed.
            timeout = receiver.timeout

            def setup(self) -> None:
                super().setup()
                self.deadline = time.monotonic() + receiver.timeout

            def log_message(self, format: str, *args: object) -> None:
                # The default writes every request line to stderr; keep it at debug.
                log.debug("alertmanager receiver: " + format, *args)

            def log_error(self, format: str, *args: object) -> None:
                # Timeouts and malformed request lines: one line each, at warning.
                log.warning("alertmanager receiver: %s: " + format, self.client_address[0], *args)

            def _read_body(self, length: int) -> bytes | None:
                """The body, read before the request's deadline (a trickle cannot hold on)."""
                chunks: list[bytes] = []
                left = length
                while left > 0:
                    remaining = self.deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    self.connection.settimeout(remaining)
                    try:
                        chunk = self.rfile.read1(min(left, 65536))
                    except TimeoutError:
                        return None
                    if not chunk:
                        return None
                    chunks.append(chunk)
                    left -= len(chunk)
                return b"".join(chunks)

            def do_GET(self) -> None:
                if self.path == "/healthz":
                    self._reply(HTTPStatus.OK, {"status": "ok"})
                else:
                    self._reply(HTTPStatus.NOT_FOUND, {"error": "not found"})

            def do_POST(self) -> None:
                if self.path != receiver.path:
                    self._reply(HTTPStatus.NOT_FOUND, {"error": "not found"})
                    return
                if not receiver.authorized(self.headers.get("Authorization")):
                    self._reply(HTTPStatus.UNAUTHORIZED, {"error": "missing or bad bearer token"})
                    return
                length = self.headers.get("Content-Length")
                if length is None or not length.isdigit():
                    self._reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
                    return
                if int(length) > MAX_BODY:
                    self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
                    return
                body = self._read_body(int(length))
                if body is None:
                    self.close_connection = True
                    self._reply(HTTPStatus.REQUEST_TIMEOUT, {"error": "body not received in time"})
                    return
                self._handle(body)

            def _handle(self, body: bytes) -> None:
                try:
                    alerts, resolved = from_alertmanager(orjson.loads(body))
                except (AlertRejected, orjson.JSONDecodeError) as exc:
                    if not isinstance(exc, AlertRejected):
                        exc = AlertRejected("bad_json", f"not valid JSON: {exc}")
                    try:
                        receiver.processor.reject(exc, "alertmanager", body)
                    except Exception:
                        log.exception("alertmanager receiver: cannot store a rejected payload")
                    self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
                    return
                try:
                    result = receiver.processor.handle_objects(alerts, "alertmanager")
                except Exception:
                    log.exception("alertmanager receiver: cannot store decisions")
                    self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "cannot store, retry"})
                    return
                self._reply(
                    HTTPStatus.OK,
                    {
                        "decided": len(result.decisions),
                        "duplicates": result.duplicates,
                        "rejected": [str(e) for e in result.rejected],
                        "resolved_skipped": resolved,
                    },
                )

            def _reply(self, status: HTTPStatus, payload: object) -> None:
                if status >= 400:
                    self.log_error("%d %s", int(status), status.phrase)
                self.deadline = time.monotonic() + receiver.timeout  # the next request's
                data = orjson.dumps(payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == HTTPStatus.UNAUTHORIZED:
                    self.send_header("WWW-Authenticate", 'Bearer realm="distillwatch-hook"')
                self.end_headers()
                self.wfile.write(data)

        return Handler
