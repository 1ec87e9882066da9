"""Acceptance: the demo serves the triage page; a browser finds a critical key, reads why,
sees its related keys, labels it benign and finds the label in the audit.

The demo runs as a user runs it (embedded broker, worker, simulated traffic). Its own
alerts depend on the detector, which is retuned often, so the test also publishes a
deterministic set (pipeline/devtools/triage_sample.py, built by the real alert code) to
the demo's alerts topic: they reach the page through the same Kafka feed as the
worker's, and the test does not hang on what the detector raises.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.devtools.triage_sample import CAMPAIGN_ID, MEMBERS, sample_alerts

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "browser-test-token-51c2"
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _start_demo(tmp_path: Path) -> tuple[subprocess.Popen[str], str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISTILLWATCH_", "KAFKA_"))}
    env["DISTILLWATCH_TRIAGE_TOKEN"] = TOKEN
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "demo", "--duration", "240",
         "--metrics-port", "0", "--triage-dir", str(tmp_path / "triage"), "--benign-keys", "20"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    brokers = url = None
    seen: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (brokers and url):
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if m := re.search(r"brokers (\S+)", line):
            brokers = m.group(1)
        if m := re.search(r"triage: (http://\S+)", line):
            url = m.group(1)
    if not (brokers and url):
        proc.kill()
        pytest.fail("the demo did not print its brokers and triage URL:\n" + "".join(seen))
    return proc, brokers, url


def _publish(brokers: str) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    try:
        for alert in sample_alerts():
            producer.send("alerts", key=alert.api_key_id.encode(), value=alert.to_json())
        producer.flush(30)
    finally:
        producer.close(10)


def _wait_for(driver: Any, url: str, check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        driver.get(url)
        if check():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{url} never showed what was expected:\n{driver.page_source[:3000]}")
        time.sleep(1.0)


def test_find_a_critical_key_read_why_label_it_and_audit(browser: Any, tmp_path: Path) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def follow(element: Any) -> None:
        """Click ``element`` and wait for the page it leads to: a click can return before
        the browser has replaced the page (a form's redirect, a link), and reading the
        old page then fails at random.

        The old page is marked with a window property, which a new document does not
        have. Asking the old ``<html>`` element whether it is stale (selenium's
        ``staleness_of``) raced the navigation in CI: chromedriver answered "node does not
        belong to the document", a plain WebDriverException that ``staleness_of`` does not
        expect. Any driver error while the page is being replaced is retried here."""
        browser.execute_script("window.__distillwatchOldPage = true;")
        element.click()
        WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
            lambda b: b.execute_script(
                "return window.__distillwatchOldPage === undefined"
                " && document.readyState === 'complete'"
            )
        )

    proc, brokers, base = _start_demo(tmp_path)
    try:
        _publish(brokers)
        target = MEMBERS[0]

        def listed() -> bool:
            return bool(browser.find_elements(By.LINK_TEXT, target))

        # The ranked list, filtered to critical through the page's own form.
        _wait_for(browser, base, listed)
        Select(browser.find_element(By.NAME, "severity")).select_by_value("critical")
        follow(browser.find_element(By.CSS_SELECTOR, "form.filters button"))
        rows = browser.find_elements(By.CSS_SELECTOR, "#ranked tbody tr")
        assert rows and all("critical" in r.text for r in rows)
        follow(browser.find_element(By.LINK_TEXT, target))

        # Why: plain language with units and distance from the baseline.
        assert browser.find_element(By.TAG_NAME, "h1").text == f"Key {target}"
        summary = browser.find_element(By.ID, "summary").text
        assert summary.startswith("Critical (score") and CAMPAIGN_ID in summary
        reasons = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#reasons li")]
        assert re.match(
            r"members share network prefixes \(overlap 0\.81\), \d+ times the overlap of "
            r"independent keys \(0\.06\)",
            reasons[0],
        ), reasons
        assert any("accounts" in r for r in reasons)
        # Related keys: the other campaign members, each a link to its page.
        related = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "#related a.key")}
        assert set(MEMBERS[1:]) <= related

        # Label it benign through the page (token required), then find it in the audit.
        form = browser.find_element(By.ID, "label-form")
        form.find_element(By.NAME, "token").send_keys(TOKEN)
        form.find_element(By.NAME, "actor").send_keys("browser-test")
        Select(form.find_element(By.NAME, "label")).select_by_value("benign")
        form.find_element(By.NAME, "reason").send_keys("load test of a partner, TICKET-9")
        follow(form.find_element(By.CSS_SELECTOR, "button"))
        assert "labelled benign" in browser.find_element(By.ID, "flash").text
        assert browser.find_element(By.ID, "state").text == "benign"

        follow(browser.find_element(By.LINK_TEXT, "audit"))
        audit_rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
        assert any(
            "browser-test" in r
            and target in r
            and "benign: load test of a partner" in r
            and "labelled benign" in r
            for r in audit_rows
        ), audit_rows
        assert TOKEN not in browser.page_source
        feedback = (tmp_path / "triage" / "feedback.jsonl").read_text()
        assert target in feedback and '"label":"benign"' in feedback
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
