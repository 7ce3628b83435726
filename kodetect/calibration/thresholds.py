"""Named threshold modes, chosen on held-out validation text, never typed in by hand.

* `balanced`: the probability cut that maximises TPR - FPR (Youden's J) on validation data.
* `low-fpr`: the lowest cut at which at most 1% of held-out human texts are called AI.

Below the `human` cut a text is called human; it is the probability under which at most 2% of
AI validation texts fall (capped at the mode's AI cut). Between the two cuts the verdict is
`uncertain`: a tool that accuses people should say when it does not know.

Rates are weighted: every source of validation text counts the same, whatever its size. Pooled
by count, the many easy news and review texts set the cuts, and student essays, poems and
abstracts, a few dozen each, were called AI far more often than the pooled rate promised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

LOW_FPR_TARGET = 0.01
HUMAN_CUT_MISS_RATE = 0.02


@dataclass(frozen=True)
class ThresholdMode:
    ai: float
    human: float

    def verdict(self, probability: float) -> str:
        if probability >= self.ai:
            return "ai"
        if probability < self.human:
            return "human"
        return "uncertain"

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def source_balanced_weights(labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Weights giving every (source, label) the same total, and both labels the same total."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    weights = np.zeros(len(labels))
    for label in (0, 1):
        cells = sorted({g for g, y in zip(groups, labels, strict=True) if y == label})
        for group in cells:
            mask = (groups == group) & (labels == label)
            weights[mask] = 1.0 / (mask.sum() * len(cells))
    return weights * len(labels) / weights.sum()


def _weighted_rate_at_or_above(scores: np.ndarray, weights: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """For each candidate t, the weighted share of `scores` that are >= t."""
    order = np.argsort(scores)
    sorted_scores, sorted_weights = scores[order], weights[order]
    tail = np.concatenate([np.cumsum(sorted_weights[::-1])[::-1], [0.0]])
    return tail[np.searchsorted(sorted_scores, candidates, side="left")] / sorted_weights.sum()


def choose_thresholds(
    labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray | None = None
) -> dict[str, ThresholdMode]:
    labels = np.asarray(labels)
    p = np.asarray(probabilities, dtype=float)
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=float)
    human, ai = labels == 0, labels == 1
    candidates = np.unique(np.concatenate([p, [np.nextafter(p.max(), np.inf)]]))
    fpr = _weighted_rate_at_or_above(p[human], w[human], candidates)
    tpr = _weighted_rate_at_or_above(p[ai], w[ai], candidates)
    # Ties in J go to the higher cut: fewer people accused for the same balance. Rates are float sums,
    # so equal J values (e.g. 2/3 - 1/3 and 1 - 2/3) can differ in the last bits: compare with a tolerance.
    j = tpr - fpr
    balanced = float(candidates[np.flatnonzero(np.isclose(j, j.max(), rtol=0.0, atol=1e-12))[-1]])
    low_fpr = float(candidates[np.argmax(fpr <= LOW_FPR_TARGET)])
    # The human cut: the highest candidate below which at most 2% (weighted) of AI texts fall.
    missed = 1.0 - tpr
    human_cut = float(candidates[np.flatnonzero(missed <= HUMAN_CUT_MISS_RATE)[-1]])
    return {
        "balanced": ThresholdMode(ai=balanced, human=min(human_cut, balanced)),
        "low-fpr": ThresholdMode(ai=low_fpr, human=min(human_cut, low_fpr)),
    }
