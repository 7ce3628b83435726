"""The fast-mode training recipe as a function, so protocols can retrain it on any split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kodetect.eval.protocols import Scorer
from kodetect.training.featurize import featurize
from kodetect.training.fit import fit_heads, raw_scores


def fast_recipe(texts: Sequence[str], labels: np.ndarray, use_char_ngram: bool = True) -> Scorer:
    features, names, analysed = featurize(list(texts), progress=False)
    heads = fit_heads(features, names, analysed, np.asarray(labels), use_char_ngram=use_char_ngram)

    def score(test_texts: Sequence[str]) -> np.ndarray:
        test_features, _, test_analysed = featurize(list(test_texts), progress=False)
        return raw_scores(heads, test_features, test_analysed)

    return score


def stylometry_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    return fast_recipe(texts, labels, use_char_ngram=False)
