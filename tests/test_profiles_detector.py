"""A profile in the detector: its thresholds decide the verdict, the result records it, and a profile of
another model or mode is refused. Uses the packaged fast model."""

from dataclasses import replace
from pathlib import Path

import pytest
from profile_fakes import profile_with

from kodetect import Detector, InputError
from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import DETECTION_FIELDS, ModelInfo, ProfileInfo
from kodetect.profiles import PROFILE_DIR_ENV, ProfileError
from kodetect.profiles.store import save_profile

REPO = Path(__file__).resolve().parents[1]
HUMAN = (REPO / "examples" / "human_essay.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="module")
def probability(detector) -> float:
    return next(detector.score([HUMAN]))


@pytest.fixture(autouse=True)
def profile_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(PROFILE_DIR_ENV, str(tmp_path / "profiles"))
    return tmp_path / "profiles"


def test_the_profile_decides_the_verdict_and_the_result_says_so(detector, probability):
    below = profile_with("below", detector.model_info, ThresholdMode(ai=probability / 2, human=probability / 4),
                         description="2022년 이전 자기소개서")
    above = profile_with("above", detector.model_info, ThresholdMode(ai=probability + 0.01, human=probability + 0.005))
    called_ai = Detector(profile=below).detect(HUMAN)
    called_human = detector.with_profile(above).detect(HUMAN)
    assert called_ai.verdict == "ai" and called_human.verdict == "human"
    # Only the cuts change: the probability is the model's.
    assert called_ai.ai_probability == called_human.ai_probability == detector.detect(HUMAN).ai_probability
    assert called_ai.threshold_mode == "profile:below"
    assert called_ai.profile == ProfileInfo("below", "2022년 이전 자기소개서", 500, 0.01, 0.006)
    data = called_ai.to_dict()
    assert tuple(data) == DETECTION_FIELDS and DETECTION_FIELDS[-2:] == ("profile", "attribution")
    assert data["profile"] == {"name": "below", "description": "2022년 이전 자기소개서", "human_texts": 500,
                               "target_fpr": 0.01, "fpr_bound": 0.006}


def test_without_a_profile_nothing_changes(detector):
    result = detector.detect(HUMAN)
    assert result.profile is None and result.to_dict()["profile"] is None and result.threshold_mode == "low-fpr"


def test_profile_by_name_path_or_object(detector, probability, profile_folder):
    profile = profile_with("mine", detector.model_info, ThresholdMode(ai=probability / 2, human=0.0))
    path = save_profile(profile)
    for ref in ("mine", str(path), path, profile):
        assert Detector(profile=ref).detect(HUMAN).verdict == "ai"


def test_with_profile_shares_the_model_and_leaves_the_detector_alone(detector, probability):
    profile = profile_with("p", detector.model_info, ThresholdMode(ai=probability / 2, human=0.0))
    other = detector.with_profile(profile)
    assert other._model is detector._model and other._lm is detector._lm
    assert detector.profile is None and detector.threshold_mode == "low-fpr"
    assert other.thresholds["profile:p"] == {"ai": probability / 2, "human": 0.0}
    assert set(other.thresholds) == {"balanced", "low-fpr", "profile:p"}
    assert detector.with_profile(None) is detector


def test_an_abstention_still_names_the_profile(detector):
    profile = profile_with("p", detector.model_info, ThresholdMode(ai=0.9, human=0.1))
    result = detector.with_profile(profile).detect("짧은 글")
    assert result.verdict == "insufficient" and result.profile.name == "p"


def test_a_profile_for_another_model_version_is_refused(detector):
    old = ModelInfo(detector.model_info.name, "0.0.1-old")
    stale = profile_with("essays", old, ThresholdMode(ai=0.9, human=0.1))
    with pytest.raises(ProfileError, match=r"fitted for model .* 0\.0\.1-old.*Re-create it: kodetect profile create "
                                           r"essays --human h\.jsonl --mode fast --replace"):
        Detector(profile=stale)
    with pytest.raises(ProfileError, match="Re-create it"):
        detector.with_profile(stale)


def test_a_profile_for_another_mode_is_refused(detector):
    deep = profile_with("deep-essays", detector.model_info, ThresholdMode(ai=0.9, human=0.1), mode="deep")
    with pytest.raises(ProfileError, match="fitted in deep mode, not fast"):
        Detector(mode="fast", profile=deep)
    with pytest.raises(ProfileError, match="fitted in deep mode"):
        detector.with_profile(deep)


def test_a_profile_and_a_threshold_mode_are_not_both_taken(detector):
    profile = profile_with("p", detector.model_info, ThresholdMode(ai=0.9, human=0.1))
    with pytest.raises(InputError, match="not both"):
        Detector(threshold_mode="balanced", profile=profile)


def test_an_unknown_profile_is_an_error():
    with pytest.raises(ProfileError, match="no profile named 'nobody'"):
        Detector(profile="nobody")


def test_a_profile_object_is_not_changed_by_use(detector, probability):
    profile = profile_with("p", detector.model_info, ThresholdMode(ai=probability / 2, human=0.0))
    before = replace(profile)
    detector.with_profile(profile).detect(HUMAN)
    assert profile == before
