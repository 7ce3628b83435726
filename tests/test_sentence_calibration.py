"""Sentence probabilities with their own calibration: the map, its fit, the detector's use of it, the
artifact that stores it, and the refit command on the real validation pool."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from kodetect import Detector
from kodetect.calibration.sentences import SentenceCalibration, SentenceRowsArrays, fit_sentence_calibration
from kodetect.eval.data import data_dir
from kodetect.model.artifact import ModelArtifact
from kodetect.model.shipped import PACKAGED_MODELS
from kodetect.training.dataset import Example
from kodetect.training.sentence_fit import balanced_weights, mixed_documents

TEXT = ("오늘은 비가 와서 우산을 챙겨 학교에 갔다. 응. 수업이 끝나고 친구들과 도서관에 들러 숙제를 했다. "
        "집에 돌아오는 길에는 비가 그쳐서 무지개가 떠 있었고 동생에게 사진을 찍어 보내 주었다. 좋다!")


def test_short_sentences_get_no_probability_and_lean_on_the_fallback():
    sentence_map = SentenceCalibration(slope=1.0, intercept=0.0, half_weight=10.0, document_weight=1.0,
                                       min_hangul=5)
    raw = np.array([4.0, 4.0, 4.0])
    p = sentence_map.probability(raw, document_logit=-2.0, hangul=np.array([3, 10, 1000]))
    assert np.isnan(p[0])  # too short to judge
    assert p[1] == pytest.approx(1 / (1 + np.exp(-(0.5 * 4.0 + 0.5 * -2.0))))  # halfway to the document
    assert p[2] > 0.98  # a long sentence stands on its own score
    toward_half = SentenceCalibration(1.0, 0.0, 10.0, 0.0, 5).probability(raw, -2.0, np.array([10, 10, 10]))
    assert toward_half[0] == pytest.approx(1 / (1 + np.exp(-2.0)))  # document weight 0: toward 50%


def test_the_map_round_trips_through_a_dict():
    sentence_map = SentenceCalibration(0.8, 0.1, 8.0, 0.25, 8, {"documents": 3})
    assert SentenceCalibration.from_dict(json.loads(json.dumps(sentence_map.to_dict()))) == sentence_map


def synthetic_rows(n: int, seed: int, slope: float, intercept: float, half: float, weight: float):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2.5, n)
    hangul = rng.integers(8, 80, n).astype(float)
    document = rng.integers(0, n // 10, n)
    d = rng.normal(0, 2, n // 10)[document]
    truth = SentenceCalibration(slope, intercept, half, weight, 0)
    y = (rng.random(n) < truth.probability(z, d, hangul)).astype(float)
    return SentenceRowsArrays(z, d, hangul, y, np.ones(n), document), truth


def test_the_fit_recovers_a_known_map():
    rows, truth = synthetic_rows(20_000, 0, slope=0.8, intercept=0.3, half=16.0, weight=0.5)
    fitted, losses = fit_sentence_calibration(rows, min_hangul=8, half_weights=(0.0, 4.0, 16.0, 64.0))
    assert fitted.half_weight == 16.0 and min(losses, key=losses.get) == 16.0
    assert fitted.slope == pytest.approx(truth.slope, abs=0.08)
    assert fitted.intercept == pytest.approx(truth.intercept, abs=0.1)
    assert fitted.document_weight == pytest.approx(truth.document_weight, abs=0.15)


def test_weights_balance_sides_and_genres():
    weights = balanced_weights([0, 0, 0, 1, 1, 1], ["essay", "essay", "poetry", "essay", "chat", "chat"])
    assert weights[:3].sum() == pytest.approx(weights[3:].sum())
    assert weights[0] + weights[1] == pytest.approx(weights[2])


def test_mixed_documents_label_every_paragraph_by_its_source():
    examples = [Example(f"h{i}", f"사람이 쓴 문단 {i}번입니다.", 0, "g", "essay", "human") for i in range(5)]
    examples += [Example(f"a{i}", f"모델이 쓴 문단 {i}번입니다.", 1, "g2", "essay", "gpt") for i in range(5)]
    documents = mixed_documents(examples, seed=0)
    assert len(documents) == 5
    for document in documents:
        for start, end, label in document.spans:
            assert document.text[start:end].startswith("사람이" if label == 0 else "모델이")


def artifact_with_map(tmp_path, sentence_map: SentenceCalibration | None):
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    from dataclasses import replace

    path = tmp_path / "fast"
    replace(model, sentence_calibration=sentence_map).save(path)
    return path


def test_detector_uses_the_artifacts_map_and_keeps_the_document_probability(tmp_path):
    sentence_map = SentenceCalibration(0.7, 0.2, 8.0, 0.0, 8)
    with_map = Detector(model_path=artifact_with_map(tmp_path / "a", sentence_map))
    without = Detector(model_path=artifact_with_map(tmp_path / "b", None))
    assert ModelArtifact.load(tmp_path / "a" / "fast").sentence_calibration == sentence_map
    a, b = with_map.detect(TEXT), without.detect(TEXT)
    assert a.ai_probability == b.ai_probability  # the document's calibration is untouched
    scored = with_map.sentence_scores(TEXT)
    expected = sentence_map.probability(scored.window_raw, np.log(a.ai_probability / (1 - a.ai_probability)),
                                        scored.hangul)
    for sentence, p, hangul in zip(a.sentences, expected, scored.hangul, strict=True):
        if hangul < 8:
            assert sentence.ai_probability is None  # "응." and "좋다!" are too short to judge
        else:
            assert sentence.ai_probability == pytest.approx(p, abs=2e-3)
    assert [s.text for s in a.sentences if s.ai_probability is None] == ["응.", "좋다!"]
    assert all(s.ai_probability is not None for s in b.sentences)  # no map: every sentence as before


@pytest.mark.skipif(data_dir() is None, reason="../shared/data is absent (set KODETECT_DATA_DIR to use it)")
def test_refit_command_writes_map_medians_and_signals(tmp_path, capsys):
    from kodetect.cli.main import main

    source = tmp_path / "fast"
    for suffix in (".npz", ".json"):
        shutil.copyfile(PACKAGED_MODELS["fast"].with_suffix(suffix), source.with_suffix(suffix))
    assert main(["calibrate-sentences", "--model", str(source), "--out", str(tmp_path / "refit"),
                 "--max-documents", "40", "--per-cell", "2"]) == 0
    assert "sentence map slope" in capsys.readouterr().out
    model = ModelArtifact.load(tmp_path / "refit")
    assert model.sentence_calibration is not None and model.sentence_calibration.fitted["documents"] >= 30
    base = ModelArtifact.load(source).version.split(".sent-")[0]
    assert model.version.startswith(base + ".sent-") and model.version.count(".sent-") == 1
    assert set(model.card["feature_reference"]) == set(model.fusion.names)
    assert set(model.card["signals"]) == set(model.fusion.names)


def test_a_refit_replaces_the_version_suffix_of_an_earlier_one():
    from kodetect.training.refit import refit_version

    first = refit_version("0.1.0+abc", SentenceCalibration(0.8, 0.1, 8.0, 0.0, 8))
    second = refit_version(first, SentenceCalibration(0.7, 0.1, 8.0, 0.0, 8))
    assert first.startswith("0.1.0+abc.sent-") and second.startswith("0.1.0+abc.sent-") and first != second
    assert refit_version(first, SentenceCalibration(0.8, 0.1, 8.0, 0.0, 8, {"notes": 1})) == first
