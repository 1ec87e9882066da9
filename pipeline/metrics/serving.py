"""Serving ``/metrics`` from prometheus-client's own thread, and writing a snapshot file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest, start_http_server

__all__ = ["MetricsServer", "serve", "write_snapshot"]


@dataclass
class MetricsServer:
    """A running ``/metrics`` endpoint (prometheus-client's thread); ``close()`` stops it."""

    server: WSGIServer
    thread: Thread

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        return int(self.server.server_port)

    def close(self) -> None:
        """Stop serving and wait for the thread (bounded)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(registry: CollectorRegistry, host: str = "127.0.0.1", port: int = 0) -> MetricsServer:
    """Serve ``registry`` on ``http://host:port/metrics`` from a daemon thread.

    prometheus-client's own server runs outside the asyncio loop, so a slow
    scrape never stalls processing (faust's web server would; DESIGN.md).
    Binds loopback by default; ``port=0`` picks a free port (see ``.port``).
    """
    server, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsServer(server, thread)


def write_snapshot(registry: CollectorRegistry, path: str | os.PathLike[str]) -> Path:
    """Write the registry in the text exposition format to ``path``, atomically.

    Replay calls this at the end of a run so its counters can be inspected (or
    pushed to a textfile collector) like a live worker's.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".metrics-", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(generate_latest(registry))
    os.replace(tmp, target)
    return target
