"""Threshold modes chosen from out-of-source scores: the tie rule, the per-source budgets, source weights."""

from __future__ import annotations

import numpy as np
import pytest

from kodetect.calibration.thresholds import (
    DEEP_UNCERTAIN_SHARE,
    HUMAN_CUT_SHARE,
    LOW_FPR_TARGET,
    UNCERTAIN_SHARE,
    choose_thresholds,
    cut_for_share,
    source_balanced_weights,
)


def _balanced(y, s, groups=None) -> float:
    groups = np.array(["h" if label == 0 else "a" for label in y]) if groups is None else np.array(groups)
    return choose_thresholds(np.array(y), np.array(s, dtype=float), groups)["balanced"].ai


def _pool(human: dict[str, np.ndarray], ai: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, scores and source names of the named sources, human ones first."""
    sources = [(name, scores, 0) for name, scores in human.items()] + [(name, scores, 1) for name, scores in ai.items()]
    return (np.concatenate([np.full(len(scores), label) for _, scores, label in sources]),
            np.concatenate([scores for _, scores, _ in sources]),
            np.concatenate([np.full(len(scores), name) for name, scores, _ in sources]))


def test_balanced_cut_on_perfect_separation():
    assert _balanced([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.8


def test_tie_in_j_takes_the_higher_cut():
    # t=.35: TPR 1, FPR .5; t=.8: TPR .5, FPR 0. Both J = .5.
    assert _balanced([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8


def test_thirds_tie_despite_float_rounding():
    # J = 2/3 - 1/3 at t=.5, 1 - 2/3 at t=.2 and 1/3 - 0 at t=.7: equal in exact arithmetic.
    assert _balanced([0, 0, 0, 1, 1, 1], [0.1, 0.3, 0.6, 0.2, 0.5, 0.7]) == 0.7


def test_cut_for_share_counts_ties_on_the_safe_side():
    assert cut_for_share(np.array([0.1, 0.2, 0.3, 0.4]), 0.25) == np.nextafter(0.3, 1)
    assert cut_for_share(np.array([0.5, 0.5, 0.5, 0.1]), 0.25) == np.nextafter(0.5, 1)
    assert cut_for_share(np.array([0.2]), 1.0) == -np.inf


def test_low_fpr_cut_holds_for_every_human_source_not_only_the_pool():
    rng = np.random.default_rng(0)
    # A big easy human source and a small hard one: pooled, the hard one would be drowned out.
    easy, hard, ai = rng.beta(2, 8, 2000), rng.beta(5, 4, 200), rng.beta(8, 2, 1000)
    modes = choose_thresholds(*_pool({"easy": easy, "hard": hard}, {"gen": ai}))
    low = modes["low-fpr"]
    assert np.mean(hard >= low.ai) <= LOW_FPR_TARGET and np.mean(easy >= low.ai) <= LOW_FPR_TARGET
    # The human cut leaves at most HUMAN_CUT_SHARE of any human source uncertain or worse.
    assert np.mean(hard >= low.human) <= HUMAN_CUT_SHARE
    assert low.ai >= modes["balanced"].ai
    for mode in modes.values():
        assert mode.human <= mode.ai
        for side in (easy, hard, ai):
            assert np.mean((side >= mode.human) & (side < mode.ai)) <= UNCERTAIN_SHARE


def test_a_narrower_uncertain_share_narrows_the_band_and_keeps_the_ai_cut():
    rng = np.random.default_rng(1)
    # An AI source that overlaps people's writing: a wide band would hold many of its texts.
    human, hard_ai, easy_ai = rng.beta(2, 6, 800), rng.beta(4, 4, 300), rng.beta(9, 2, 600)
    y, p, groups = _pool({"people": human}, {"hard": hard_ai, "easy": easy_ai})
    wide = choose_thresholds(y, p, groups, uncertain_share=0.15)
    narrow = choose_thresholds(y, p, groups, uncertain_share=DEEP_UNCERTAIN_SHARE)
    for mode in ("low-fpr", "balanced"):
        assert narrow[mode].ai == wide[mode].ai  # only the human cut moves: no one more is called AI
        assert wide[mode].human <= narrow[mode].human <= narrow[mode].ai
        for side in (human, hard_ai, easy_ai):
            assert np.mean((side >= narrow[mode].human) & (side < narrow[mode].ai)) <= DEEP_UNCERTAIN_SHARE
    assert narrow["low-fpr"].human > wide["low-fpr"].human


def test_source_weights_give_every_source_the_same_total():
    y = np.array([0, 0, 0, 0, 1, 1])
    groups = np.array(["big", "big", "big", "small", "a", "b"])
    w = source_balanced_weights(y, groups)
    assert w[:3].sum() == pytest.approx(w[3])
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())
