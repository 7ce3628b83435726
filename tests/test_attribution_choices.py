"""The pure parts of the attribution experiment (bench/experiments/attribution_choices.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.attribution_choices import family_offsets, loso_row  # noqa: E402


def test_family_offsets_undo_a_family_that_is_over_predicted():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 600)
    scores = rng.normal(0.0, 0.5, (600, 3))
    scores[np.arange(600), labels] += 1.0
    scores[:, 2] += 2.0  # family 2 wins almost everywhere
    before = (scores.argmax(1) == labels).mean()
    offsets = family_offsets(scores, labels, temperature=2.0)
    after = ((scores + offsets).argmax(1) == labels).mean()
    assert offsets[2] - offsets[:2].mean() < -1.0
    assert after > before + 0.3


def test_loso_row_counts_only_families_trained_elsewhere():
    labels = np.array([0, 1, 1, 2])
    scores = np.array([[5.0, 0, 0], [0, 5.0, 0], [5.0, 0, 0], [0, 0, 5.0]])
    trained = np.array([True, True, True, False])  # family 2 was in no other source
    row = loso_row([("a", labels, scores, trained)], temperature=1.0, cut=0.5)
    assert row["source top-1 pooled"] == pytest.approx(100 * 2 / 3)
    assert row["named on a new source"] == 100.0
    assert row["right when named"] == pytest.approx(100 * 2 / 3)
