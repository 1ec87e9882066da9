"""Fixtures for the hook tests (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import ProviderServer


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    """A real provider HTTP server on a free loopback port."""
    server = ProviderServer().start()
    try:
        yield server
    finally:
        server.stop()
