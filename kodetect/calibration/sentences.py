"""Sentence probabilities that mean what their colour shows.

The fusion classifier scores each sentence with one neighbour on each side, and the document's Platt
map, fitted on whole texts, used to turn those raw scores into probabilities: on mixed documents a single
sentence came out as sure as a document (the robustness report's sentence AUROC was far below the
document's while the colours said 99%). Here the sentence score gets its own calibration, fitted on
sentence labels of documents spliced from human and AI texts, and a short sentence counts for less:

    logit p = w * (slope * window_raw + intercept) + (1 - w) * document_weight * document_logit
    w = h / (h + half_weight)

h is the sentence's Hangul syllables and document_logit the logit of the calibrated document
probability. So a short sentence leans on the whole text's score, by `document_weight` (0: toward
50%, "no evidence either way"; 1: toward the document's probability), and a sentence with fewer than
`min_hangul` syllables gets no probability at all: too short to judge. All four numbers are fitted
(`kodetect.training.sentence_calibration`); the card keeps them with how they were fitted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

_CLIP = 30.0


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    return np.log(q / (1 - q))


@dataclass(frozen=True)
class SentenceCalibration:
    slope: float
    intercept: float
    half_weight: float  # Hangul syllables at which a sentence's own score and the fallback weigh equally
    document_weight: float  # 0..1: how far a short sentence's fallback is the document's score (else 50%)
    min_hangul: int  # sentences with fewer Hangul syllables get no probability
    # How it was fitted and what it achieved (for the model card; not used to score).
    fitted: dict[str, Any] | None = None

    def weight(self, hangul: np.ndarray) -> np.ndarray:
        h = np.asarray(hangul, dtype=float)
        return h / (h + self.half_weight) if self.half_weight > 0 else np.ones_like(h)

    def logits(self, window_raw: np.ndarray, document_logit: float | np.ndarray, hangul: np.ndarray) -> np.ndarray:
        return _logits(np.asarray(window_raw, dtype=float), np.asarray(document_logit, dtype=float),
                       self.weight(hangul), self.slope, self.intercept, self.document_weight)

    def probability(self, window_raw: np.ndarray, document_logit: float | np.ndarray,
                    hangul: np.ndarray) -> np.ndarray:
        """One probability per sentence; NaN for sentences too short to judge."""
        p = 1.0 / (1.0 + np.exp(-self.logits(window_raw, document_logit, hangul)))
        return np.where(np.asarray(hangul) >= self.min_hangul, p, np.nan)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.fitted is None:
            out.pop("fitted")
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentenceCalibration:
        return cls(float(data["slope"]), float(data["intercept"]), float(data["half_weight"]),
                   float(data["document_weight"]), int(data["min_hangul"]), data.get("fitted"))


def _logits(z: np.ndarray, d: np.ndarray, w: np.ndarray, slope: float, intercept: float,
            document_weight: float) -> np.ndarray:
    return np.clip(w * (slope * z + intercept) + (1 - w) * document_weight * d, -_CLIP, _CLIP)


@dataclass(frozen=True)
class SentenceRowsArrays:
    """Labelled sentences to fit on: raw window score, document logit, Hangul syllables, label (0/1),
    a weight, and the document each came from (for cross-validation folds)."""

    window_raw: np.ndarray
    document_logit: np.ndarray
    hangul: np.ndarray
    label: np.ndarray
    weight: np.ndarray
    document: np.ndarray

    def subset(self, mask: np.ndarray) -> SentenceRowsArrays:
        return SentenceRowsArrays(*(getattr(self, name)[mask] for name in self.__dataclass_fields__))


def weighted_log_loss(rows: SentenceRowsArrays, logits: np.ndarray) -> float:
    # log(1 + e^t) - y t, the logistic loss, written stably.
    return float(np.sum(rows.weight * (np.logaddexp(0.0, logits) - rows.label * logits)) / np.sum(rows.weight))


def fit_at(rows: SentenceRowsArrays, half_weight: float, min_hangul: int) -> SentenceCalibration:
    """Maximum-likelihood slope, intercept and document weight (kept in [0, 1]) for one half weight."""
    from scipy.optimize import minimize  # training only

    w = rows.hangul / (rows.hangul + half_weight) if half_weight > 0 else np.ones(len(rows.hangul))

    def loss(params: np.ndarray) -> float:
        return weighted_log_loss(rows, _logits(rows.window_raw, rows.document_logit, w, *params))

    result = minimize(loss, np.array([1.0, 0.0, 0.5]), method="L-BFGS-B",
                      bounds=[(1e-3, None), (None, None), (0.0, 1.0)])
    slope, intercept, document_weight = (float(v) for v in result.x)
    return SentenceCalibration(slope, intercept, float(half_weight), document_weight, int(min_hangul))


def fit_sentence_calibration(rows: SentenceRowsArrays, min_hangul: int, half_weights: tuple[float, ...],
                             folds: int = 5, seed: int = 0) -> tuple[SentenceCalibration, dict[float, float]]:
    """The half weight with the lowest cross-validated log loss (folds by document), then slope,
    intercept and document weight refitted on every sentence long enough to judge.

    Returns the map and the cross-validated loss of every half weight tried."""
    rows = rows.subset(rows.hangul >= min_hangul)
    documents = np.unique(rows.document)
    fold_of = dict(zip(documents, np.random.default_rng(seed).permutation(len(documents)) % folds, strict=True))
    fold = np.array([fold_of[d] for d in rows.document])
    losses = {}
    for half in half_weights:
        held_out = np.zeros(len(fold))
        for f in range(folds):
            fitted = fit_at(rows.subset(fold != f), half, min_hangul)
            test = rows.subset(fold == f)
            held_out[fold == f] = fitted.logits(test.window_raw, test.document_logit, test.hangul)
        losses[float(half)] = weighted_log_loss(rows, held_out)
    best = min(losses, key=losses.__getitem__)
    return fit_at(rows, best, min_hangul), losses
