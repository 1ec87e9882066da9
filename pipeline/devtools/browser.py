"""Headless Chromium from Debian's packages, driven by selenium (the browser test, screenshots).

Why selenium with Debian's ``chromium-driver``: the driver is built from the same source
package as ``chromium``, so their versions always match, and nothing is downloaded at
run time (playwright wants its own browser build, which cannot be fetched here, and does
not promise to drive a distribution's chromium). selenium is a dev dependency; this
module imports it only when a browser is asked for.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

__all__ = ["BrowserMissing", "find_browser", "headless_chromium"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)


class BrowserMissing(RuntimeError):
    """No Chromium or chromedriver here (``apt-get install chromium chromium-driver``)."""


def find_browser() -> tuple[Path, Path]:
    """Paths of the Chromium binary and its chromedriver ($CHROMIUM, $CHROMEDRIVER or PATH)."""
    browser = os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    driver = os.environ.get("CHROMEDRIVER") or next(filter(None, map(shutil.which, DRIVERS)), None)
    if not browser or not driver:
        missing = " and ".join(
            name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path
        )
        raise BrowserMissing(
            f"{missing} not found: apt-get install chromium chromium-driver "
            "(or set $CHROMIUM and $CHROMEDRIVER)"
        )
    return Path(browser), Path(driver)


def headless_chromium(width: int = 1280, height: int = 1000) -> Any:
    """A started selenium WebDriver on headless Chromium; quit it when done."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser)
    for flag in (
        "--headless=new",
        "--no-sandbox",  # root in CI containers
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=str(driver)), options=options)
