"""`Detection.attribution` in the library, the readable view and the API: only for `ai` and `uncertain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attribution_fakes import fake_model
from fastapi.testclient import TestClient

import kodetect.attribution as attribution_module
import kodetect.detector as detector_module
from kodetect import Detector
from kodetect.attribution import attribution_model
from kodetect.cli.render import attribution_lines, render_detection
from kodetect.detection import DETECTION_FIELDS, Attribution, Detection, ModelInfo, NormalizationReport
from kodetect.serve import ServerSettings, create_app

ROOT = Path(__file__).resolve().parents[1]
AI_TEXT = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8")
HUMAN_TEXT = (ROOT / "examples" / "human_essay.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _detection(verdict: str, attribution: Attribution | None) -> Detection:
    return Detection(0.9, verdict, "fast", "low-fpr", [], [], NormalizationReport(), ModelInfo("m", "1"),
                     attribution=attribution)


def test_attribution_is_the_last_field_of_the_contract() -> None:
    assert DETECTION_FIELDS[-1] == "attribution"
    data = _detection("ai", Attribution("claude", {"claude": 0.62, "gpt": 0.3, "other": 0.08})).to_dict()
    assert list(data) == list(DETECTION_FIELDS)
    assert data["attribution"] == {"family": "claude", "probabilities": {"claude": 0.62, "gpt": 0.3, "other": 0.08}}
    assert _detection("human", None).to_dict()["attribution"] is None
    json.dumps(data)


def test_ai_verdict_names_a_family_and_human_verdict_has_none(detector: Detector) -> None:
    ai = detector.detect(AI_TEXT)
    assert ai.verdict == "ai"
    assert ai.attribution is not None
    families = attribution_model().families
    assert ai.attribution.family in [*families, "unknown"]
    assert list(ai.attribution.probabilities) != [] and set(ai.attribution.probabilities) == set(families)
    assert sum(ai.attribution.probabilities.values()) == pytest.approx(1.0, abs=2e-3)
    human = detector.detect(HUMAN_TEXT)
    assert human.verdict == "human" and human.attribution is None
    assert detector.detect("짧은 글.").attribution is None  # insufficient
    assert detector.detect("This text is written in English and has no Korean at all.").attribution is None


def test_uncertain_verdict_gets_an_attribution(detector: Detector, monkeypatch) -> None:
    # Make every probability fall between the cuts, whatever the text.
    threshold = detector._threshold
    monkeypatch.setattr(detector, "_threshold", type(threshold)(ai=1.01, human=-0.01))
    result = detector.detect(HUMAN_TEXT)
    assert result.verdict == "uncertain" and result.attribution is not None


def test_human_verdicts_never_load_or_run_the_classifier(detector: Detector, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("attribution computed for a human verdict")

    monkeypatch.setattr(detector_module, "attribute", refuse)
    assert detector.detect(HUMAN_TEXT).verdict == "human"


def test_unknown_below_the_cut(detector: Detector, monkeypatch) -> None:
    model = attribution_model()
    monkeypatch.setattr(model, "cut", 1.01)
    result = detector.detect(AI_TEXT)
    assert result.attribution.family == "unknown"
    assert len(result.attribution.probabilities) == len(model.families)


def test_attribution_changes_no_probability(detector: Detector) -> None:
    """`score()` never computes an attribution; `detect()` must give the same numbers."""
    texts = [AI_TEXT, HUMAN_TEXT, *AI_TEXT.split("\n\n"), *HUMAN_TEXT.split("\n\n")]
    scored = list(detector.score(texts))
    detected = [detector.detect(t) for t in texts]
    assert [d.ai_probability for d in detected] == [None if s is None else round(s, 4) for s in scored]


def test_environment_variable_points_at_another_artifact(tmp_path: Path, monkeypatch) -> None:
    fake_model(families=("gpt", "other")).save(tmp_path / "fake")
    monkeypatch.setenv(attribution_module.MODEL_ENV, str(tmp_path / "fake"))
    assert attribution_model().families == ["gpt", "other"]


# --- the readable view ------------------------------------------------------------------------------------


def test_readable_view_shows_the_family_with_its_caution() -> None:
    text = render_detection(_detection("ai", Attribution("claude", {"claude": 0.62, "gpt": 0.21, "qwen": 0.1,
                                                                      "other": 0.07})))
    assert "가장 비슷한 모델 계열: Claude (62%)" in text
    assert "(그다음: GPT 21%, Qwen 10%)" in text and "증거는 아닙니다" in text
    english = render_detection(_detection("ai", Attribution("claude", {"claude": 0.62, "gpt": 0.21, "qwen": 0.1,
                                                                         "other": 0.07})), lang="en")
    assert "Most similar model family: Claude (62%)  (then: GPT 21%, Qwen 10%)" in english and "not proof" in english
    assert "모델 계열" not in render_detection(_detection("human", None))


def test_readable_view_of_unknown_lists_the_closest() -> None:
    lines = attribution_lines(Attribution("unknown", {"korean": 0.3, "gpt": 0.25, "llama": 0.2, "other": 0.25}))
    assert "unknown" in lines[0] and "Korean fine-tune 30%" in lines[0]
    korean = attribution_lines(Attribution("unknown", {"korean": 0.3, "gpt": 0.25}), lang="ko")
    assert "알 수 없음" in korean[0] and "가장 가까운 계열" in korean[0]


# --- the API ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(detector, tmp_path_factory):
    settings = ServerSettings(db_path=tmp_path_factory.mktemp("db") / "feedback.sqlite")
    with TestClient(create_app(settings, detector)) as test_client:
        yield test_client


def test_api_returns_the_attribution_for_ai_and_null_for_human(client, detector) -> None:
    ai = client.post("/v1/detect", json={"text": AI_TEXT}).json()
    assert ai["attribution"] == json.loads(json.dumps(detector.detect(AI_TEXT).to_dict()["attribution"]))
    keys = list(ai)
    assert keys.index("attribution") == keys.index("profile") + 1
    human = client.post("/v1/detect", json={"text": HUMAN_TEXT}).json()
    assert human["attribution"] is None
    batch = client.post("/v1/batch", json={"texts": [AI_TEXT, HUMAN_TEXT]}).json()["results"]
    assert batch[0]["attribution"]["family"] and batch[1]["attribution"] is None


def test_openapi_documents_the_attribution(client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    field = schema["DetectionResponse"]["properties"]["attribution"]
    assert "description" in field
    assert "not proof" in schema["AttributionOut"]["properties"]["family"]["description"]


def test_page_has_the_attribution_line_and_its_caution(client) -> None:
    html = client.get("/").text
    script = client.get("/static/app.js").text
    assert 'id="attribution"' in html and "가장 비슷한 모델 계열" in html
    assert "증거는 아닙니다" in script and "not proof" in script
