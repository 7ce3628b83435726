"""Character n-gram counts, hashed into a fixed-width sparse vector.

A character n-gram model sees what morphology hides: spelling variants, spacing habits inside
words, favourite connectives and endings. Hashing keeps the shipped model small (no vocabulary to
store) and makes the transform a pure function of the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**18
NGRAM_RANGE = (1, 3)

_vectorizer = HashingVectorizer(
    analyzer="char",
    ngram_range=NGRAM_RANGE,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)


def char_ngram_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw hashed counts of character 1-3-grams, one row per text (whitespace runs collapsed)."""
    return _vectorizer.transform([" ".join(t.split()) for t in texts]).tocsr()


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf, idf weighting and L2 normalisation, as scikit-learn's TfidfTransformer does."""
    weighted = counts.copy()
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf.astype(np.float32)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags((1.0 / norms).astype(np.float32)) @ weighted


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency over the training texts."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
