"""Fitting the heads of a `ModelArtifact` from feature matrices and n-gram views (no I/O here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from kodetect.features.ngrams import VIEWS, counts_matrix, fit_idf, tfidf, view_buckets
from kodetect.model.artifact import FusionHead, NgramHead, head_feature

NGRAM_C = 4.0
FUSION_C = 0.5
# Every fusion column is held within its [q, 1 - q] training quantiles, before standardising and at
# scoring time. A source unlike any trained on (tweets, a genre's unusual ending rate) otherwise drives
# a feature far outside the range its coefficient was fitted on, and the linear fusion extrapolates it
# into a confident false verdict. Chosen on sources left out of training
# (bench/experiments/generalize_choices.py, bench/results/generalize_choices.md): in deep mode, at
# thresholds chosen without the source, the worst human source called AI went from 7.1% to 1.2% and
# the AI texts caught from 8% to 46% (q = 0.001 and 0.01 did less); fast mode is unchanged within noise.
FUSION_CLIP_QUANTILE = 0.05
STACKING_FOLDS = 5


@dataclass(frozen=True)
class FittedHeads:
    ngram_heads: dict[str, NgramHead]
    fusion: FusionHead


def fit_ngram_head(counts: sp.csr_matrix, labels: np.ndarray) -> NgramHead:
    idf = fit_idf(counts)
    model = LogisticRegression(C=NGRAM_C, max_iter=2000, class_weight="balanced", solver="liblinear")
    model.fit(tfidf(counts, idf), labels)
    return NgramHead(idf, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def _logits(head: NgramHead, counts: sp.csr_matrix) -> np.ndarray:
    return np.asarray(tfidf(counts, head.idf) @ head.coef.astype(np.float64)).ravel() + head.intercept


def out_of_fold_logits(counts: sp.csr_matrix, labels: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """N-gram logits for each training text from a head that never saw it (for stacking).

    `groups` keeps rows together in one fold (an edited copy with its original), so no text is
    scored by a head that saw its near-twin.

    Out-of-fold logits keep the fusion head from trusting n-gram scores of texts the head memorised.
    (Folds grouped by source were tried: a held-out source often gets inverted n-gram logits, and
    the fusion head then learned to distrust a useful signal; leave-one-source-out AUROC dropped.)
    """
    logits = np.zeros(counts.shape[0])
    if groups is None:
        folds = StratifiedKFold(STACKING_FOLDS, shuffle=True, random_state=0).split(counts, labels)
    else:
        folds = StratifiedGroupKFold(STACKING_FOLDS, shuffle=True, random_state=0).split(counts, labels, groups)
    for train_idx, test_idx in folds:
        logits[test_idx] = _logits(fit_ngram_head(counts[train_idx], labels[train_idx]), counts[test_idx])
    return logits


def fit_fusion(matrix: np.ndarray, labels: np.ndarray, names: list[str],
               sample_weight: np.ndarray | None = None, anchor: dict[str, float] | None = None,
               shrink: Callable[[str], float] | None = None,
               clip_quantile: float = FUSION_CLIP_QUANTILE) -> FusionHead:
    """Logistic fusion on standardised columns, the two classes weighing the same in total.

    `clip_quantile`: every column is clipped to its [q, 1 - q] quantiles over the training rows (see
    FUSION_CLIP_QUANTILE); the bounds travel with the head, so scoring clips the same way. 0: no clipping.

    `anchor`: amounts added to the fitted coefficients of the named columns, in log-odds per standard
    deviation: a fixed extra trust in a score that holds on genres the training texts do not cover.
    `shrink`: a factor per column name; a column fitted at factor f pays 1/f² times the L2 penalty, so
    below 1 the fusion needs more evidence before it leans on that column.
    """
    labels = np.asarray(labels)
    weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    low, high = clip_bounds(matrix, clip_quantile)
    if low is not None:
        matrix = np.clip(matrix, low, high)
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    # sklearn's class_weight="balanced" counts rows; with row weights, balance their sums instead.
    # With all weights 1 this is exactly "balanced": n / (2 * rows of the class).
    class_total = {c: weight[labels == c].sum() for c in np.unique(labels)}
    balanced = weight * np.array([len(labels) / (len(class_total) * class_total[c]) for c in labels])
    model = LogisticRegression(C=FUSION_C, max_iter=5000)
    factor = np.ones(len(names)) if shrink is None else np.array([shrink(name) for name in names], dtype=float)
    model.fit((matrix - mean) / scale * factor, labels, sample_weight=balanced)
    coef = model.coef_[0] * factor
    for name, extra in (anchor or {}).items():
        coef[names.index(name)] += extra
    return FusionHead(list(names), mean, scale, coef, float(model.intercept_[0]), low, high)


def clip_bounds(matrix: np.ndarray, quantile: float) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Per-column [quantile, 1 - quantile] bounds of `matrix`; (None, None) when quantile is 0."""
    if quantile <= 0:
        return None, None
    return np.quantile(matrix, quantile, axis=0), np.quantile(matrix, 1 - quantile, axis=0)


def view_counts(views: dict[str, list[str]], view: str) -> sp.csr_matrix:
    return counts_matrix(view_buckets(view, value) for value in views[view])


def fit_heads(
    features: np.ndarray,
    names: list[str],
    views: dict[str, list[str]],
    labels: np.ndarray,
    use_views: tuple[str, ...] = VIEWS,
    groups: np.ndarray | None = None,
    fusion_weights: np.ndarray | None = None,
    fusion_anchor: dict[str, float] | None = None,
    fusion_shrink: Callable[[str], float] | None = None,
    fusion_clip: float = FUSION_CLIP_QUANTILE,
) -> FittedHeads:
    """Fit each n-gram head on all texts and the fusion head on features + out-of-fold logits.

    `groups` (one per text) keeps related texts in one stacking fold (see `out_of_fold_logits`).
    `fusion_weights` (one per text) weighs rows in the fusion head only (see `augment.copy_weights`).
    `fusion_anchor`, `fusion_shrink`, `fusion_clip` (its `clip_quantile`): see `fit_fusion`.
    """
    labels = np.asarray(labels)
    heads: dict[str, NgramHead] = {}
    columns = [features]
    for view in use_views:
        counts = view_counts(views, view)
        heads[view] = fit_ngram_head(counts, labels)
        columns.append(out_of_fold_logits(counts, labels, groups)[:, None])
    fusion = fit_fusion(np.hstack(columns), labels, [*names, *(head_feature(v) for v in use_views)],
                        sample_weight=fusion_weights, anchor=fusion_anchor, shrink=fusion_shrink,
                        clip_quantile=fusion_clip)
    return FittedHeads(heads, fusion)


def raw_scores(heads: FittedHeads, features: np.ndarray, views: dict[str, list[str]]) -> np.ndarray:
    columns = [features]
    for view, head in heads.ngram_heads.items():
        columns.append(_logits(head, view_counts(views, view))[:, None])
    return heads.fusion.raw(np.hstack(columns))
