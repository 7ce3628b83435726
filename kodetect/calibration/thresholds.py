"""Named threshold modes, chosen on out-of-source scores, never typed in by hand.

The scores they are chosen on come from `kodetect.eval.protocols.out_of_source`: every text scored by
a model trained without its source, so the cuts are set where texts of a source the model has never
seen fall, which is what users bring. (Cuts set on validation text from the training sources promised
1% and gave 5-7% on formal human writing from elsewhere.)

* `low-fpr`: the lowest cut at which at most 1% of the texts of *every* human source are called AI.
* `balanced`: the cut that maximises TPR - FPR (Youden's J), every source weighing the same.

Below a mode's `human` cut a text is called human. The cut is the lowest that leaves no source, human
or AI, more than 10% `uncertain` (between the two cuts; UNCERTAIN_SHARE, DEEP_UNCERTAIN_SHARE) and
no human source more than 15% at or above it; it is capped at the mode's AI cut. A tool that accuses
people should say when it does not know, but not hide there: where a source of AI text is hard to tell
from people's writing, its texts are called human (a miss) rather than left undecided, and the report
counts those misses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

LOW_FPR_TARGET = 0.01
# At most this share of any human source lies at or above the human cut (uncertain or ai), and at
# most this share of any source, human or AI, lies between the two cuts (uncertain).
HUMAN_CUT_SHARE = 0.15
# Fast mode's band (and profiles' and recalibration's). With the n-gram heads read against the nearest human
# texts in genre (kodetect.training.recipe.FAST_GENRE_NEIGHBOURS), a 15% band chosen on the training sources
# held 24% of a source left out (Danawa's AI reviews); 10% holds every held-out source at or under 15.4%
# (bench/results/generalize_choices.md, thresholds chosen without the source).
UNCERTAIN_SHARE = 0.10
# Deep mode chooses its cuts on its language-model subsample, about a quarter of the texts. There a band
# holding 15% of every source in sample held 27% of a source left out (Danawa's AI reviews), against the
# 20% a user is promised; 10% holds every held-out source at or under 14%
# (bench/results/generalize_choices.md, thresholds chosen without the source).
DEEP_UNCERTAIN_SHARE = 0.10


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


def weighted_rate_at_or_above(scores: np.ndarray, weights: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """For each candidate t, the weighted share of `scores` that are >= t."""
    order = np.argsort(scores)
    sorted_scores, sorted_weights = scores[order], weights[order]
    tail = np.concatenate([np.cumsum(sorted_weights[::-1])[::-1], [0.0]])
    return tail[np.searchsorted(sorted_scores, candidates, side="left")] / sorted_weights.sum()


def cut_for_share(scores: np.ndarray, share: float) -> float:
    """The lowest cut t at which at most `share` of `scores` are >= t (-inf when all may be)."""
    descending = np.sort(np.asarray(scores, dtype=float))[::-1]
    allowed = int(np.floor(share * len(descending) + 1e-9))
    return -np.inf if allowed >= len(descending) else float(np.nextafter(descending[allowed], np.inf))


def _per_source_cut(probabilities: np.ndarray, labels: np.ndarray, groups: np.ndarray, share: float) -> float:
    """The lowest cut that keeps every human source at or under `share` at or above it."""
    human = labels == 0
    return max(cut_for_share(probabilities[human & (groups == g)], share) for g in np.unique(groups[human]))


def _human_cut(probabilities: np.ndarray, labels: np.ndarray, groups: np.ndarray, ai_cut: float,
               uncertain_share: float) -> float:
    """The lowest cut below `ai_cut` that leaves no source more than `uncertain_share` uncertain and no
    human source more than HUMAN_CUT_SHARE at or above it."""
    cuts = [_per_source_cut(probabilities, labels, groups, HUMAN_CUT_SHARE)]
    for group, label in set(zip(groups.tolist(), labels.tolist(), strict=True)):
        own = probabilities[(groups == group) & (labels == label)]
        cuts.append(cut_for_share(own, float(np.mean(own >= ai_cut)) + uncertain_share))
    return min(max(cuts), ai_cut)


def choose_thresholds(labels: np.ndarray, probabilities: np.ndarray, groups: np.ndarray,
                      uncertain_share: float = UNCERTAIN_SHARE) -> dict[str, ThresholdMode]:
    """Cuts for every mode from texts scored out of source (`groups`: each text's source); no source more
    than `uncertain_share` between a mode's two cuts."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    p = np.asarray(probabilities, dtype=float)
    w = source_balanced_weights(labels, groups)
    human, ai = labels == 0, labels == 1
    candidates = np.unique(np.concatenate([p, [np.nextafter(p.max(), np.inf)]]))
    fpr = weighted_rate_at_or_above(p[human], w[human], candidates)
    tpr = weighted_rate_at_or_above(p[ai], w[ai], candidates)
    # Ties in J go to the higher cut: fewer people accused for the same balance. Rates are float sums,
    # so equal J values (e.g. 2/3 - 1/3 and 1 - 2/3) can differ in the last bits: compare with a tolerance.
    j = tpr - fpr
    balanced = float(candidates[np.flatnonzero(np.isclose(j, j.max(), rtol=0.0, atol=1e-12))[-1]])
    low_fpr = _per_source_cut(p, labels, groups, LOW_FPR_TARGET)
    return {
        "balanced": ThresholdMode(ai=balanced, human=_human_cut(p, labels, groups, balanced, uncertain_share)),
        "low-fpr": ThresholdMode(ai=low_fpr, human=_human_cut(p, labels, groups, low_fpr, uncertain_share)),
    }
