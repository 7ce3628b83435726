"""A profile's thresholds from the probabilities of known-human (and optionally known-AI) texts.

The AI cut is the lowest cut that keeps the promise: placed just above the (k + 1)-th highest human
score, with k the most false positives whose Clopper-Pearson bound stays at or under the target
(`bounds.allowed_false_positives`). Too few texts to promise the target even with none called AI:
the cut goes just above the highest human score and the weaker promise those texts do support is
recorded; and since that cut was not fitted to the target, it is never set below the model's own
`low-fpr` cut (a handful of texts must not make the detector less cautious than it ships). Nor is any
AI cut below even odds (0.5): for a genre the model finds easy, the cut that keeps the promise can be
a probability of 0.1, and a verdict "AI" next to "AI probability 10%" would contradict itself. Raising
a cut only lowers the false-positive rate, so the promise holds either way.

The `uncertain` band: below the human cut a text is called human. The profile keeps the model's own
human cut unless that leaves more than 15% of the owner's human texts at or above it (uncertain or AI;
the share the shipped modes allow every human source, `kodetect.calibration.thresholds.HUMAN_CUT_SHARE`);
then it rises to the lowest cut that keeps them at 15%. It never lies above the AI cut. So a genre the
model finds easy keeps the model's band (its texts score far below the cut, and a lower cut would only
leave more of them undecided), and a genre it finds hard does not see a large part of its people's
writing left "uncertain". The cost of a higher human cut, AI texts called human, is reported when
AI texts are given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kodetect.calibration.thresholds import HUMAN_CUT_SHARE, ThresholdMode, cut_for_share
from kodetect.profiles.bounds import CONFIDENCE, allowed_false_positives, fpr_upper_bound, wilson_interval

# No profile calls a text AI that the model finds more likely human-written.
EVEN_ODDS = 0.5
# Why an AI cut sits above the lowest one that keeps the promise.
RAISED_TO_MODEL_CUT = "too few texts: the model's own low-fpr cut"
RAISED_TO_EVEN_ODDS = "even odds: a text is never called AI below an AI probability of 0.5"


@dataclass(frozen=True)
class HumanFit:
    """Where the owner's human texts fall under the fitted thresholds."""

    texts: int
    allowed_false_positives: int  # the k the AI cut was placed for
    called_ai: int  # at or above the final AI cut (fewer than allowed when scores tie or the cut was raised)
    uncertain: int
    raised: str | None = None  # why the AI cut lies above the fitted one (RAISED_TO_*), if it does


@dataclass(frozen=True)
class AiCheck:
    """How the owner's known-AI texts fare: recall at the AI cut, with its 95% Wilson interval."""

    texts: int
    called_ai: int
    called_human: int
    recall: float
    recall_interval: tuple[float, float]


@dataclass(frozen=True)
class ThresholdFit:
    thresholds: ThresholdMode
    target_fpr: float
    confidence: float
    fpr_bound: float
    human: HumanFit
    ai: AiCheck | None

    @property
    def meets_target(self) -> bool:
        return self.fpr_bound <= self.target_fpr


def _cut_above(descending: np.ndarray, k: int) -> float:
    """The lowest cut with at most k scores at or above it."""
    return float(np.nextafter(descending[k], np.inf))


def fit_thresholds(human: np.ndarray, target_fpr: float, ai: np.ndarray | None = None,
                   model: ThresholdMode | None = None, confidence: float = CONFIDENCE) -> ThresholdFit:
    """Thresholds for probabilities `human` (and `ai`, for the recall check). `model`: the model's own
    low-fpr cuts: its AI cut is the floor when the texts are too few for the target, its human cut the
    starting point of the uncertain band."""
    scores = np.asarray(human, dtype=float)
    if len(scores) == 0:
        raise ValueError("no human texts to fit a profile on")
    descending = np.sort(scores)[::-1]
    n = len(scores)
    allowed = allowed_false_positives(n, target_fpr, confidence)
    k = 0 if allowed is None else allowed
    ai_cut = _cut_above(descending, k)
    raised = None
    if allowed is None and model is not None and model.ai > ai_cut:
        ai_cut, raised = float(model.ai), RAISED_TO_MODEL_CUT
    if ai_cut < EVEN_ODDS:
        ai_cut, raised = EVEN_ODDS, RAISED_TO_EVEN_ODDS
    human_cut = cut_for_share(scores, HUMAN_CUT_SHARE)
    if model is not None:
        human_cut = max(human_cut, model.human)
    human_cut = min(human_cut, ai_cut)
    called_ai = int((scores >= ai_cut).sum())
    human_fit = HumanFit(texts=n, allowed_false_positives=k, called_ai=called_ai,
                         uncertain=int(((scores >= human_cut) & (scores < ai_cut)).sum()), raised=raised)
    return ThresholdFit(thresholds=ThresholdMode(ai=ai_cut, human=float(human_cut)), target_fpr=target_fpr,
                        confidence=confidence, fpr_bound=fpr_upper_bound(k, n, confidence), human=human_fit,
                        ai=None if ai is None or len(ai) == 0 else check_ai(np.asarray(ai, dtype=float),
                                                                            ThresholdMode(ai_cut, human_cut)))


def check_ai(ai: np.ndarray, thresholds: ThresholdMode) -> AiCheck:
    caught = int((ai >= thresholds.ai).sum())
    return AiCheck(texts=len(ai), called_ai=caught, called_human=int((ai < thresholds.human).sum()),
                   recall=caught / len(ai), recall_interval=wilson_interval(caught, len(ai)))
