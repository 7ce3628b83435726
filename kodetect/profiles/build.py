"""Making a profile: score the owner's texts with the detector as it ships, fit, and describe the result.

Scoring uses the detector's calibrated document probability (`Detector.score`), the number its
verdicts compare with the thresholds. Texts the detector declines (`insufficient`,
`unsupported-language`) and rows that cannot be read are skipped and counted: a profile cannot
promise anything about texts it will never judge.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import ModelInfo
from kodetect.errors import InputError
from kodetect.profiles.fit import fit_thresholds
from kodetect.profiles.profile import HighScore, Profile, check_name
from kodetect.version import __version__

# How many of the highest-scoring human texts a profile names (and the report shows).
HIGHEST = 10
SNIPPET_CHARS = 80


class Scorer(Protocol):
    """What scores texts: a `Detector` (its calibrated probability; None where it abstains)."""

    def score(self, texts: Iterable[str]) -> Iterator[float | None]: ...


@dataclass(frozen=True)
class Item:
    """One input text (or the reason it could not be read); `probability` when already scored."""

    id: Any
    text: str | None
    error: str | None = None
    probability: float | None = None


@dataclass(frozen=True)
class Top:
    id: Any
    probability: float
    snippet: str | None


@dataclass
class ScoredSet:
    """Probabilities of one side's texts, what was skipped and why, and the highest-scoring texts."""

    probabilities: list[float] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    top: list[Top] = field(default_factory=list)

    def extend(self, other: ScoredSet) -> None:
        self.probabilities += other.probabilities
        self.skipped.update(other.skipped)
        self.top = sorted([*self.top, *other.top], key=lambda t: -t.probability)[:HIGHEST]


def snippet(text: str | None) -> str | None:
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def score_items(scorer: Scorer, items: Iterable[Item], progress: Callable[[], None] | None = None) -> ScoredSet:
    """Score every item (one at a time, so one rejected text skips only itself)."""
    result = ScoredSet()
    heap: list[tuple[float, int, Top]] = []
    for index, item in enumerate(items):
        probability = item.probability
        if item.error is not None or (probability is None and not (item.text or "").strip()):
            result.skipped["unreadable"] += 1
        elif probability is None:
            try:
                probability = next(iter(scorer.score([item.text or ""])))
            except InputError:
                result.skipped["rejected"] += 1
            else:
                if probability is None:
                    result.skipped["abstained"] += 1
        if probability is not None and item.error is None:
            result.probabilities.append(float(probability))
            entry = (float(probability), -index, Top(item.id, float(probability), snippet(item.text)))
            (heapq.heappush if len(heap) < HIGHEST else heapq.heappushpop)(heap, entry)
        if progress is not None:
            progress()
    result.top = [top for _, _, top in sorted(heap, reverse=True)]
    return result


@dataclass(frozen=True)
class Request:
    """What the owner asked for (`kodetect profile create`)."""

    name: str
    target_fpr: float
    description: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    recreate: str = ""


def make_profile(request: Request, model: ModelInfo, mode: str, human: ScoredSet, ai: ScoredSet | None,
                 model_cuts: ThresholdMode | None) -> Profile:
    """Fit the thresholds and describe them. `model_cuts`: the model's own low-fpr cuts (see fit.py)."""
    check_name(request.name)
    if not human.probabilities:
        skipped = ", ".join(f"{n} {why}" for why, n in human.skipped.items()) or "none given"
        raise InputError(f"no human text could be scored ({skipped}); a profile needs known-human texts")
    fit = fit_thresholds(np.array(human.probabilities), request.target_fpr,
                         None if ai is None else np.array(ai.probabilities), model_cuts)
    skipped = {f"human_{why}": n for why, n in human.skipped.items()}
    if ai is not None:
        skipped |= {f"ai_{why}": n for why, n in ai.skipped.items()}
    return Profile(
        name=request.name, description=request.description,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), model=model, mode=mode, fit=fit,
        skipped=skipped, highest_human=[HighScore(t.id, round(t.probability, 4)) for t in human.top],
        source=request.source, recreate=request.recreate, kodetect_version=__version__,
    )
