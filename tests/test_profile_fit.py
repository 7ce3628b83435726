"""Fitting a profile's thresholds, its file, where it is kept, and feedback as its input. No model needed."""

import json

import numpy as np
import pytest
from profile_fakes import fitted_profile, profile_with

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import ModelInfo
from kodetect.errors import InputError
from kodetect.profiles import PROFILE_DIR_ENV, Profile, ProfileError, list_profiles, load_profile, profile_dir
from kodetect.profiles.bounds import fpr_upper_bound
from kodetect.profiles.build import Item, Request, ScoredSet, make_profile, score_items
from kodetect.profiles.feedback import feedback_items
from kodetect.profiles.fit import RAISED_TO_EVEN_ODDS, RAISED_TO_MODEL_CUT, fit_thresholds
from kodetect.profiles.store import delete_profile, save_profile

MODEL = ModelInfo("kodetect-fast", "1.2.3")
MODEL_CUTS = ThresholdMode(ai=0.9, human=0.2)


@pytest.fixture(autouse=True)
def profile_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(PROFILE_DIR_ENV, str(tmp_path / "profiles"))
    return tmp_path / "profiles"


# --- thresholds ---------------------------------------------------------------------------------------


def test_enough_texts_keep_the_promise():
    scores = np.random.default_rng(1).beta(2, 8, size=2_000)
    fit = fit_thresholds(scores, 0.01, model=MODEL_CUTS)
    k = fit.human.allowed_false_positives
    assert fit.meets_target and fit.fpr_bound <= 0.01
    assert fit.fpr_bound == pytest.approx(fpr_upper_bound(k, 2_000))
    assert (scores >= fit.thresholds.ai).sum() == fit.human.called_ai <= k
    # The lowest such cut: one score lower and k + 1 texts would be called AI.
    assert (scores >= np.sort(scores)[::-1][k]).sum() == k + 1
    assert fit.human.raised is None


def test_too_few_texts_still_give_a_profile_with_the_weaker_promise():
    scores = np.random.default_rng(2).beta(2, 8, size=120)
    fit = fit_thresholds(scores, 0.01)
    assert not fit.meets_target
    assert fit.fpr_bound == pytest.approx(1 - 0.05 ** (1 / 120))  # "at most 2.5%"
    assert fit.human.called_ai == 0 and fit.thresholds.ai > scores.max()


def test_too_few_texts_never_make_the_detector_less_cautious_than_it_ships():
    scores = np.random.default_rng(3).uniform(0, 0.3, size=50)
    fit = fit_thresholds(scores, 0.01, model=MODEL_CUTS)
    assert fit.thresholds.ai == MODEL_CUTS.ai and fit.human.raised == RAISED_TO_MODEL_CUT
    high = fit_thresholds(np.append(scores, 0.95), 0.01, model=MODEL_CUTS)
    assert high.thresholds.ai > 0.95 and high.human.raised is None


def test_no_profile_calls_ai_what_the_model_finds_more_likely_human():
    scores = np.random.default_rng(9).uniform(0, 0.1, size=1_000)  # the promise alone would allow a cut of 0.1
    fit = fit_thresholds(scores, 0.01, model=MODEL_CUTS)
    assert fit.thresholds.ai == 0.5 and fit.human.raised == RAISED_TO_EVEN_ODDS
    assert fit.meets_target and fit.human.called_ai == 0


def test_uncertain_band_keeps_the_models_human_cut_for_an_easy_genre():
    rng = np.random.default_rng(4)
    easy = np.concatenate([rng.uniform(0, 0.1, size=985), rng.uniform(0.3, 0.7, size=15)])
    fit = fit_thresholds(easy, 0.01, model=MODEL_CUTS)
    assert fit.thresholds.human == MODEL_CUTS.human < fit.thresholds.ai
    assert fit.human.uncertain == ((easy >= MODEL_CUTS.human) & (easy < fit.thresholds.ai)).sum() <= 15


def test_uncertain_band_leaves_at_most_15_percent_of_a_hard_genre_undecided():
    hard = np.random.default_rng(5).uniform(0.1, 0.8, size=1_000)
    fit = fit_thresholds(hard, 0.01, model=MODEL_CUTS)
    assert MODEL_CUTS.human < fit.thresholds.human <= fit.thresholds.ai
    assert (hard >= fit.thresholds.human).mean() <= 0.15


def test_ai_texts_give_recall_with_an_interval():
    rng = np.random.default_rng(6)
    fit = fit_thresholds(rng.beta(2, 8, size=1_000), 0.01, ai=rng.beta(8, 2, size=200), model=MODEL_CUTS)
    assert fit.ai is not None and fit.ai.texts == 200
    assert fit.ai.recall == fit.ai.called_ai / 200
    low, high = fit.ai.recall_interval
    assert low < fit.ai.recall < high


def test_no_human_text_is_an_error():
    with pytest.raises(ValueError):
        fit_thresholds(np.array([]), 0.01)
    with pytest.raises(InputError, match="no human text could be scored"):
        make_profile(Request("x", 0.01), MODEL, "fast", ScoredSet(), None, None)


# --- the file and the folder -----------------------------------------------------------------------------


def test_profile_file_round_trips_and_holds_no_text(profile_folder):
    profile = fitted_profile("essays", MODEL, description="2022년 이전 자기소개서")
    path = save_profile(profile)
    assert path == profile_folder / "essays.json" and profile_dir() == profile_folder
    data = json.loads(path.read_text("utf-8"))
    assert data["model"] == {"name": "kodetect-fast", "version": "1.2.3"} and data["mode"] == "fast"
    assert data["human"]["texts"] == 1_200 and data["meets_target"] is True
    assert data["promise"].startswith("with 1,200 texts and ")
    assert load_profile("essays") == profile == load_profile(path) == load_profile(str(path))


def test_saving_over_a_profile_needs_replace():
    save_profile(fitted_profile("essays", MODEL))
    with pytest.raises(ProfileError, match="--replace"):
        save_profile(fitted_profile("essays", MODEL, seed=1))
    save_profile(fitted_profile("essays", MODEL, seed=1), replace=True)


def test_list_and_delete(profile_folder):
    save_profile(fitted_profile("a", MODEL))
    save_profile(fitted_profile("b", MODEL))
    (profile_folder / "broken.json").write_text("{", "utf-8")
    listed = {entry.path.stem: entry for entry in list_profiles()}
    assert listed["a"].profile.name == "a" and listed["b"].profile is not None
    assert listed["broken"].profile is None and "unreadable" in listed["broken"].problem
    delete_profile("a")
    assert [e.path.stem for e in list_profiles()] == ["b", "broken"]
    with pytest.raises(ProfileError, match="no profile 'a' to delete"):
        delete_profile("a")


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "../up", "x" * 65, "sp ace"])
def test_profile_names_are_file_names(name):
    with pytest.raises(ProfileError):
        save_profile(profile_with(name, MODEL, ThresholdMode(0.9, 0.2)))


def test_unknown_profile_says_how_to_make_one():
    with pytest.raises(ProfileError, match="kodetect profile create"):
        load_profile("nobody")


def test_another_format_is_refused(profile_folder):
    path = profile_folder / "old.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 99, "name": "old"}), "utf-8")
    with pytest.raises(ProfileError, match="format"):
        load_profile("old")


def test_a_stale_profile_is_refused_with_the_command_that_recreates_it():
    profile = fitted_profile("essays", MODEL)
    with pytest.raises(ProfileError, match=r"fitted for model kodetect-fast 1\.2\.3.*Re-create it: kodetect profile "
                                           r"create essays --human h\.jsonl --mode fast --replace"):
        profile.check_model(ModelInfo("kodetect-fast", "2.0.0"), "fast")
    with pytest.raises(ProfileError, match="fitted in fast mode, not deep.*--mode deep"):
        profile.check_model(MODEL, "deep")
    profile.check_model(MODEL, "fast")


# --- scoring the owner's texts ----------------------------------------------------------------------------


class Scores:
    """Scores "p=0.42" texts; abstains on "short"; rejects "TOO LONG" like the detector."""

    def score(self, texts):
        for text in texts:
            if "TOO LONG" in text:
                raise InputError("too long")
            yield None if text == "short" else float(text.split("=")[1])


def test_score_items_counts_what_it_skips_and_keeps_the_highest():
    items = [Item(i, f"p={p}") for i, p in enumerate([0.1, 0.7, 0.3, 0.9])]
    items += [Item("s", "short"), Item("t", "TOO LONG"), Item("u", None, error="row 7: no 'text' value"),
              Item("e", "   "), Item("f", None, probability=0.5)]
    scored = score_items(Scores(), items)
    assert sorted(scored.probabilities) == [0.1, 0.3, 0.5, 0.7, 0.9]
    assert scored.skipped == {"abstained": 1, "rejected": 1, "unreadable": 2}
    assert [t.id for t in scored.top] == [3, 1, "f", 2, 0]
    assert scored.top[0].snippet == "p=0.9" and scored.top[2].snippet is None


# --- feedback -------------------------------------------------------------------------------------------


def _row(n, label, version="1.2.3", probability=0.5, text=None, sha=None):
    return {"detection_id": f"d{n}", "label": label, "model_version": version, "ai_probability": probability,
            "text": text, "text_sha256": sha or f"h{n}"}


def test_feedback_rows_become_items():
    rows = [
        _row(1, "human", probability=0.1234),  # same model: its stored score, at the top of its rounding
        _row(2, "ai", probability=0.8),  # AI at the bottom of its rounding
        _row(3, "human", version="0.9", text="p=0.2"),  # another model with its text: scored again
        _row(4, "human", version="0.9"),  # another model without text: unusable
        _row(5, "human", probability=None),  # abstained
        _row(6, "human", probability=0.3, sha="same"),
        _row(7, "ai", probability=0.3, sha="same"),  # the same text again: its latest label counts, once
    ]
    found = feedback_items(rows, "1.2.3")
    assert found.rows == 7 and found.repeated == 1
    assert [(i.id, i.probability) for i in found.human] == [("d1", pytest.approx(0.12345)), ("d3", None)]
    assert [(i.id, i.probability) for i in found.ai] == [("d2", pytest.approx(0.79995)), ("d7", pytest.approx(0.29995))]
    assert found.skipped["human"] == {"other_model_without_text": 1, "abstained": 1}
    human = score_items(Scores(), found.human)
    assert sorted(human.probabilities) == [pytest.approx(0.12345), 0.2]


def test_profile_from_feedback_keeps_its_promise_under_rounding():
    """Stored probabilities are rounded; the fitted cut must still sit above every human text's real score."""
    rng = np.random.default_rng(8)
    real = rng.beta(6, 2, size=400)  # high scores, so the cut is the fitted one, not the 0.5 floor
    rows = [_row(i, "human", probability=round(float(p), 4)) for i, p in enumerate(real)]
    found = feedback_items(rows, "1.2.3")
    fit = fit_thresholds(np.array([i.probability for i in found.human]), 0.02)
    assert fit.human.raised is None and fit.human.allowed_false_positives > 0
    assert (real >= fit.thresholds.ai).sum() <= fit.human.allowed_false_positives


def test_profile_object_passes_through(profile_folder):
    profile = profile_with("given", MODEL, ThresholdMode(0.5, 0.2))
    assert load_profile(profile) is profile
    assert isinstance(Profile.from_dict(profile.to_dict()), Profile)
