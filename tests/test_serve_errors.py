"""Errors a page can act on ({detail, code}), refusals before parsing (415, byte cap), and the server's
own offline assets: /docs, /favicon.ico, the model summary the page reads."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kodetect import Detector
from kodetect.explain.catalog import SIGNALS
from kodetect.serve import ServerSettings, create_app

KOREAN = ("오늘은 날씨가 맑아서 친구들과 함께 한강 공원에 자전거를 타러 갔다. 벚꽃이 활짝 피어 있어서 사진을 많이 "
          "찍었고, 돌아오는 길에는 시장에 들러 떡볶이와 순대를 사 먹었다.")
BODY_LIMIT = 4096


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = ServerSettings(db_path=tmp_path_factory.mktemp("db") / "feedback.sqlite", max_body_bytes=BODY_LIMIT)
    with TestClient(create_app(settings, Detector())) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/v1/detect", "/v1/batch", "/v1/feedback"])
def test_a_body_that_is_not_json_is_415_before_parsing(client, path):
    response = client.post(path, content=KOREAN.encode(), headers={"content-type": "text/plain"})
    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "unsupported_media_type" and "application/json" in body["detail"]
    assert "X-Kodetect-Model-Version" in response.headers
    missing = client.post(path, content=b'{"text": "x"}')  # no content type at all
    assert missing.status_code == 415


def test_json_with_a_charset_is_json(client):
    response = client.post("/v1/detect", content=f'{{"text": "{KOREAN}"}}'.encode(),
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_a_body_over_the_cap_is_413_whether_declared_or_streamed(client):
    big = ('{"text": "' + "가" * (BODY_LIMIT) + '"}').encode()
    declared = client.post("/v1/detect", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def chunks():
        for start in range(0, len(big), 1000):
            yield big[start:start + 1000]

    streamed = client.post("/v1/detect", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["code"] == "too_large"
    assert client.post("/v1/detect", json={"text": KOREAN}).status_code == 200  # under the cap: fine


def test_validation_errors_are_one_readable_line(client):
    response = client.post("/v1/detect", json={"txt": KOREAN})
    assert response.status_code == 422
    body = response.json()
    assert body == {"detail": "text: Field required", "code": "invalid_request"}


def test_missing_deep_extra_is_503_saying_what_to_install_not_busy(client, monkeypatch):
    import kodetect.lm.backend as backend

    def no_torch(*args, **kwargs):
        raise ImportError("No module named 'torch'")

    monkeypatch.setattr(backend, "shared_lm", no_torch)
    [slot] = client.app.state.service.pool.slots  # scoring in this process: the Detector was handed in
    detectors = slot._state
    monkeypatch.setattr(detectors, "_cache", {k: v for k, v in detectors._cache.items() if k[0] != "deep"})
    response = client.post("/v1/detect", json={"text": KOREAN, "mode": "deep"})
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "deep_unavailable" and body["install"] == "pip install 'kodetect[deep]'"
    assert "Retry-After" not in response.headers  # trying again will not help


def test_feedback_on_unknown_detection_has_a_code(client):
    response = client.post("/v1/feedback", json={"detection_id": "nope", "label": "ai"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_docs_are_served_offline_and_favicon_exists(client):
    html = client.get("/docs")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html.text):
        assert not re.match(r"(https?:)?//", asset)
        assert client.get(asset).status_code == 200
    assert "cdn" not in html.text.lower()
    script = client.get("/static/docs.js").text
    assert "/openapi.json" in script and not re.search(r"https?://", script)
    assert client.get("/redoc").status_code == 404  # no CDN-backed ReDoc either
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"


def test_model_summary_describes_every_signal_in_both_languages(client):
    body = client.get("/v1/model").json()
    assert body["signals"] and set(body["signals"]) <= set(SIGNALS)
    for described in body["signals"].values():
        assert re.search("[가-힣]", described["ko"]) and described["en"]
    assert "reference" in body and "sentence_calibration" in body


def test_detections_carry_a_placement_field(client):
    body = client.post("/v1/detect", json={"text": KOREAN}).json()
    assert "placement" in body  # null without reference scores in the model
    assert all({"explanation", "quotes"} <= set(e) for e in body["evidence"])
