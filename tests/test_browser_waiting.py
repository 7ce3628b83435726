"""The page while the server's queue is long: it says a check is waiting its turn, and a 503 with
Retry-After becomes "busy, retry in N s".

Runs Debian's Chromium through Playwright (skips where either is missing) against the page's own files,
with the API answered by the test (Playwright routes), so the queue's state is whatever the test says.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)")

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "kodetect" / "serve" / "static"
ARTIFACTS = ROOT / ".test-artifacts"
ORIGIN = "http://kodetect.test"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
QUEUE = {"workers": 2, "workers_ready": 2, "busy": 2, "waiting_requests": 5, "waiting_texts": 5,
         "expected_wait_s": 3.2, "budget_s": 10.0, "seconds_per_1000_chars": {"fast": 0.03}, "worker_restarts": 0}


def serve_page(route) -> None:
    path = urlparse(route.request.url).path
    file = STATIC / ("index.html" if path == "/" else path.removeprefix("/static/"))
    route.fulfill(status=200, body=file.read_bytes(), content_type=TYPES.get(file.suffix, "application/octet-stream"))


@pytest.fixture
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                     "--disable-background-networking"])
        page = browser.new_page()
        page.route(f"{ORIGIN}/", serve_page)
        page.route(f"{ORIGIN}/static/**", serve_page)
        page.route(f"{ORIGIN}/v1/queue", lambda route: route.fulfill(status=200, json=QUEUE))
        yield page
        browser.close()


def test_a_queued_check_says_it_is_waiting_then_busy_with_retry_after(page):
    held = []
    page.route(f"{ORIGIN}/v1/detect", lambda route: held.append(route))  # unanswered until the test answers
    page.goto(f"{ORIGIN}/")
    page.fill("#text", "검사할 글입니다. " * 20)
    page.click("#submit")
    page.wait_for_function("document.querySelector('#submit').textContent === '대기 중…'", timeout=10_000)
    note = page.locator("#waiting")
    assert note.is_visible()
    assert "대기 5건" in note.inner_text() and "약 4초" in note.inner_text()
    assert page.locator("#error").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-waiting.png"))
    [check] = held
    check.fulfill(status=503, headers={"Retry-After": "7"}, content_type="application/json",
                  body=json.dumps({"detail": "the server is busy", "code": "busy"}))
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "7초 뒤에 다시 시도하세요" in page.locator("#error").inner_text()
    assert note.is_hidden()
    assert page.locator("#submit").inner_text() == "검사하기"


def test_a_check_answered_quickly_never_shows_waiting(page):
    page.route(f"{ORIGIN}/v1/detect", lambda route: route.fulfill(
        status=503, content_type="application/json", body=json.dumps({"detail": "deep mode needs its package"})))
    page.goto(f"{ORIGIN}/")
    page.fill("#text", "검사할 글입니다. " * 20)
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    page.wait_for_timeout(1500)  # past the first look at the queue
    assert page.locator("#waiting").is_hidden()
    assert "초 뒤에" not in page.locator("#error").inner_text()  # no Retry-After: not the queue's "busy"
