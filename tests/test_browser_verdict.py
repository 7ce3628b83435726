"""The page's verdict line agrees with its probability: a `human` verdict at 96% (below a high low-fpr
AI cut) reads "not called AI", never "human".

Chromium through Playwright (skips where either is missing), the page's own files, the API answered by
the test (routes from test_browser_waiting.py).
"""

from __future__ import annotations

import json

import pytest
from test_browser_waiting import CHROMIUM, ORIGIN, page  # noqa: F401  (the fixture)

# The fixture's module skips itself without Chromium; a module that borrows the fixture must say so too.
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)")

TEXT = "검사할 글입니다. " * 20


def detection(probability: float, verdict: str) -> dict:
    return {"ai_probability": probability, "verdict": verdict, "mode": "fast", "threshold_mode": "low-fpr",
            "sentences": [{"start": 0, "end": 9, "text": "검사할 글입니다.", "ai_probability": probability}],
            "evidence": [], "model": {"name": "kodetect-fast", "version": "test"}, "profile": None,
            "attribution": None, "placement": None, "detection_id": "d1", "model_version": "test",
            "normalization": {"tampering": []}}


@pytest.mark.parametrize(("probability", "badge", "word"),
                         [(0.96, "uncertain", "AI 판정 아님"), (0.2, "human", "사람")])
def test_the_verdict_badge_follows_the_probability_side(page, probability, badge, word):  # noqa: F811
    page.route(f"{ORIGIN}/v1/detect", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(detection(probability, "human"))))
    page.goto(f"{ORIGIN}/")
    page.fill("#text", TEXT)
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.locator("#verdict-badge").inner_text() == word
    assert badge in page.locator("#verdict-badge").get_attribute("class")
