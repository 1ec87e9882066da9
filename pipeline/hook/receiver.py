"""The Alertmanager webhook receiver (payload version "4"), in its own thread.

Authentication is mandatory: ``Authorization: Bearer <token>``, compared with
:func:`hmac.compare_digest` (Alertmanager's ``http_config.authorization``
sends exactly this). The receiver answers 200 only after every decision is
durable, 5xx when it could not store them (Alertmanager then re-sends), and is
idempotent: a re-sent alert keeps its ``alert_id`` and is audited as a
duplicate. A malformed payload gets a 400 naming the problem, and its bytes
are kept in the ``rejected`` table.
"""

from __future__ import annotations

import hmac
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

from pipeline.hook.intake import AlertRejected, from_alertmanager
from pipeline.hook.processor import Processor
from pipeline.hook.signing import Secret

__all__ = ["AlertmanagerReceiver"]

log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024


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
    ) -> None:
        self.processor = processor
        self.path = path
        self._expected = b"Bearer " + token.reveal()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
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

            def log_message(self, format: str, *args: object) -> None:
                # The default writes every request line to stderr; keep it at debug.
                log.debug("alertmanager receiver: " + format, *args)

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
                body = self.rfile.read(int(length))
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
                data = orjson.dumps(payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == HTTPStatus.UNAUTHORIZED:
                    self.send_header("WWW-Authenticate", 'Bearer realm="distillwatch-hook"')
                self.end_headers()
                self.wfile.write(data)

        return Handler
