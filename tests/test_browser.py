"""End to end in a real browser: paste text, see highlighted sentences, give feedback, find the row.

Runs Debian's Chromium through Playwright (no browser download); skips with a reason where either
is missing. The screenshot of the result is kept in .test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / ".test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "feedback.sqlite"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kodetect", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("kodetect serve did not start")
        yield url, db
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_paste_highlight_and_feedback(server):
    url, db = server
    ai = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8").split("\n\n")[0]
    human = (ROOT / "examples" / "human_essay.txt").read_text("utf-8").split("\n\n")[0]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(url)
        page.fill("#text", f"{ai}\n\n{human}")
        page.click("#submit")
        page.wait_for_selector("#result:not([hidden])", timeout=60_000)
        marks = page.locator("#highlighted mark")
        assert marks.count() >= 5  # one per sentence
        assert marks.first.get_attribute("title")  # carries the sentence's probability
        assert page.locator("#model-version").inner_text().startswith("0.")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-result.png"), full_page=True)
        page.locator("#feedback-verdict button").first.click()
        page.wait_for_selector("#feedback-thanks:not([hidden])", timeout=10_000)
        browser.close()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select label from feedback").fetchall()
    assert len(rows) == 1 and rows[0][0] in ("human", "ai")


def test_page_names_the_most_similar_model_family_only_for_ai_text(server):
    url, _ = server
    ai = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8")
    human = (ROOT / "examples" / "human_essay.txt").read_text("utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(url)
        page.fill("#text", ai)
        page.click("#submit")
        page.wait_for_selector("#attribution:not([hidden])", timeout=60_000)
        line = page.locator("#attribution").inner_text()
        assert "가장 비슷한 모델 계열:" in line and "증거는 아닙니다" in line
        assert "%" in page.locator("#attribution-family").inner_text() or "알 수 없음" in line
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-attribution.png"), full_page=True)
        page.click("#lang-toggle")
        assert "Most similar model family" in page.locator("#attribution").inner_text()
        page.click("#lang-toggle")
        page.fill("#text", human)
        page.click("#submit")
        page.wait_for_function("document.querySelector('#verdict-badge').className.includes('human')",
                               timeout=60_000)
        assert page.locator("#attribution").is_hidden()
        browser.close()
