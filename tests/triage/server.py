"""Start ``distillwatch triage`` as users do (a real process, a real HTTP server)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "triage-test-token-7d1f"


@contextmanager
def running_triage(*args: str, token: str | None = TOKEN, timeout: float = 60) -> Iterator[str]:
    """Run ``distillwatch triage ARGS --listen 127.0.0.1:0``; yield its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLWATCH_TRIAGE")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    if token is not None:
        env["DISTILLWATCH_TRIAGE_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "triage", "--listen", "127.0.0.1:0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        url = None
        seen = []
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"triage: (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        assert url, "triage did not start: " + "".join(seen)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET (or POST ``data``) without following redirects; (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()
