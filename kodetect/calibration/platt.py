"""Raw classifier score to probability (Platt scaling), fitted on held-out validation text.

A logistic map is strictly increasing, so calibration never reorders texts: the ranking (and with
it AUROC) is the classifier's, and the probabilities are honest on the validation distribution,
weighted so that every source counts the same and human and AI text weigh half each (a 50% prior).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PlattCalibration:
    slope: float
    intercept: float

    def probability(self, raw: np.ndarray | float) -> np.ndarray:
        z = self.slope * np.asarray(raw, dtype=float) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def fit_platt(raw: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> PlattCalibration:
    from sklearn.linear_model import LogisticRegression  # training only; slow to import

    model = LogisticRegression(C=1e4, class_weight=None if weights is not None else "balanced")
    model.fit(np.asarray(raw).reshape(-1, 1), labels, sample_weight=weights)
    slope = float(model.coef_[0, 0])
    if slope <= 0:
        raise ValueError("calibration found no positive relation between score and label")
    return PlattCalibration(slope, float(model.intercept_[0]))
