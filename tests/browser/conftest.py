"""A real headless Chromium for the browser tests; skipped, with the reason, only without one.

In CI (``CI=true``) a missing browser fails instead: .ci/run installs Debian's
``chromium`` and ``chromium-driver`` (scripts/ci/install-chromium.sh).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from pipeline.devtools.browser import BrowserMissing, find_browser, headless_chromium


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        find_browser()
    except BrowserMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need Chromium in CI: {exc}")
        pytest.skip(f"no browser: {exc}")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    driver = headless_chromium()
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
