"""Feedback → `kodetect recalibrate` → a new model version that the server then reports."""

from __future__ import annotations

import numpy as np
import pytest

from kodetect import Detector
from kodetect.cli.main import main
from kodetect.eval.data import data_dir
from kodetect.model.artifact import ModelArtifact
from kodetect.training.recalibrate import raw_from_probability, recalibrate


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def test_probability_inverts_back_to_the_raw_score(detector):
    calibration = detector._model.calibration
    raw = np.array([-6.0, -1.5, 0.0, 2.5, 5.0])
    np.testing.assert_allclose(raw_from_probability(calibration, calibration.probability(raw)), raw, atol=1e-9)


def test_feedback_that_calls_confident_ai_texts_human_raises_the_ai_cut(detector):
    model: ModelArtifact = detector._model
    rng = np.random.default_rng(0)
    val_raw = np.concatenate([rng.normal(-3, 1, 300), rng.normal(3, 1, 300)])
    val_labels = np.array([0] * 300 + [1] * 300)
    groups = np.array(["a"] * 300 + ["b"] * 300)
    base = recalibrate(model, val_raw, val_labels, groups, np.zeros(0), np.zeros(0, dtype=int))
    # People report that texts scored around +3 (called AI) were in fact written by them.
    corrected = recalibrate(model, val_raw, val_labels, groups, rng.normal(3, 0.3, 40), np.zeros(40, dtype=int))
    assert corrected.version != base.version and corrected.version.startswith(model.version)
    assert corrected.thresholds["low-fpr"].ai > base.thresholds["low-fpr"].ai
    assert corrected.card["recalibration"]["feedback_rows"] == {"human": 40, "ai": 0}


@pytest.mark.skipif(data_dir() is None, reason="../shared/data is absent: recalibration needs the validation data")
def test_recalibrate_command_end_to_end(detector, tmp_path, capsys):
    from fastapi.testclient import TestClient

    from kodetect.serve.app import ServerSettings, create_app

    db = tmp_path / "feedback.sqlite"
    client = TestClient(create_app(ServerSettings(db_path=db), detector=detector))
    texts = [
        "오늘은 친구들이랑 학교 끝나고 떡볶이를 먹으러 갔다. 매운데 너무 맛있어서 계속 먹었더니 배가 아팠다 ㅋㅋ "
        "다음엔 조금만 먹어야지.",
        "스마트폰은 현대인의 삶에 큰 영향을 미치고 있습니다. 따라서 올바른 사용 습관을 기르는 것이 무엇보다 "
        "중요합니다. 또한, 가정과 학교의 지도가 필요합니다.",
    ]
    for text, label in zip(texts, ["human", "ai"], strict=True):
        detection_id = client.post("/v1/detect", json={"text": text}).json()["detection_id"]
        response = client.post("/v1/feedback", json={"detection_id": detection_id, "label": label})
        assert response.status_code == 201
    out = tmp_path / "model" / "fast"
    assert main(["recalibrate", "--db", str(db), "--out", str(out)]) == 0
    assert "feedback rows" in capsys.readouterr().out
    new = ModelArtifact.load(out)
    assert new.version != detector.model_info.version
    assert new.card["recalibration"]["feedback_rows"]["human"] == 1
    served = TestClient(create_app(ServerSettings(db_path=db, model_path=out)))
    response = served.post("/v1/detect", json={"text": texts[1]})
    assert response.headers["X-Kodetect-Model-Version"] == new.version == response.json()["model_version"]
