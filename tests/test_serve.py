import hashlib
import io
import re
import threading
import uuid

import docx
import pytest
from fastapi.testclient import TestClient

from kodetect import Detector
from kodetect.serve import ServerSettings, create_app, scoring
from kodetect.serve.store import export_feedback

KOREAN = (
    "오늘은 날씨가 맑아서 친구들과 함께 한강 공원에 자전거를 타러 갔다. 벚꽃이 활짝 피어 있어서 사진을 많이 찍었고, "
    "돌아오는 길에는 시장에 들러 떡볶이와 순대를 사 먹었다. 오랜만에 밖에서 오래 시간을 보내니 기분이 정말 좋았다. "
    "다음 주에도 날씨가 좋으면 다시 나가 보기로 약속했다."
)
LIMITED_CHARS = 2_000
LIMITED_FILE_BYTES = 4_096


@pytest.fixture(scope="module")
def detector():
    return Detector()


@pytest.fixture(scope="module")
def client(detector, tmp_path_factory):
    settings = ServerSettings(db_path=tmp_path_factory.mktemp("db") / "feedback.sqlite")
    with TestClient(create_app(settings, detector)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def limited(detector, tmp_path_factory):
    """Small limits, no waiting (a request while another is scored gets 503), texts kept in the database."""
    settings = ServerSettings(
        db_path=tmp_path_factory.mktemp("db") / "feedback.sqlite",
        max_text_chars=LIMITED_CHARS,
        max_file_bytes=LIMITED_FILE_BYTES,
        max_batch_texts=2,
        queue_budget_s=0.0,
        store_text=True,
    )
    with TestClient(create_app(settings, detector)) as test_client:
        yield test_client


def upload(client, name, data, **form):
    return client.post("/v1/detect/file", files={"file": (name, data)}, data=form)


def make_docx(*paragraphs):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- /v1/detect ---------------------------------------------------------------------------------------------


def test_detect_returns_detection_id_and_model_version(client, detector):
    response = client.post("/v1/detect", json={"text": KOREAN})
    assert response.status_code == 200
    body = response.json()
    version = detector.model_info.version
    assert uuid.UUID(body["detection_id"]).version == 4
    assert body["model_version"] == version
    assert response.headers["X-Kodetect-Model-Version"] == version
    assert body["verdict"] in ("ai", "human", "uncertain")
    assert 0 <= body["ai_probability"] <= 1
    assert body["threshold_mode"] == "low-fpr"
    assert body["sentences"] and all(KOREAN[s["start"]:s["end"]] == s["text"] for s in body["sentences"])
    assert {"name", "value", "direction", "contribution", "description"} <= set(body["evidence"][0])


def test_detect_matches_the_library(client, detector):
    body = client.post("/v1/detect", json={"text": KOREAN}).json()
    assert body["ai_probability"] == detector.detect(KOREAN).ai_probability


def test_detect_with_another_threshold_mode(client):
    body = client.post("/v1/detect", json={"text": KOREAN, "threshold_mode": "balanced"}).json()
    assert body["threshold_mode"] == "balanced"


def test_detect_too_long_is_413(limited):
    response = limited.post("/v1/detect", json={"text": "가" * (LIMITED_CHARS + 1)})
    assert response.status_code == 413
    assert "2,000" in response.json()["detail"]


@pytest.mark.parametrize("text", ["", "   \n "])
def test_detect_empty_is_422_with_message(client, text):
    response = client.post("/v1/detect", json={"text": text})
    assert response.status_code == 422
    assert response.json() == {"detail": "the text is empty", "code": "invalid_input"}


@pytest.mark.parametrize("field, value", [("threshold_mode", "strict"), ("mode", "deep-ish")])
def test_detect_unknown_mode_is_422(client, field, value):
    response = client.post("/v1/detect", json={"text": KOREAN, field: value})
    assert response.status_code == 422
    assert f"unknown {field} '{value}'" in response.text


def test_a_mode_the_server_cannot_load_is_503(client, monkeypatch, tmp_path):
    monkeypatch.setenv("KODETECT_DEEP_MODEL", str(tmp_path / "missing"))
    response = client.post("/v1/detect", json={"text": "검사할 글입니다. " * 10, "mode": "deep"})
    assert response.status_code == 503
    assert "model artifact not found" in response.json()["detail"]
    assert response.json()["code"] == "model_unavailable" and "Retry-After" not in response.headers


def test_short_text_abstains(client):
    body = client.post("/v1/detect", json={"text": "안녕하세요."}).json()
    assert body["verdict"] == "insufficient"
    assert body["ai_probability"] is None


# --- /v1/detect/file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "cp949"])
def test_upload_txt(client, encoding):
    response = upload(client, "essay.txt", KOREAN.encode(encoding))
    assert response.status_code == 200
    body = response.json()
    assert body["extracted_text"] == KOREAN
    assert body["document"] == {"format": "txt", "pages": None, "warnings": []}
    assert uuid.UUID(body["detection_id"])
    assert response.headers["X-Kodetect-Model-Version"] == body["model_version"]


def test_upload_docx(client):
    response = upload(client, "essay.docx", make_docx(*KOREAN.split(". ")), threshold_mode="balanced")
    assert response.status_code == 200
    body = response.json()
    assert body["document"]["format"] == "docx"
    assert "벚꽃이 활짝 피어" in body["extracted_text"]
    assert body["threshold_mode"] == "balanced"
    sentence = body["sentences"][0]
    assert body["extracted_text"][sentence["start"]:sentence["end"]] == sentence["text"]


def test_upload_png_is_415(client):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = upload(client, "scan.png", png)
    assert response.status_code == 415
    assert "scan.png" in response.json()["detail"]


def test_upload_over_limit_is_413(limited):
    response = upload(limited, "long.txt", KOREAN.encode() * 20)  # ~10 KB, read chunk by chunk
    assert response.status_code == 413
    assert "MiB" in response.json()["detail"]


def test_upload_declared_far_over_limit_is_refused_before_parsing(limited):
    response = upload(limited, "huge.txt", b"a" * 200_000)
    assert response.status_code == 413


def test_upload_unreadable_is_422(client):
    response = upload(client, "broken.docx", b"PK\x03\x04 not really a zip")
    assert response.status_code == 422
    assert response.json()["detail"]


def test_upload_unknown_threshold_mode_is_422(client):
    response = upload(client, "essay.txt", KOREAN.encode(), threshold_mode="strict")
    assert response.status_code == 422
    assert "unknown threshold_mode 'strict'" in response.json()["detail"]


# --- /v1/batch ----------------------------------------------------------------------------------------------


def test_batch_scores_each_text_and_reports_errors_per_item(client):
    response = client.post("/v1/batch", json={"texts": [KOREAN, " ", "안녕"], "threshold_mode": "balanced"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert uuid.UUID(results[0]["detection_id"]) and results[0]["threshold_mode"] == "balanced"
    assert results[1] == {"error": "the text is empty"}
    assert results[2]["verdict"] == "insufficient"
    assert response.headers["X-Kodetect-Model-Version"] == results[0]["model_version"]


def test_batch_too_long_text_is_an_error_item(limited):
    results = limited.post("/v1/batch", json={"texts": [KOREAN, "가" * (LIMITED_CHARS + 1)]}).json()["results"]
    assert "detection_id" in results[0]
    assert "limit" in results[1]["error"]


def test_batch_over_limit_is_413(limited):
    response = limited.post("/v1/batch", json={"texts": [KOREAN] * 3})
    assert response.status_code == 413
    assert "limit is 2" in response.json()["detail"]


# --- /v1/feedback -------------------------------------------------------------------------------------------


def feedback_rows(client, detection_id):
    db = client.app.state.settings.db_path
    return [row for row in export_feedback(db) if row["detection_id"] == detection_id]


def test_feedback_is_stored_with_only_the_text_hash_by_default(client):
    detection = client.post("/v1/detect", json={"text": KOREAN}).json()
    response = client.post("/v1/feedback", json={"detection_id": detection["detection_id"], "label": "human",
                                                  "comment": "제가 직접 썼어요"})
    assert response.status_code == 201
    assert response.json() == {"status": "stored"}
    [row] = feedback_rows(client, detection["detection_id"])
    assert row["label"] == "human" and row["comment"] == "제가 직접 썼어요"
    assert row["text"] is None
    assert row["text_sha256"] == hashlib.sha256(KOREAN.encode()).hexdigest()
    assert row["verdict"] == detection["verdict"]
    assert row["ai_probability"] == detection["ai_probability"]
    assert row["model_version"] == detection["model_version"]


def test_feedback_keeps_the_text_when_store_text_is_on(limited):
    detection = limited.post("/v1/detect", json={"text": KOREAN}).json()
    response = limited.post("/v1/feedback", json={"detection_id": detection["detection_id"], "label": "ai"})
    assert response.status_code == 201
    [row] = feedback_rows(limited, detection["detection_id"])
    assert row["text"] == KOREAN and row["label"] == "ai"


def test_feedback_on_uploaded_file(client):
    detection = upload(client, "essay.txt", KOREAN.encode()).json()
    response = client.post("/v1/feedback", json={"detection_id": detection["detection_id"], "label": "ai"})
    assert response.status_code == 201


def test_feedback_unknown_detection_is_404(client):
    response = client.post("/v1/feedback", json={"detection_id": str(uuid.uuid4()), "label": "ai"})
    assert response.status_code == 404


def test_feedback_bad_label_is_422(client):
    detection = client.post("/v1/detect", json={"text": KOREAN}).json()
    response = client.post("/v1/feedback", json={"detection_id": detection["detection_id"], "label": "robot"})
    assert response.status_code == 422


# --- service endpoints, schema and page ---------------------------------------------------------------------


def test_healthz(client, detector):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_version": detector.model_info.version}


def test_model_summary(client, detector):
    body = client.get("/v1/model").json()
    card = detector.model_card
    assert body["version"] == card["version"] and body["name"] == card["name"]
    assert body["thresholds"] == card["thresholds"]
    assert body["validation"]["auroc"] == card["validation"]["auroc"]
    assert set(body["validation"]["fpr"]) == {"balanced", "low-fpr"}
    assert body["training_set"]["n"] == card["training_set"]["n"]
    assert body["default_threshold_mode"] == "low-fpr"


def test_openapi_documents_the_api(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/detect", "/v1/detect/file", "/v1/batch", "/v1/feedback", "/v1/model", "/healthz"} <= set(
        schema["paths"]
    )
    fields = schema["components"]["schemas"]["DetectionResponse"]["properties"]
    assert "description" in fields["detection_id"]


def test_page_is_korean_and_uses_only_local_assets(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "검사하기" in html and 'lang="ko"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not re.match(r"(https?:)?//", asset) for asset in assets)
    for asset in assets:
        assert client.get(f"/{asset}").status_code == 200
    script = client.get("/static/app.js").text
    assert "v1/feedback" in script and "http" not in script.replace("HTTP", "")


# --- back-pressure ------------------------------------------------------------------------------------------


def test_busy_server_answers_503_with_retry_after(limited, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real_score = scoring.score_text

    def slow_score(detector, text):
        started.set()
        assert release.wait(10), "test never released the scoring slot"
        return real_score(detector, text)

    monkeypatch.setattr(scoring, "score_text", slow_score)
    first: dict = {}
    worker = threading.Thread(target=lambda: first.update(response=limited.post("/v1/detect", json={"text": KOREAN})))
    worker.start()
    try:
        assert started.wait(10)
        busy = limited.post("/v1/detect", json={"text": KOREAN})
        assert busy.status_code == 503 and busy.json()["code"] == "busy"
        assert int(busy.headers["Retry-After"]) > 0
        assert "busy" in busy.json()["detail"]
        assert limited.get("/v1/queue").json()["busy"] == 1
        assert limited.post("/v1/batch", json={"texts": [KOREAN]}).status_code == 503
        # The event loop is not blocked by the scoring thread.
        assert limited.get("/healthz").status_code == 200
    finally:
        release.set()
        worker.join(10)
    assert first["response"].status_code == 200
    assert limited.post("/v1/detect", json={"text": KOREAN}).status_code == 200


def test_a_request_past_the_timeout_is_504(detector, tmp_path, monkeypatch):
    release = threading.Event()
    real_score = scoring.score_text

    def stuck_score(detector, text):
        assert release.wait(10), "test never released the scoring slot"
        return real_score(detector, text)

    settings = ServerSettings(db_path=tmp_path / "feedback.sqlite", request_timeout_s=0.2)
    with TestClient(create_app(settings, detector)) as late:
        monkeypatch.setattr(scoring, "score_text", stuck_score)
        try:
            response = late.post("/v1/detect", json={"text": KOREAN})
        finally:
            release.set()
        assert response.status_code == 504
        assert "did not finish within" in response.json()["detail"]
        monkeypatch.setattr(scoring, "score_text", real_score)
        assert late.post("/v1/detect", json={"text": KOREAN}).status_code == 200
