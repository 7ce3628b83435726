"""Fitting the heads of a `ModelArtifact` from feature matrices and n-gram views (no I/O here)."""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from kodetect.features.genre import (
    GENRE_VIEW,
    GenreReference,
    contrast_feature,
    fit_genre_space,
    neighbour_means,
)
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
    # The human texts the heads' logits are read against (`kodetect.features.genre`); None: not read so.
    genre: GenreReference | None = None


def fit_ngram_head(counts: sp.csr_matrix, labels: np.ndarray) -> NgramHead:
    idf = fit_idf(counts)
    model = LogisticRegression(C=NGRAM_C, max_iter=2000, class_weight="balanced", solver="liblinear")
    model.fit(tfidf(counts, idf), labels)
    return NgramHead(idf, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def _logits(head: NgramHead, counts: sp.csr_matrix) -> np.ndarray:
    return np.asarray(tfidf(counts, head.idf) @ head.coef.astype(np.float64)).ravel() + head.intercept


@dataclass(frozen=True)
class NgramStack:
    """The n-gram heads fitted on every row, and each row's out-of-fold logits (one column per view)."""

    heads: dict[str, NgramHead]
    out_of_fold: np.ndarray


# Retraining protocols fit fast and deep mode on the same training texts (deep mode's n-gram heads may be
# fast mode's), and `kodetect train` and the report's leave-one-source-out fit the same folds, so a stack is
# kept, keyed by everything it is fitted from: in memory for this process (about 9 MB each), and on disk
# beside the feature cache for the next run. Bump STACK_VERSION when the fitting changes in a way its inputs
# do not show (solver, class weights).
STACK_VERSION = 1
STACKS_KEPT = 48
STACKS_ON_DISK = 200
_STACKS: OrderedDict[str, NgramStack] = OrderedDict()


def _stack_key(counts: dict[str, sp.csr_matrix], labels: np.ndarray, groups: np.ndarray | None) -> str:
    digest = hashlib.sha256(repr((STACK_VERSION, NGRAM_C, STACKING_FOLDS, list(counts))).encode())
    for matrix in counts.values():
        digest.update(repr(matrix.shape).encode())
        for array in (matrix.indptr, matrix.indices, matrix.data):
            digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    digest.update(b"-" if groups is None else np.ascontiguousarray(groups, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _stack_dir() -> Path | None:
    """Where stacks are kept between runs; None when KODETECT_STACK_CACHE is 0."""
    if os.environ.get("KODETECT_STACK_CACHE", "1") == "0":
        return None
    from kodetect.training.featurize import default_cache_dir

    return default_cache_dir() / "ngram-stacks"


def _load_stack(key: str) -> NgramStack | None:
    directory = _stack_dir()
    path = None if directory is None else directory / f"{key}.npz"
    if path is None or not path.exists():
        return None
    try:
        with np.load(path) as saved:
            views = [str(v) for v in saved["views"]]
            heads = {v: NgramHead(saved[f"{v}.idf"], saved[f"{v}.coef"], float(saved[f"{v}.intercept"]))
                     for v in views}
            stack = NgramStack(heads, saved["out_of_fold"])
    except (OSError, ValueError, KeyError):
        return None  # a partial or foreign file: fit again, and overwrite it
    path.touch()
    return stack


def _save_stack(key: str, stack: NgramStack) -> None:
    directory = _stack_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {"views": np.array(list(stack.heads)), "out_of_fold": stack.out_of_fold}
    for view, head in stack.heads.items():
        arrays.update({f"{view}.idf": head.idf, f"{view}.coef": head.coef, f"{view}.intercept": head.intercept})
    # Written under a temporary name and renamed, so a reader in another process never sees half a file.
    temporary = directory / f"{key}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    temporary.replace(directory / f"{key}.npz")
    kept = sorted(directory.glob("*.npz"), key=_modified, reverse=True)
    for old in kept[STACKS_ON_DISK:]:
        old.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # pruned by another process meanwhile
        return 0.0


def fit_ngram_stack(views: dict[str, list[str]], labels: np.ndarray, use_views: tuple[str, ...] = VIEWS,
                    groups: np.ndarray | None = None) -> NgramStack:
    """Each view's head on all rows and its out-of-fold logits; the same inputs give the kept stack."""
    return stack_of_counts({view: view_counts(views, view) for view in use_views}, labels, groups)


def stack_of_counts(counts: dict[str, sp.csr_matrix], labels: np.ndarray,
                    groups: np.ndarray | None = None) -> NgramStack:
    """`fit_ngram_stack` for views already counted (one matrix per view, in the heads' order)."""
    labels = np.asarray(labels)
    key = _stack_key(counts, labels, groups)
    if key in _STACKS:
        _STACKS.move_to_end(key)
        return _STACKS[key]
    stack = _load_stack(key)
    if stack is None:
        heads = {view: fit_ngram_head(matrix, labels) for view, matrix in counts.items()}
        columns = [out_of_fold_logits(matrix, labels, groups) for matrix in counts.values()]
        stack = NgramStack(heads, np.column_stack(columns) if columns else np.zeros((len(labels), 0)))
        _save_stack(key, stack)
    _STACKS[key] = stack
    while len(_STACKS) > STACKS_KEPT:
        _STACKS.popitem(last=False)
    return stack


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
               clip_quantile: float = FUSION_CLIP_QUANTILE, c: float = FUSION_C) -> FusionHead:
    """Logistic fusion on standardised columns, the two classes weighing the same in total.

    `c`: the inverse L2 penalty (FUSION_C unless a recipe chooses its own, as deep mode does).

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
    model = LogisticRegression(C=c, max_iter=5000)
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
    fusion_rows: np.ndarray | None = None,
    fusion_c: float = FUSION_C,
    sources: np.ndarray | None = None,
    genre_neighbours: int = 0,
) -> FittedHeads:
    """Fit each n-gram head on all texts and the fusion head on features + out-of-fold logits.

    `groups` (one per text) keeps related texts in one stacking fold (see `out_of_fold_logits`); an original
    text is its own group's index (as `augment.augment_texts` numbers them), an edited copy its original's.
    `fusion_rows`: the rows (indices into `views` and `labels`) the fusion head is fitted on; default
    every row. `features` and `fusion_weights` have one row per fusion row: deep mode's heads read every
    training text, its language-model features exist for a subsample only.
    `fusion_weights` weighs rows in the fusion head only (see `augment.copy_weights`).
    `fusion_anchor`, `fusion_shrink`, `fusion_clip` (its `clip_quantile`), `fusion_c` (its `c`): see `fit_fusion`.
    `genre_neighbours`: above 0, the fusion also reads each head's logit minus its mean over that many human
    training texts nearest in genre (`fit_genre_contrast`); `sources` (one per row) names where each text
    comes from, so that a training text is never read against its own source.
    """
    labels = np.asarray(labels)
    rows = np.arange(len(labels)) if fusion_rows is None else np.asarray(fusion_rows, dtype=int)
    if len(features) != len(rows):
        raise ValueError(f"{len(features)} feature rows for {len(rows)} fusion rows")
    counts = {view: view_counts(views, view) for view in use_views}
    stack = stack_of_counts(counts, labels, groups)
    columns = [features, stack.out_of_fold[rows]]
    head_names = [head_feature(v) for v in use_views]
    genre = None
    if genre_neighbours > 0 and use_views:
        genre_counts = counts[GENRE_VIEW] if GENRE_VIEW in counts else view_counts(views, GENRE_VIEW)
        genre, contrast = fit_genre_contrast(genre_counts, labels, stack.out_of_fold, head_names, genre_neighbours,
                                             groups, sources)
        columns.append(contrast[rows])
        head_names = [*head_names, *(contrast_feature(name) for name in genre.columns)]
    fusion = fit_fusion(np.hstack(columns), labels[rows], [*names, *head_names],
                        sample_weight=fusion_weights, anchor=fusion_anchor, shrink=fusion_shrink,
                        clip_quantile=fusion_clip, c=fusion_c)
    return FittedHeads(dict(stack.heads), fusion, genre)


def fit_genre_contrast(counts: sp.csr_matrix, labels: np.ndarray, values: np.ndarray, columns: list[str],
                       neighbours: int, groups: np.ndarray | None = None, sources: np.ndarray | None = None,
                       ) -> tuple[GenreReference, np.ndarray]:
    """The genre space fitted on the original training texts (`counts`: their GENRE_VIEW n-gram counts, one row
    per training row), its human originals as references carrying
    `values` (out-of-fold, so as far from their own text as a new text's are), and each row's `values`
    minus their mean over its nearest references.

    A training row never takes a reference of its own source (`sources`; without them, of its own text and
    its copies): it then sees references as a text from a source the model never saw does. Where its source
    has every human text (one source only, as KatFish's split alone), it is kept only from its own text and
    copies. Scoring (`raw_scores`, the detector) takes the nearest references whatever their source.
    """
    labels = np.asarray(labels)
    n = len(labels)
    origin = np.arange(n) if groups is None else np.asarray(groups, dtype=int)
    original = origin == np.arange(n)
    space = fit_genre_space(counts[original])
    vectors = space.embed(counts).astype(np.float32)
    reference = np.flatnonzero(original & (labels == 0))
    own = np.asarray(origin if sources is None else sources)
    if len(own) != n:
        raise ValueError(f"{len(own)} sources for {n} rows")
    # Kept as the artifact stores them, so training reads its texts exactly as scoring will.
    genre = GenreReference(space, vectors[reference], np.asarray(values, dtype=np.float32)[reference],
                           tuple(columns), neighbours)
    means = neighbour_means(vectors, genre.vectors, genre.values, neighbours, own, own[reference])
    if sources is not None and len(set(own[reference].tolist())) == 1:
        alone = np.flatnonzero(own == own[reference][0])
        means[alone] = neighbour_means(vectors[alone], genre.vectors, genre.values, neighbours, origin[alone],
                                       origin[reference])
    return genre, np.asarray(values, dtype=np.float64) - means


def raw_scores(heads: FittedHeads, features: np.ndarray, views: dict[str, list[str]]) -> np.ndarray:
    counted = [*heads.ngram_heads, *([GENRE_VIEW] if heads.genre is not None else [])]
    counts = {view: view_counts(views, view) for view in dict.fromkeys(counted)}
    columns = [features]
    for view, head in heads.ngram_heads.items():
        columns.append(_logits(head, counts[view])[:, None])
    if heads.genre is not None:
        logits = np.hstack(columns[1:])
        vectors = heads.genre.space.embed(counts[GENRE_VIEW]).astype(np.float32)
        columns.append(heads.genre.contrast(vectors, logits))
    return heads.fusion.raw(np.hstack(columns))
