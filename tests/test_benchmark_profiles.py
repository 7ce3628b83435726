"""The report's profiles section (bench/report/profiles.py) on synthetic reference scores."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.model.artifact import Reference

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench` is a folder of the repository, not an installed package

from bench.report import profiles  # noqa: E402

MODEL = ThresholdMode(ai=0.9, human=0.2)


def synthetic_reference(seed: int = 0) -> Reference:
    """Out-of-source scores of three human sources and AI texts: `essays` (2,000 texts, scoring higher than
    the shipped cut allows for: the genre a profile is for), `news` (400, low), `tiny` (150: too few to split)."""
    rng = np.random.default_rng(seed)
    parts = [
        (rng.beta(5, 2, size=2_000), 0, 0),  # essays, human: about 11% above the shipped cut
        (rng.beta(12, 1.2, size=600), 1, 0),  # essays, AI
        (rng.beta(1, 12, size=400), 0, 1),  # news, human
        (rng.beta(2, 6, size=150), 0, 2),  # tiny, human
        (rng.beta(9, 1.5, size=300), 1, 3),  # chat, AI only
    ]
    return Reference(np.concatenate([p for p, _, _ in parts]),
                     np.concatenate([np.full(len(p), label) for p, label, _ in parts]),
                     np.concatenate([np.full(len(p), group) for p, _, group in parts]),
                     ("essays", "news", "tiny", "chat"))


def test_measure_splits_every_large_enough_human_source():
    results = profiles.measure(synthetic_reference(), MODEL, splits=20)
    assert [r.source for r in results] == ["essays", "news"]  # largest first; `tiny` has fewer than 200
    essays, news = results
    assert essays.own_ai and essays.ai_texts == 600
    assert not news.own_ai and news.ai_texts == 900  # no AI texts of its own: every AI text
    for r in results:
        assert r.profile.tested == r.human_texts - r.human_texts // 2


def test_a_profile_keeps_a_hard_genre_near_its_target_where_the_shipped_cut_does_not():
    essays = profiles.measure(synthetic_reference(), MODEL, splits=20)[0]
    assert essays.default.fpr_mean > 0.05  # the shipped cut was not made for this genre
    assert essays.met_share == 1.0 and essays.promised <= 0.01  # 1,000 texts per half can promise 1%
    assert essays.profile.fpr_mean <= 0.015
    assert essays.profile.tpr_mean < essays.default.tpr  # the recall it costs, reported


def test_first_split_counts_match_a_recount():
    reference = synthetic_reference(1)
    human = reference.probability[(reference.group == 1) & (reference.label == 0)]
    ai = reference.probability[reference.label == 1]
    default, profile, bounds = profiles.measure_source(human, ai, MODEL, splits=3, seed=4)
    rng = np.random.default_rng(4)
    order = rng.permutation(len(human))
    fit = profiles.fit_thresholds(human[order[:200]], profiles.TARGET, model=MODEL)
    test = human[order[200:]]
    assert profile.false_positives == (test >= fit.thresholds.ai).sum() and bounds[0] == fit.fpr_bound
    assert default.false_positives == (test >= MODEL.ai).sum() and profile.tested == 200
    assert profile.tpr == pytest.approx((ai >= fit.thresholds.ai).mean())


def test_needed_table_has_the_rule_of_three():
    assert "| at most 1% | 299 | 473 |" in profiles.needed_table()


def _context(tmp_path, reference):
    detector = SimpleNamespace(reference=reference, thresholds={"low-fpr": {"ai": MODEL.ai, "human": MODEL.human}})
    return SimpleNamespace(settings=SimpleNamespace(quick=True), modes=lambda: ["fast"], detector=lambda mode: detector,
                           model_versions={"fast": "kodetect-fast test"}, figures_dir=tmp_path / "figures",
                           figure_link=lambda path: f"docs/figures/{Path(path).name}")


def test_section_without_reference_scores_says_so(tmp_path):
    section = profiles.run(_context(tmp_path, None))
    text = "\n".join(section.blocks)
    assert "not measured: the packaged model has no reference scores" in text
    assert "| at most 1% | 299 |" in text and not section.figures


def test_section_with_reference_scores_has_a_table_and_a_figure(tmp_path):
    pytest.importorskip("matplotlib")
    section = profiles.run(_context(tmp_path, synthetic_reference()))
    text = "\n".join(section.blocks)
    assert "| essays | 2000 | 600 (own) |" in text and "| news | 400 | 900 (all sources) |" in text
    assert "tiny" not in text
    assert (tmp_path / "figures" / "profiles_fast.png").exists()
    assert section.figures == ["docs/figures/profiles_fast.png"]
    assert set(section.facts["fast"]) == {"essays", "news"}
