"""The pure parts of the baseline-mix experiment (bench/experiments/baseline_mix.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.baseline_mix import mix, row  # noqa: E402
from kodetect.eval.protocols import SourceHoldout  # noqa: E402
from kodetect.training.dataset import Example  # noqa: E402


def _holdout(seed: int) -> SourceHoldout:
    rng = np.random.default_rng(seed)
    examples, scores = [], []
    for group, label, centre in (("h1", 0, -2.0), ("h2", 0, -1.0), ("a1", 1, 1.5), ("a2", 1, 2.0)):
        for i in range(120):
            examples.append(Example(f"{group}-{i}", "text", label, group, "g", "x"))
            scores.append(centre + rng.normal())
    validation = np.array([i % 4 == 0 for i in range(len(examples))])
    contrast = {g: rng.normal(size=int(validation.sum())) for g in ("h1", "h2", "a1", "a2")}
    return SourceHoldout(examples, np.array(scores), validation, contrast)


def test_the_ends_of_the_mix_are_the_two_recipes_standardised():
    fast, baseline = _holdout(0), _holdout(1)
    only_fast, only_baseline = mix(fast, baseline, 1.0), mix(fast, baseline, 0.0)
    np.testing.assert_allclose(only_fast.scores, (fast.scores - fast.scores.mean()) / fast.scores.std())
    np.testing.assert_allclose(only_baseline.scores,
                               (baseline.scores - baseline.scores.mean()) / baseline.scores.std())
    half = mix(fast, baseline, 0.5)
    np.testing.assert_allclose(half.scores, (only_fast.scores + only_baseline.scores) / 2)
    np.testing.assert_allclose(half.contrast["a1"], 0.5 * (fast.contrast["a1"] - fast.scores.mean()) / fast.scores.std()
                               + 0.5 * (baseline.contrast["a1"] - baseline.scores.mean()) / baseline.scores.std())


def test_holdouts_of_different_texts_are_refused():
    fast = _holdout(0)
    shorter = SourceHoldout(fast.examples[:-1], fast.scores[:-1], fast.validation[:-1], fast.contrast)
    with pytest.raises(ValueError, match="same texts"):
        mix(fast, shorter, 0.5)


def test_a_row_reads_every_column():
    cells = row(0.5, mix(_holdout(0), _holdout(1), 0.5)).strip("|").split("|")
    assert len(cells) == 9 and cells[0].strip() == "0.5" and "of 2" in cells[5]
