"""The page's profile choice in a real browser: the server's profiles appear next to the threshold modes,
a stale one cannot be chosen, and a result checked with a profile says in Korean what it was fitted on.

Runs Debian's Chromium through Playwright like test_browser.py, and skips where either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from profile_fakes import fitted_profile

from kodetect.detection import ModelInfo
from kodetect.detector import model_identity
from kodetect.profiles import PROFILE_DIR_ENV
from kodetect.profiles.store import save_profile

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
    folder = tmp_path_factory.mktemp("profiles")
    db = tmp_path_factory.mktemp("db") / "feedback.sqlite"
    model = model_identity("fast")
    environment = {**os.environ, PROFILE_DIR_ENV: str(folder)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROFILE_DIR_ENV, str(folder))
        save_profile(fitted_profile("essays", model, description="2022년 이전 자기소개서"))
        save_profile(fitted_profile("old", ModelInfo(model.name, "0.0.1-old"), n=300))
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kodetect", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
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


def test_choose_a_profile_on_the_page(server):
    url, db = server
    human = (ROOT / "examples" / "human_essay.txt").read_text("utf-8").split("\n\n")[0]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(url)
        option = page.locator('#threshold-mode option[value="profile:essays"]')
        option.wait_for(state="attached", timeout=10_000)
        assert "2022년 이전 자기소개서" in option.inner_text() and "1,200편" in option.inner_text()
        assert page.locator('#threshold-mode option[value="profile:old"]').is_disabled()
        page.select_option("#threshold-mode", "profile:essays")
        page.fill("#text", human)
        page.click("#submit")
        page.wait_for_selector("#result:not([hidden])", timeout=60_000)
        info = page.locator("#profile-info")
        assert info.is_visible()
        assert info.inner_text().startswith(
            "이 기준은 2022년 이전 자기소개서 1,200편으로 맞췄습니다: 사람 글을 AI로 판정할 확률 ")
        assert info.inner_text().endswith("% 이하")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-profile.png"), full_page=True)
        # The same page without a profile says nothing about one.
        page.select_option("#threshold-mode", "low-fpr")
        page.click("#submit")
        page.wait_for_function("document.getElementById('profile-info').hidden", timeout=60_000)
        browser.close()
    with sqlite3.connect(db) as connection:
        modes = [row[0] for row in connection.execute("select threshold_mode from detections order by created_at")]
    assert modes == ["profile:essays", "low-fpr"]
