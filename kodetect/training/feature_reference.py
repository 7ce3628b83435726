"""Typical values of every fusion feature on the validation texts, per side, for the evidence sentences
("validation medians: human 12%, AI 35%"): a reader can weigh "this text: 40%" only against a yardstick."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from kodetect.detector import Detector
from kodetect.training.dataset import Example, stable_subsample

# Texts per (source, side): medians settle long before this, and deep mode pays a language-model pass each.
PER_CELL = 60


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def feature_reference(detector: Detector, examples: Sequence[Example], per_cell: int = PER_CELL,
                      progress: bool = False) -> dict[str, dict[str, float]]:
    """{feature: {"human": median, "ai": median}} of the document rows, every source weighing the same."""
    chosen = stable_subsample(examples, per_cell)
    rows, labels, groups = [], [], []
    for i, example in enumerate(chosen):
        if progress and i and i % 200 == 0:
            print(f"  feature reference: {i}/{len(chosen)} texts", file=sys.stderr, flush=True)
        scored = detector.sentence_scores(example.text)
        if scored is None:
            continue
        rows.append(scored.matrix[0])
        labels.append(example.label)
        groups.append(example.group)
    matrix, y, g = np.array(rows), np.array(labels), np.array(groups)
    out: dict[str, dict[str, float]] = {}
    for j, name in enumerate(detector.feature_names):
        out[name] = {}
        for side, label in (("human", 0), ("ai", 1)):
            mask = y == label
            if not mask.any():
                continue
            counts = {group: int(np.sum(g[mask] == group)) for group in set(g[mask])}
            weights = np.array([1.0 / counts[group] for group in g[mask]])
            out[name][side] = round(weighted_median(matrix[mask, j], weights), 4)
    return out
