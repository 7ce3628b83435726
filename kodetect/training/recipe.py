"""The fast-mode training recipe as a function, so protocols can retrain it on any split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kodetect.eval.protocols import Scorer
from kodetect.features.ngrams import VIEWS
from kodetect.training.featurize import featurize
from kodetect.training.fit import fit_heads, raw_scores


def fast_recipe(texts: Sequence[str], labels: np.ndarray, use_views: tuple[str, ...] = VIEWS) -> Scorer:
    features, names, views = featurize(list(texts), progress=False)
    heads = fit_heads(features, names, views, np.asarray(labels), use_views=use_views)

    def score(test_texts: Sequence[str]) -> np.ndarray:
        test_features, _, test_views = featurize(list(test_texts), progress=False)
        return raw_scores(heads, test_features, test_views)

    return score


def stylometry_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    return fast_recipe(texts, labels, use_views=())
