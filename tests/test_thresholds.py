"""Threshold modes chosen from validation scores: the tie rule, the low-fpr budget, source weights."""

from __future__ import annotations

import numpy as np
import pytest

from kodetect.calibration.thresholds import choose_thresholds, source_balanced_weights


def _balanced(y, s, w=None) -> float:
    return choose_thresholds(np.array(y), np.array(s, dtype=float), w)["balanced"].ai


def test_balanced_cut_on_perfect_separation():
    assert _balanced([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.8


def test_tie_in_j_takes_the_higher_cut():
    # t=.35: TPR 1, FPR .5; t=.8: TPR .5, FPR 0. Both J = .5.
    assert _balanced([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8


def test_thirds_tie_despite_float_rounding():
    # J = 2/3 - 1/3 at t=.5, 1 - 2/3 at t=.2 and 1/3 - 0 at t=.7: equal in exact arithmetic.
    assert _balanced([0, 0, 0, 1, 1, 1], [0.1, 0.3, 0.6, 0.2, 0.5, 0.7]) == 0.7


def test_low_fpr_cut_keeps_humans_within_budget():
    rng = np.random.default_rng(0)
    y = np.array([0] * 500 + [1] * 500)
    p = np.concatenate([rng.beta(2, 5, 500), rng.beta(5, 2, 500)])
    modes = choose_thresholds(y, p)
    assert np.mean(p[y == 0] >= modes["low-fpr"].ai) <= 0.01
    assert modes["low-fpr"].ai >= modes["balanced"].ai
    for mode in modes.values():
        assert mode.human <= mode.ai
        assert np.mean(p[y == 1] < mode.human) <= 0.02


def test_source_weights_give_every_source_the_same_total():
    y = np.array([0, 0, 0, 0, 1, 1])
    groups = np.array(["big", "big", "big", "small", "a", "b"])
    w = source_balanced_weights(y, groups)
    assert w[:3].sum() == pytest.approx(w[3])
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())
