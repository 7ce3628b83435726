"""Named threshold modes, chosen on held-out validation text, never typed in by hand.

* `balanced`: the probability cut that maximises TPR - FPR (Youden's J) on validation data.
* `low-fpr`: the lowest cut at which at most 1% of held-out human texts are called AI.

Below the `human` cut a text is called human; it is the probability under which at most 2% of
AI validation texts fall (capped at the mode's AI cut). Between the two cuts the verdict is
`uncertain`: a tool that accuses people should say when it does not know.
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


def choose_thresholds(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, ThresholdMode]:
    from kodetect.eval.metrics import threshold_at_fpr, youden_threshold  # training only

    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=float)
    human_p = probabilities[labels == 0]
    ai_p = probabilities[labels == 1]
    human_cut = float(np.quantile(ai_p, HUMAN_CUT_MISS_RATE))
    balanced = float(youden_threshold(labels, probabilities))
    low_fpr = float(threshold_at_fpr(human_p, LOW_FPR_TARGET))
    return {
        "balanced": ThresholdMode(ai=balanced, human=min(human_cut, balanced)),
        "low-fpr": ThresholdMode(ai=low_fpr, human=min(human_cut, low_fpr)),
    }
