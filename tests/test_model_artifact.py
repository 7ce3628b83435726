"""Training building blocks on small synthetic data: fit, save, load, and detect with the result."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from kodetect import Detector, ModelError
from kodetect.calibration.platt import fit_platt
from kodetect.calibration.thresholds import choose_thresholds
from kodetect.model.artifact import ModelArtifact, Reference
from kodetect.training.featurize import featurize
from kodetect.training.fit import FittedHeads, fit_heads, raw_scores

HUMAN = [
    "오늘 학교 끝나고 친구랑 떡볶이 먹으러 갔는데 진짜 맛있었음 ㅋㅋ 다음에 또 가야지",
    "어제 본 영화 생각보다 별로였다. 배우들 연기는 괜찮았는데 이야기가 너무 늘어짐",
    "비가 와서 우산 쓰고 나갔는데 바람이 불어서 다 젖었다... 오늘 운이 없네",
    "동생이랑 싸웠다 내가 먼저 사과해야 되나 고민된다 그래도 걔가 잘못한건데",
]
AI = [
    "스마트폰은 현대인의 생활에 큰 영향을 미치고 있습니다. 따라서 올바른 사용 습관을 기르는 것이 중요합니다.",
    "독서는 다양한 지식을 쌓을 수 있는 좋은 방법입니다. 또한, 독서를 통해 사고력을 기를 수 있습니다.",
    "환경 보호는 우리 모두의 책임입니다. 작은 실천이 모여 큰 변화를 만들어 낼 수 있습니다.",
    "운동은 신체 건강뿐만 아니라 정신 건강에도 긍정적인 영향을 줍니다. 꾸준한 운동이 필요합니다.",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> ModelArtifact:
    texts = HUMAN * 3 + AI * 3
    labels = np.array([0] * 12 + [1] * 12)
    cache = tmp_path_factory.mktemp("cache")
    features, names, views = featurize(texts, cache_dir=cache, n_jobs=1, progress=False)
    heads = fit_heads(features, names, views, labels)
    raw = raw_scores(heads, features, views)
    calibration = fit_platt(raw, labels)
    return ModelArtifact(
        name="tiny",
        version="test-1",
        ngram_heads=heads.ngram_heads,
        fusion=heads.fusion,
        calibration=calibration,
        thresholds=choose_thresholds(labels, calibration.probability(raw), np.array(["h"] * 12 + ["a"] * 12)),
        min_hangul=20,
        min_korean_share=0.5,
        card={"note": "synthetic"},
    )


def test_fitted_model_separates_its_training_texts(tiny_model, tmp_path):
    features, _, views = featurize(HUMAN + AI, n_jobs=1, progress=False, cache_dir=tmp_path)
    heads = FittedHeads(tiny_model.ngram_heads, tiny_model.fusion)
    p = tiny_model.calibration.probability(raw_scores(heads, features, views))
    assert p[len(HUMAN):].min() > p[: len(HUMAN)].max()


def test_save_load_roundtrip_and_detector_uses_it(tiny_model, tmp_path):
    path = tmp_path / "tiny"
    tiny_model.save(path)
    card = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert card["thresholds"].keys() == {"balanced", "low-fpr"}
    assert card["note"] == "synthetic"
    loaded = ModelArtifact.load(path)
    assert loaded.version == "test-1"
    np.testing.assert_allclose(loaded.fusion.coef, tiny_model.fusion.coef)
    detector = Detector(model_path=path)
    result = detector.detect(AI[0] + " " + AI[1])
    assert result.model.name == "tiny" and result.model.version == "test-1"
    assert 0.0 <= result.ai_probability <= 1.0


def test_fusion_bounds_roundtrip_and_old_artifacts_without_them_still_load(tiny_model, tmp_path):
    assert tiny_model.fusion.low is not None
    path = tmp_path / "bounded"
    tiny_model.save(path)
    loaded = ModelArtifact.load(path)
    np.testing.assert_allclose(loaded.fusion.low, tiny_model.fusion.low)
    np.testing.assert_allclose(loaded.fusion.high, tiny_model.fusion.high)
    # An artifact saved before the bounds existed: no clipping, values used as they come.
    old = dataclasses.replace(tiny_model, fusion=dataclasses.replace(tiny_model.fusion, low=None, high=None))
    old.save(tmp_path / "old")
    with np.load((tmp_path / "old").with_suffix(".npz")) as data:
        assert "fusion_low" not in data
    unbounded = ModelArtifact.load(tmp_path / "old").fusion
    assert unbounded.low is None and unbounded.high is None
    far = tiny_model.fusion.high + 100 * tiny_model.fusion.scale
    assert unbounded.raw(far[None])[0] != loaded.fusion.raw(far[None])[0]


def test_reference_scores_roundtrip_and_rank_a_probability(tiny_model, tmp_path):
    reference = Reference(np.array([0.1, 0.2, 0.3, 0.9, 0.95]), np.array([0, 0, 0, 1, 1]),
                          np.array([0, 0, 1, 2, 2]), ("news", "essays", "gpt"))
    path = tmp_path / "with-reference"
    dataclasses.replace(tiny_model, reference=reference).save(path)
    loaded = ModelArtifact.load(path).reference
    np.testing.assert_allclose(loaded.probability, reference.probability, rtol=1e-6)
    assert loaded.groups == ("news", "essays", "gpt")
    assert list(loaded.source_names()) == ["news", "news", "essays", "gpt", "gpt"]
    assert loaded.share_below(0.25, label=0) == pytest.approx(2 / 3)
    assert loaded.share_below(0.25, label=1) == 0.0
    tiny_model.save(tmp_path / "plain")
    assert ModelArtifact.load(tmp_path / "plain").reference is None


def test_missing_or_corrupt_artifact_is_a_model_error(tmp_path):
    with pytest.raises(ModelError):
        Detector(model_path=tmp_path / "nothing")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    (tmp_path / "bad.json").write_text('{"format": 1}', "utf-8")
    with pytest.raises(ModelError):
        Detector(model_path=tmp_path / "bad")


def test_detector_scores_equal_the_training_pipeline(tmp_path):
    """Training (featurize + raw_scores) and detection must compute the same thing for a text."""
    detector = Detector()
    model = detector._model
    texts = [*HUMAN, *AI, HUMAN[0] + "\n" + AI[0]]
    features, _, views = featurize(texts, cache_dir=tmp_path, n_jobs=1, progress=False)
    expected = model.calibration.probability(raw_scores(FittedHeads(model.ngram_heads, model.fusion, model.genre),
                                                        features, views))
    # score() abstains on short texts; compare the raw path on every text instead.
    from kodetect.features.vector import prepare

    actual = model.calibration.probability(np.array([detector._document_raw_score(prepare(t)) for t in texts]))
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-9)
