"""Where a probability falls among the model's reference texts: people's and AI texts from sources the
model was not trained on (`kodetect.model.artifact.Reference`), so "93%" gets a yardstick a reader
understands: "higher than 99.6% of people's texts checked in validation"."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kodetect.model.artifact import Reference

HISTOGRAM_BINS = 20


@dataclass(frozen=True)
class Placement:
    human_below: float  # share of people's reference texts scoring below this probability
    ai_above: float  # share of AI reference texts scoring above it
    humans: int
    ais: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def placement(reference: Reference | None, probability: float | None) -> Placement | None:
    """None when the model carries no reference scores or the text got no probability."""
    if reference is None or probability is None:
        return None
    human = reference.probability[reference.label == 0]
    ai = reference.probability[reference.label == 1]
    if len(human) == 0 or len(ai) == 0:
        return None
    return Placement(float(np.mean(human < probability)), float(np.mean(ai > probability)), len(human), len(ai))


def histogram(reference: Reference | None, bins: int = HISTOGRAM_BINS) -> dict[str, Any] | None:
    """The reference scores as two histograms over [0, 1], each summing to 1 (for the page's picture)."""
    if reference is None:
        return None
    edges = np.linspace(0.0, 1.0, bins + 1)
    out: dict[str, Any] = {"edges": [round(float(e), 4) for e in edges]}
    for side, label in (("human", 0), ("ai", 1)):
        scores = reference.probability[reference.label == label]
        counts = np.histogram(np.clip(scores, 0, 1), edges)[0]
        out[side] = [round(float(c) / max(len(scores), 1), 4) for c in counts]
        out[f"{side}_texts"] = int(len(scores))
    return out


def _percent(share: float) -> str:
    percent = 100 * share
    if 0 < percent < 1 or 99 < percent < 100:
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def placement_sentence(where: Placement, lang: str) -> str:
    """One line for the readable view, in Korean or English."""
    if lang == "ko":
        return (f"모델이 학습하지 않은 출처의 검증용 글과 견주면: 사람이 쓴 글 {where.humans:,}편의 "
                f"{_percent(where.human_below)}보다 높고, AI가 쓴 글 {where.ais:,}편의 {_percent(where.ai_above)}보다 "
                "낮은 점수입니다.")
    return (f"Against validation texts from sources the model was not trained on: higher than "
            f"{_percent(where.human_below)} of {where.humans:,} people's texts, lower than "
            f"{_percent(where.ai_above)} of {where.ais:,} AI texts.")
