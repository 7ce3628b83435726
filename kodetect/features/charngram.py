"""Character n-gram counts, hashed into a fixed-width vector.

A character n-gram model sees what morphology hides: spelling variants, spacing habits inside
words, favourite connectives and endings. Hashing keeps the shipped model small (no vocabulary to
store) and makes the transform a pure function of the text. The hash is our own, vectorised in
numpy, so detection needs neither scikit-learn nor scipy (their imports alone cost over a second
of cold start).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

N_FEATURES = 2**18
MAX_N = 3

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xFF51AFD7ED558CCD)


def hashed_ngrams(text: str) -> np.ndarray:
    """Bucket index of every character 1..3-gram of `text` (whitespace runs collapsed to one space)."""
    collapsed = " ".join(text.split())
    codes = np.frombuffer(collapsed.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    with np.errstate(over="ignore"):
        for n in range(1, MAX_N + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            h = np.full(count, _FNV_OFFSET + np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = (h ^ codes[k : k + count]) * _FNV_PRIME
            h ^= h >> np.uint64(33)
            h *= _MIX
            h ^= h >> np.uint64(29)
            parts.append((h % np.uint64(N_FEATURES)).astype(np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def ngram_weights(text: str, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sparse TF-IDF vector of one text: (bucket indices, L2-normalised sublinear tf x idf weights)."""
    buckets, counts = np.unique(hashed_ngrams(text), return_counts=True)
    weights = (1.0 + np.log(counts)) * idf[buckets]
    norm = float(np.sqrt(weights @ weights))
    return buckets, weights / norm if norm else weights


def char_ngram_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw hashed n-gram counts, one row per text, as a sparse matrix (for training)."""
    import scipy.sparse as sp

    indptr, indices, data = [0], [], []
    for text in texts:
        buckets, counts = np.unique(hashed_ngrams(text), return_counts=True)
        indices.append(buckets)
        data.append(counts.astype(np.float32))
        indptr.append(indptr[-1] + len(buckets))
    return sp.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0, np.float32),
         np.concatenate(indices) if indices else np.zeros(0, np.int64), np.array(indptr)),
        shape=(len(texts), N_FEATURES),
    )


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf, idf weighting and L2 normalisation of a count matrix (same as `ngram_weights`)."""
    import scipy.sparse as sp

    weighted = counts.astype(np.float64)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ weighted


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency over the training texts."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
