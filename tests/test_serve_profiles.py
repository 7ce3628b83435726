"""Profiles in the HTTP API: a `profile` field in every scoring request, the server's default profile, and
GET /v1/profiles. Uses the packaged fast model."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from profile_fakes import profile_with

from kodetect import Detector
from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import ModelInfo
from kodetect.errors import InputError
from kodetect.profiles import PROFILE_DIR_ENV
from kodetect.profiles.store import save_profile
from kodetect.serve import ServerSettings, create_app
from kodetect.serve.store import export_feedback

REPO = Path(__file__).resolve().parents[1]
KOREAN = (REPO / "examples" / "human_essay.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def detector():
    return Detector()


@pytest.fixture(scope="module")
def profiles(detector, tmp_path_factory):
    """`strict` calls everything AI; `old` was made for another model version."""
    folder = tmp_path_factory.mktemp("profiles")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROFILE_DIR_ENV, str(folder))
        save_profile(profile_with("strict", detector.model_info, ThresholdMode(ai=0.0, human=0.0),
                                  description="2022년 이전 자기소개서"))
        save_profile(profile_with("old", ModelInfo(detector.model_info.name, "0.0.1-old"), ThresholdMode(0.9, 0.1)))
        save_profile(profile_with("deep-one", detector.model_info, ThresholdMode(0.9, 0.1), mode="deep"))
    return folder


@pytest.fixture(autouse=True)
def profile_folder(profiles, monkeypatch):
    monkeypatch.setenv(PROFILE_DIR_ENV, str(profiles))


def make_client(detector, tmp_path, **settings):
    app = create_app(ServerSettings(db_path=tmp_path / "feedback.sqlite", **settings), detector)
    return TestClient(app)


@pytest.fixture
def client(detector, tmp_path):
    with make_client(detector, tmp_path) as test_client:
        yield test_client


def test_detect_with_a_profile(client, tmp_path):
    body = client.post("/v1/detect", json={"text": KOREAN, "profile": "strict"}).json()
    assert body["verdict"] == "ai" and body["threshold_mode"] == "profile:strict"
    assert body["profile"] == {"name": "strict", "description": "2022년 이전 자기소개서", "human_texts": 500,
                               "target_fpr": 0.01, "fpr_bound": 0.006}
    plain = client.post("/v1/detect", json={"text": KOREAN}).json()
    assert plain["profile"] is None and plain["threshold_mode"] == "low-fpr"
    assert plain["ai_probability"] == body["ai_probability"]
    # The detection is recorded with the thresholds that decided it, so feedback can be read against them.
    client.post("/v1/feedback", json={"detection_id": body["detection_id"], "label": "human"})
    [row] = list(export_feedback(tmp_path / "feedback.sqlite"))
    assert row["threshold_mode"] == "profile:strict"


def test_upload_and_batch_take_a_profile(client):
    upload = client.post("/v1/detect/file", files={"file": ("essay.txt", KOREAN.encode())}, data={"profile": "strict"})
    assert upload.status_code == 200 and upload.json()["profile"]["name"] == "strict"
    batch = client.post("/v1/batch", json={"texts": [KOREAN, "짧은 글"], "profile": "strict"}).json()["results"]
    assert [r["verdict"] for r in batch] == ["ai", "insufficient"]
    assert all(r["profile"]["name"] == "strict" for r in batch)


@pytest.mark.parametrize(("request_body", "message"), [
    ({"profile": "old"}, "Re-create it: kodetect profile create old"),
    ({"profile": "nobody"}, "no profile named 'nobody'"),
    ({"profile": "strict", "threshold_mode": "balanced"}, "not both"),
    ({"profile": "deep-one", "mode": "fast"}, "fitted in deep mode, not fast"),
])
def test_unusable_profiles_are_refused_with_the_reason(client, request_body, message):
    response = client.post("/v1/detect", json={"text": KOREAN, **request_body})
    assert response.status_code == 422 and message in response.json()["detail"]


@pytest.mark.parametrize("name", ["../strict", "/etc/passwd", "strict.json/..", ".hidden", ""])
def test_a_profile_is_named_never_a_path(client, name):
    response = client.post("/v1/detect", json={"text": KOREAN, "profile": name})
    assert response.status_code == 422
    if name:  # an empty form field is an absent one, as for the other form fields
        upload = client.post("/v1/detect/file", files={"file": ("a.txt", KOREAN.encode())}, data={"profile": name})
        assert upload.status_code == 422


def test_profiles_listing(client, detector):
    listing = client.get("/v1/profiles").json()
    assert listing["default"] is None
    by_name = {p["name"]: p for p in listing["profiles"]}
    assert set(by_name) == {"strict", "old", "deep-one"}
    assert by_name["strict"]["usable"] and by_name["strict"]["problem"] is None
    assert by_name["strict"]["human_texts"] == 500 and by_name["strict"]["description"] == "2022년 이전 자기소개서"
    assert not by_name["old"]["usable"] and "re-create" in by_name["old"]["problem"]
    assert by_name["deep-one"]["mode"] == "deep"


def test_the_servers_profile_is_the_default_of_its_mode(detector, tmp_path):
    with make_client(detector, tmp_path, profile="strict") as client:
        assert client.get("/v1/profiles").json()["default"] == "strict"
        assert client.post("/v1/detect", json={"text": KOREAN}).json()["threshold_mode"] == "profile:strict"
        # A request that names a threshold mode gets it, without the server's profile.
        chosen = client.post("/v1/detect", json={"text": KOREAN, "threshold_mode": "balanced"}).json()
        assert chosen["threshold_mode"] == "balanced" and chosen["profile"] is None


def test_a_stale_server_profile_stops_the_start(detector, tmp_path):
    with pytest.raises(InputError, match="Re-create it"):
        make_client(detector, tmp_path, profile="old")


def test_openapi_documents_the_profile_field(client):
    schema = client.get("/openapi.json").json()
    assert "profile" in schema["components"]["schemas"]["DetectRequest"]["properties"]
    assert "/v1/profiles" in schema["paths"]
    response_profile = schema["components"]["schemas"]["DetectionResponse"]["properties"]["profile"]
    assert {"$ref": "#/components/schemas/ProfileRef"} in response_profile["anyOf"]
