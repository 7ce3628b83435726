"""Training recipes as functions, so protocols can retrain them on any split.

A recipe is `fit(texts, labels) -> score(texts) -> np.ndarray` (higher = more AI-like).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import partial

import numpy as np

from kodetect.eval.protocols import Recipe, Scorer
from kodetect.features.language_model import LM_FEATURES, ZERO_SHOT_DIRECTION
from kodetect.features.ngrams import VIEWS
from kodetect.training.augment import augment_texts, copy_weights
from kodetect.training.featurize import featurize
from kodetect.training.fit import FUSION_C, FUSION_CLIP_QUANTILE, FittedHeads, fit_fusion, fit_heads, raw_scores
from kodetect.training.lm_featurize import lm_feature_matrix

# How many human training texts nearest in genre fast mode reads its n-gram heads' logits against
# (`kodetect.features.genre`); 0: not at all (kodetect-fast up to 0.1.0+c19ab0fe09).
# Chosen on sources left out of training (`kodetect train --genre-neighbours 50`, the card's out_of_source;
# bench/experiments/generalize_choices.py, bench/results/generalize_choices.md): with 50, AI texts of unseen
# sources caught at held-out low-fpr cuts 40.4% -> 46.8%, the worst held-out human source 0.24% -> 0.61% called
# AI (every one of 100 texts or more under 1%); with it, fast mode's uncertain band is 10% as deep mode's
# (kodetect.calibration.thresholds.UNCERTAIN_SHARE), which holds every held-out source at or under 15.4%.
FAST_GENRE_NEIGHBOURS = 50


def fit_fast(texts: Sequence[str], labels: np.ndarray, use_views: tuple[str, ...] = VIEWS,
             sources: Sequence[str] | None = None, genre_neighbours: int | None = None) -> FittedHeads:
    """The shipped fast mode's classifier: the texts plus edited copies (see `augment.py`).

    `sources` (one per text): where each comes from, so that reading against the nearest human texts never
    reads a training text against its own source. `genre_neighbours`: default FAST_GENRE_NEIGHBOURS."""
    texts, labels, groups = augment_texts(texts, labels)
    features, names, views = featurize(texts, progress=False)
    return fit_heads(features, names, views, labels, use_views=use_views, groups=groups,
                     sources=None if sources is None else np.asarray(sources)[groups],
                     genre_neighbours=FAST_GENRE_NEIGHBOURS if genre_neighbours is None else genre_neighbours)


def _scorer(heads: FittedHeads, features: Callable) -> Scorer:
    def score(test_texts: Sequence[str]) -> np.ndarray:
        test_features, _, test_views = features(list(test_texts))
        return raw_scores(heads, test_features, test_views)

    return score


def fast_recipe(texts: Sequence[str], labels: np.ndarray, use_views: tuple[str, ...] = VIEWS,
                sources: Sequence[str] | None = None, genre_neighbours: int | None = None) -> Scorer:
    heads = fit_fast(texts, labels, use_views, sources, genre_neighbours)
    return _scorer(heads, lambda t: featurize(t, progress=False))


def stylometry_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    return fast_recipe(texts, labels, use_views=())


def deep_features(
    texts: Sequence[str], progress: bool = False
) -> tuple[np.ndarray, list[str], dict[str, list[str]]]:
    """The fast features with the language-model family appended (LM scores come from the cache)."""
    features, names, views = featurize(list(texts), progress=progress)
    lm = lm_feature_matrix(list(texts), progress=progress)
    return np.hstack([features, lm]), [*names, *LM_FEATURES], views


# Weight of an edited copy in deep mode's fusion head (its n-gram heads take copies at full weight).
# A copy's new endings shift its language-model scores as much as authorship does, so at full weight
# the fusion learns to trust those scores less, and genres it never saw pay for it. Chosen on dev/ data
# only (`python bench/experiments/copy_weight.py`, bench/results/copy_weight.md): leaving one dev genre out, mean
# AUROC 93.14 at weight 1, 93.70 at 0.25, 94.19 at 0; an ending switch moved validation scores 1.35x
# as far at 0.25 as at 1, and 1.60x at 0 (without copies in its fusion, deep mode had missed the
# 3-point ending-switch target). 0.25 takes half of the transfer gain for a third more movement.
DEEP_COPY_WEIGHT = 0.25


def _core_factor(core_shrink: float, name: str) -> float:
    return 1.0 if name in LM_FEATURES else core_shrink


# Deep mode's fusion penalty when its n-gram heads read the full pools (`fusion_texts`): the fusion is fitted on
# the language-model subsample only, a fifth of the texts the heads saw, and leans too hard on their logits
# at fast mode's C. Chosen on sources left out of training (bench/experiments/generalize_choices.py
# --deep-full-heads, bench/results/generalize_choices.md): the strongest penalty that keeps every held-out
# human source under 1% called AI at held-out `low-fpr` cuts. Without the genre contrast that was 0.1
# (kodetect-deep up to 0.1.0+4c42c88c68); with it (DEEP_GENRE_NEIGHBOURS), 0.05: at 0.03 a human source
# passes the bar (3 of 170 K-OMG tweets).
DEEP_FULL_HEADS_FUSION_C = 0.05


# How many human training texts nearest in genre deep mode reads its n-gram heads' logits against, as fast mode
# does (FAST_GENRE_NEIGHBOURS); 0: not at all (kodetect-deep up to 0.1.0+4c42c88c68). The references are every
# human text its heads read (the full training pool), not only the language-model subsample. Chosen on sources
# left out of training (`generalize_choices.py --deep-full-heads 0.1,0.05 --deep-genre-neighbours 20,50,100`):
# with 50 and DEEP_FULL_HEADS_FUSION_C, AI texts of unseen sources caught at held-out low-fpr cuts 56.4% ->
# 59.3%, every AI source the same or higher, the worst held-out human source 0.59% called AI either way; with
# 20, a human source passes 1%.
DEEP_GENRE_NEIGHBOURS = 50


def fit_deep(texts: Sequence[str], labels: np.ndarray, copy_weight: float = DEEP_COPY_WEIGHT,
             anchor: dict[str, float] | None = None, core_shrink: float = 1.0,
             clip_quantile: float = FUSION_CLIP_QUANTILE, fusion_texts: Collection[str] | None = None,
             fusion_c: float = FUSION_C, sources: Sequence[str] | None = None,
             genre_neighbours: int | None = None) -> FittedHeads:
    """The shipped deep mode's classifier: the texts plus edited copies, each with its own language-model
    features (a copy's endings change what the model predicts, so it cannot borrow its original's).

    `fusion_texts`: the texts whose language-model features the fusion head is fitted on (with their
    edited copies); the n-gram heads read every text. None: every text, as the shipped model does.
    `fusion_c`: the fusion's penalty (DEEP_FULL_HEADS_FUSION_C goes with `fusion_texts`).
    `anchor` and `core_shrink` (see `fit_fusion`; the latter shrinks every column but the LM features)
    are measured, not shipped: leaning more on the zero-shot scores lifted transfer to unseen dev genres
    a little and cost more in-domain (bench/experiments/zero_shot_anchor.py, bench/experiments/core_shrink.py).
    `clip_quantile`: the fusion's column clipping (see `fit_fusion`); other values are for experiments.
    `sources` and `genre_neighbours` (default DEEP_GENRE_NEIGHBOURS): as in `fit_fast`.
    """
    n_originals = len(texts)
    all_texts, labels, groups = augment_texts(texts, labels)
    features, names, views = featurize(all_texts, progress=False)
    if fusion_texts is None:
        rows = np.arange(len(all_texts))
    else:
        chosen = fusion_texts if isinstance(fusion_texts, (set, frozenset)) else set(fusion_texts)
        rows = np.flatnonzero([texts[original] in chosen for original in groups])
        if len(rows) == 0:
            raise ValueError("none of the training texts is among the fusion texts")
    lm = lm_feature_matrix([all_texts[i] for i in rows], progress=False)
    weights = copy_weights(len(all_texts), n_originals, copy_weight)[rows]
    return fit_heads(np.hstack([features[rows], lm]), [*names, *LM_FEATURES], views, labels, groups=groups,
                     fusion_weights=weights, fusion_anchor=anchor,
                     fusion_shrink=partial(_core_factor, core_shrink), fusion_clip=clip_quantile,
                     fusion_rows=rows, fusion_c=fusion_c,
                     sources=None if sources is None else np.asarray(sources)[groups],
                     genre_neighbours=DEEP_GENRE_NEIGHBOURS if genre_neighbours is None else genre_neighbours)


def deep_recipe(texts: Sequence[str], labels: np.ndarray, copy_weight: float = DEEP_COPY_WEIGHT,
                anchor: dict[str, float] | None = None, core_shrink: float = 1.0,
                clip_quantile: float = FUSION_CLIP_QUANTILE, fusion_texts: Collection[str] | None = None,
                fusion_c: float = FUSION_C, sources: Sequence[str] | None = None,
                genre_neighbours: int | None = None) -> Scorer:
    heads = fit_deep(texts, labels, copy_weight, anchor, core_shrink, clip_quantile, fusion_texts, fusion_c,
                     sources, genre_neighbours)
    return _scorer(heads, deep_features)


def lm_fusion_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    """Logistic regression on the language-model features alone (an ablation of deep mode)."""
    head = fit_fusion(lm_feature_matrix(list(texts), progress=False), np.asarray(labels), list(LM_FEATURES))

    def score(test_texts: Sequence[str]) -> np.ndarray:
        return head.raw(lm_feature_matrix(list(test_texts), progress=False))

    return score


def zero_shot_recipe(feature: str) -> Recipe:
    """One LM score used as it is, oriented by the literature; the training texts are ignored."""
    column, direction = LM_FEATURES.index(feature), ZERO_SHOT_DIRECTION[feature]

    def fit(texts: Sequence[str], labels: np.ndarray) -> Scorer:
        def score(test_texts: Sequence[str]) -> np.ndarray:
            return direction * lm_feature_matrix(list(test_texts), progress=False)[:, column]

        return score

    return fit
