"""Detection metrics as pure functions of labels (0 human, 1 AI) and scores (higher = more AI).

Thresholds everywhere follow one rule: a threshold `t` classifies a text as AI when `score >= t`.
Rates are fractions in [0, 1]; a rate that needs a class with no texts is `nan`, not an error, so
that per-group tables can show "not applicable" instead of failing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score

# `max_fpr * n` is a float product; without this slack 0.29 * 100 = 28.999... would allow 28 false
# positives instead of 29.
_COUNT_EPS = 1e-9


def _labels_scores(y: ArrayLike, s: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(y)
    scores = np.asarray(s, dtype=np.float64)
    if labels.ndim != 1 or scores.ndim != 1 or len(labels) != len(scores):
        raise ValueError(
            f"labels and scores must be 1-D of equal length, got {labels.shape} and {scores.shape}"
        )
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (human) or 1 (AI)")
    if np.isnan(scores).any():
        raise ValueError("scores must not contain NaN")
    return labels.astype(np.int8), scores


def _check_rate(max_fpr: float) -> None:
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must be in [0, 1], got {max_fpr}")


def auroc(y: ArrayLike, s: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Area under the ROC curve: the chance that a random AI text outscores a random human text.

    Tied pairs count one half. `nan` when only one class is present. `weights` weigh the texts (e.g.
    every source the same, whatever its size).
    """
    labels, scores = _labels_scores(y, s)
    if len(np.unique(labels)) < 2:
        return math.nan
    return float(roc_auc_score(labels, scores, sample_weight=None if weights is None else np.asarray(weights)))


def fpr_at_threshold(y: ArrayLike, s: ArrayLike, t: float) -> float:
    """False-positive rate: the fraction of human texts with score >= t. `nan` without human texts."""
    labels, scores = _labels_scores(y, s)
    human = scores[labels == 0]
    return float(np.mean(human >= t)) if len(human) else math.nan


def tpr_at_threshold(y: ArrayLike, s: ArrayLike, t: float) -> float:
    """True-positive rate: the fraction of AI texts with score >= t. `nan` without AI texts."""
    labels, scores = _labels_scores(y, s)
    ai = scores[labels == 1]
    return float(np.mean(ai >= t)) if len(ai) else math.nan


def threshold_at_fpr(human_scores: ArrayLike, max_fpr: float) -> float:
    """The smallest threshold t whose false-positive rate on `human_scores` is at most `max_fpr`.

    With n human texts at most k = floor(max_fpr * n) of them may score >= t. If k >= n every
    threshold qualifies and the result is -inf. Otherwise t must exceed the (k+1)-th highest human
    score, and the result is the smallest float above it (`np.nextafter`), so every text scoring
    exactly that value is classified human.

    Ties: human texts with equal scores fall on the same side of any threshold, so when the
    (k+1)-th highest score is tied with higher ones the achieved FPR is below `max_fpr`; we never
    exceed the budget to use it up. Raises ValueError for an empty `human_scores`.
    """
    _check_rate(max_fpr)
    human = np.asarray(human_scores, dtype=np.float64)
    if human.ndim != 1 or len(human) == 0:
        raise ValueError("threshold_at_fpr needs a non-empty 1-D array of human scores")
    if np.isnan(human).any():
        raise ValueError("human scores must not contain NaN")
    allowed = math.floor(max_fpr * len(human) + _COUNT_EPS)
    if allowed >= len(human):
        return -math.inf
    first_excluded = np.sort(human)[::-1][allowed]
    return float(np.nextafter(first_excluded, np.inf))


def tpr_at_fpr(y: ArrayLike, s: ArrayLike, max_fpr: float) -> float:
    """The highest TPR reachable by a threshold whose FPR on the human texts is <= `max_fpr`.

    TPR only falls as the threshold rises, so this is the TPR at `threshold_at_fpr` (same tie
    handling: tied scores are never split, so no interpolation between ROC points). `nan` when
    either class is missing.
    """
    _check_rate(max_fpr)
    labels, scores = _labels_scores(y, s)
    if len(np.unique(labels)) < 2:
        return math.nan
    t = threshold_at_fpr(scores[labels == 0], max_fpr)
    return float(np.mean(scores[labels == 1] >= t))


@dataclass(frozen=True)
class ReliabilityBin:
    """One probability bin: its range, how many texts fell in it, and predicted vs observed AI share."""

    lower: float
    upper: float
    count: int
    mean_probability: float
    fraction_ai: float


def reliability_bins(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> list[ReliabilityBin]:
    """Reliability-diagram data: equal-width bins over [0, 1] with mean probability and AI share.

    Bin i holds probabilities in [i/n, (i+1)/n); the last bin also holds 1.0. Empty bins have count
    0 and `nan` means.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    labels, probs = _labels_scores(y, p)
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    # Multiplying (not comparing with linspace edges) keeps 0.3 in bin 3: linspace(0, 1, 11)[3] > 0.3.
    index = np.minimum((probs * n_bins).astype(np.int64), n_bins - 1)
    bins = []
    for i in range(n_bins):
        members = index == i
        count = int(members.sum())
        bins.append(
            ReliabilityBin(
                lower=i / n_bins,
                upper=(i + 1) / n_bins,
                count=count,
                mean_probability=float(probs[members].mean()) if count else math.nan,
                fraction_ai=float(labels[members].mean()) if count else math.nan,
            )
        )
    return bins


def expected_calibration_error(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean |mean probability - AI share| over bins.

    Uses the bins of `reliability_bins`. 0 means the probabilities match observed frequencies; `nan`
    for no texts.
    """
    bins = reliability_bins(y, p, n_bins)
    total = sum(b.count for b in bins)
    if total == 0:
        return math.nan
    return float(sum(b.count * abs(b.mean_probability - b.fraction_ai) for b in bins if b.count) / total)


@dataclass(frozen=True)
class RocCurve:
    """ROC points from the strictest threshold (+inf: nothing called AI) to the most lenient.

    `fpr[i]` and `tpr[i]` are the rates of the rule `score >= thresholds[i]`; the first point is
    (0, 0) and the last (1, 1). Tied scores share one point, so ties are never split.
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray


def roc_curve(y: ArrayLike, s: ArrayLike) -> RocCurve:
    """Every distinct operating point of `score >= t`, for plotting (e.g. on a log FPR axis).

    Raises ValueError unless both classes are present, because a curve needs both rates.
    """
    labels, scores = _labels_scores(y, s)
    human, ai = np.sort(scores[labels == 0]), np.sort(scores[labels == 1])
    if len(human) == 0 or len(ai) == 0:
        raise ValueError("a ROC curve needs both human (0) and AI (1) texts")
    thresholds = np.concatenate([[math.inf], np.unique(scores)[::-1]])
    # Counting from sorted arrays: texts with score >= t are those at or right of searchsorted(t, "left").
    fpr = (len(human) - np.searchsorted(human, thresholds, side="left")) / len(human)
    tpr = (len(ai) - np.searchsorted(ai, thresholds, side="left")) / len(ai)
    return RocCurve(fpr=fpr.astype(np.float64), tpr=tpr.astype(np.float64), thresholds=thresholds)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (default 95%); `(nan, nan)` when n is 0.

    Used for false-positive rates of small human groups (e.g. 37 student essays), where 0 of 37
    does not mean "never": the interval's upper end says how high the rate could plausibly be.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Clamp the float noise at the ends: 0 successes must give exactly 0 as the lower bound.
    return max(0.0, centre - half) if successes else 0.0, min(1.0, centre + half) if successes < n else 1.0
