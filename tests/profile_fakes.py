"""What the profile tests share: profiles made without scoring anything (imported by the test files, like
batch_fakes.py)."""

from __future__ import annotations

import numpy as np

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import ModelInfo
from kodetect.profiles import Profile
from kodetect.profiles.build import Request, ScoredSet, make_profile
from kodetect.profiles.fit import HumanFit, ThresholdFit


def fitted_profile(name: str, model: ModelInfo, mode: str = "fast", n: int = 1_200, description: str | None = None,
                   target: float = 0.01, seed: int = 0) -> Profile:
    """A profile fitted on `n` synthetic human probabilities (most of them low, as people's texts score)."""
    rng = np.random.default_rng(seed)
    human = ScoredSet(list(rng.beta(1.2, 12, size=n)))
    request = Request(name, target, description, recreate=f"kodetect profile create {name} --human h.jsonl "
                      f"--mode {mode} --replace")
    return make_profile(request, model, mode, human, None, ThresholdMode(ai=0.9, human=0.2))


def profile_with(name: str, model: ModelInfo, thresholds: ThresholdMode, mode: str = "fast",
                 description: str | None = None) -> Profile:
    """A profile with exactly these thresholds (what a fit on 500 texts, none called AI, would promise)."""
    fit = ThresholdFit(thresholds=thresholds, target_fpr=0.01, confidence=0.95, fpr_bound=0.0060,
                       human=HumanFit(texts=500, allowed_false_positives=0, called_ai=0, uncertain=0), ai=None)
    return Profile(name=name, description=description, created_at="2026-12-01T00:00:00Z", model=model, mode=mode,
                   fit=fit, skipped={}, highest_human=[], source={},
                   recreate=f"kodetect profile create {name} --human h.jsonl --mode {mode} --replace")
