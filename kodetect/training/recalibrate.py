"""A new model version from people's feedback: same classifier, refitted calibration and thresholds.

Feedback says which texts people know to be human or AI. Their raw classifier scores are recovered
from the stored probability through the calibration of the model that answered (Platt scaling is
invertible), so no text has to be kept. The feedback joins the held-out validation texts as one
more source, weighted like every other source, so a handful of reports cannot swing the thresholds
on their own and the low-fpr guarantee is still measured on the whole validation mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kodetect.calibration.platt import PlattCalibration, fit_platt
from kodetect.calibration.thresholds import choose_thresholds, source_balanced_weights
from kodetect.model.artifact import ModelArtifact

FEEDBACK_GROUP = "user-feedback"
# Stored probabilities are rounded to 4 decimals; keep their inverse finite.
_PROBABILITY_CLIP = 1e-4


def raw_from_probability(calibration: PlattCalibration, probability: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probability, dtype=float), _PROBABILITY_CLIP, 1 - _PROBABILITY_CLIP)
    return (np.log(p / (1 - p)) - calibration.intercept) / calibration.slope


def recalibrate(
    model: ModelArtifact,
    validation_raw: np.ndarray,
    validation_labels: np.ndarray,
    validation_groups: np.ndarray,
    feedback_raw: np.ndarray,
    feedback_labels: np.ndarray,
) -> ModelArtifact:
    raw = np.concatenate([validation_raw, feedback_raw])
    labels = np.concatenate([validation_labels, feedback_labels]).astype(int)
    groups = np.concatenate([validation_groups, np.full(len(feedback_raw), FEEDBACK_GROUP)])
    weights = source_balanced_weights(labels, groups)
    calibration = fit_platt(raw, labels, weights)
    probabilities = calibration.probability(raw)
    thresholds = choose_thresholds(labels, probabilities, groups)
    digest = hashlib.sha256(repr((model.version, calibration, sorted(
        (k, v.to_dict()) for k, v in thresholds.items()), len(feedback_raw))).encode()).hexdigest()[:8]
    human_feedback = feedback_labels == 0
    card: dict[str, Any] = dict(model.card)
    card["recalibration"] = {
        "from_version": model.version,
        "from_calibration": {"slope": model.calibration.slope, "intercept": model.calibration.intercept},
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "feedback_rows": {"human": int(human_feedback.sum()), "ai": int((~human_feedback).sum())},
        "validation_rows": len(validation_raw),
        "feedback_fpr": {
            mode: (float(np.mean(calibration.probability(feedback_raw[human_feedback]) >= t.ai))
                   if human_feedback.any() else None)
            for mode, t in thresholds.items()
        },
    }
    return replace(model, version=f"{model.version}.recal-{digest}", calibration=calibration,
                   thresholds=thresholds, card=card)
