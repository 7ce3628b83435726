"""What a source the detector has never seen would get: rates at thresholds chosen without it.

`protocols.out_of_source` scores every text with a model trained without its source. Two readings
of those scores that the validation split cannot give:

* `unseen_auroc`: a held-out source against the *other side's* texts of every other source, each
  also scored out of source, every source weighing the same. Both sides are new to the model here,
  as they are for a user; the classic leave-one-source-out table sets a new source against the
  validation texts of sources the model trained on, which flatters it.
* `heldout_rates`: for each source, calibration and thresholds fitted on the *other* sources' out-of-
  source scores, then applied to it: the share called AI and the share left uncertain that a new
  source of its kind would see, with Wilson intervals. The shipped thresholds saw every source, so
  their rates on the sources are in-sample; these are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kodetect.calibration.platt import fit_platt
from kodetect.calibration.thresholds import (
    LOW_FPR_TARGET,
    UNCERTAIN_SHARE,
    choose_thresholds,
    source_balanced_weights,
    weighted_rate_at_or_above,
)
from kodetect.eval.metrics import auroc, wilson_interval
from kodetect.eval.protocols import SourceHoldout


@dataclass(frozen=True)
class UnseenScore:
    source: str
    side: str
    n: int
    auroc: float


def unseen_auroc(holdout: SourceHoldout) -> list[UnseenScore]:
    labels, groups, scores = holdout.labels, holdout.groups, holdout.scores
    out = []
    for group, label in sorted(set(zip(groups.tolist(), labels.tolist(), strict=True))):
        mask = ((groups == group) & (labels == label)) | ((groups != group) & (labels != label))
        weights = source_balanced_weights(labels[mask], groups[mask])
        out.append(UnseenScore(group, "ai" if label else "human", int(((groups == group) & (labels == label)).sum()),
                               auroc(labels[mask], scores[mask], weights)))
    return out


def pooled_unseen_auroc(holdout: SourceHoldout) -> float:
    """Every source's out-of-source scores together, every source weighing the same."""
    labels, groups = holdout.labels, holdout.groups
    return auroc(labels, holdout.scores, source_balanced_weights(labels, groups))


def pooled_unseen_tpr(holdout: SourceHoldout, max_fpr: float = LOW_FPR_TARGET) -> float:
    """The share of AI texts caught at the lowest cut that calls at most `max_fpr` of the human texts AI, every
    text scored out of source and every source weighing the same (as `pooled_unseen_auroc`): the pooled TPR at
    1% FPR of sources none of which the model saw. The cut is read off these very scores, so it says how well the
    ranking separates the tails, not what a shipped cut would catch (`heldout_rates` says that)."""
    labels, scores = holdout.labels, holdout.scores
    weights = source_balanced_weights(labels, holdout.groups)
    human, ai = labels == 0, labels == 1
    if not human.any() or not ai.any():
        return float("nan")
    # The lowest cut within budget lies just above the highest human score whose weighted share at or above it is
    # over budget (as `kodetect.eval.metrics.threshold_at_fpr`; tied scores are never split).
    candidates = np.unique(scores[human])
    over = candidates[weighted_rate_at_or_above(scores[human], weights[human], candidates) > max_fpr + 1e-12]
    cut = np.nextafter(over[-1], np.inf) if len(over) else -np.inf
    return float(weighted_rate_at_or_above(scores[ai], weights[ai], np.array([cut]))[0])


@dataclass(frozen=True)
class SourceRates:
    """One held-out source at one mode's thresholds fitted without it."""

    source: str
    side: str
    mode: str
    n: int
    called_ai: int
    uncertain: int

    @property
    def called_ai_share(self) -> float:
        return self.called_ai / self.n

    @property
    def uncertain_share(self) -> float:
        return self.uncertain / self.n

    @property
    def called_ai_interval(self) -> tuple[float, float]:
        return wilson_interval(self.called_ai, self.n)


def heldout_rates(holdout: SourceHoldout, uncertain_share: float = UNCERTAIN_SHARE) -> list[SourceRates]:
    """Every source's rates at each mode's cuts chosen without it, by the rule of the mode that is read
    (`uncertain_share`: see `choose_thresholds`)."""
    labels, groups, raw = holdout.labels, holdout.groups, holdout.scores
    out = []
    for group in sorted(set(groups.tolist())):
        others = groups != group
        calibration = fit_platt(raw[others], labels[others], source_balanced_weights(labels[others], groups[others]))
        p = calibration.probability(raw)
        modes = choose_thresholds(labels[others], p[others], groups[others], uncertain_share)
        for label in sorted(set(labels[groups == group].tolist())):
            own = p[(groups == group) & (labels == label)]
            for mode, cuts in modes.items():
                out.append(SourceRates(group, "ai" if label else "human", mode, len(own),
                                       int((own >= cuts.ai).sum()), int(((own >= cuts.human) & (own < cuts.ai)).sum())))
    return out
