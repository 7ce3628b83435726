"""Hashed n-gram views of a text: characters, morphemes with their part-of-speech tags, and eojeols.

Three complementary views, each read by its own logistic head:

* characters (1-3-grams) see what morphology hides: spelling variants, spacing habits inside
  words, favourite connectives;
* morphemes (1-3-grams) keep function morphemes as `form/tag` (particles, endings, copulas,
  auxiliaries, conjunctive adverbs, punctuation) and reduce content words to their tag, so the
  head learns how sentences are built (KatFish's POS and particle patterns) rather than topics;
* eojeols (space-separated words, 1-2-grams) see whole inflected words and set phrases ("수 있습니다",
  "다양한 방법") that three characters cut apart. Chosen on sources left out of training
  (bench/results/generalize_choices.md): with it the worst held-out human source is called AI less
  often and more AI texts of unseen sources are caught.

Hashing keeps the shipped model small (no vocabulary) and the transform a pure function. The hash
is our own, vectorised in numpy, so detection needs neither scikit-learn nor scipy at run time
(their imports alone cost over a second of cold start).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from kodetect.text.segment import Morpheme, Sentence

if TYPE_CHECKING:
    import scipy.sparse as sp

N_BUCKETS = 2**18
MAX_N = 3
WORD_MAX_N = 2
VIEWS = ("char_ngram", "morph_ngram", "word_ngram")
# The string each view's n-grams are read from: the eojeol view splits the character view's string.
VIEW_STRING = {"char_ngram": "char_ngram", "morph_ngram": "morph_ngram", "word_ngram": "char_ngram"}

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SALT_STEP = np.uint64(0x9E3779B1)
_KEEP_FORM = frozenset({"VX", "VCP", "VCN", "MAJ", "SF", "SP", "SS", "SE", "SO"})


def hash_ngrams(units: np.ndarray, n_max: int = MAX_N, width: int = N_BUCKETS, n_min: int = 1,
                salt: int = 0) -> np.ndarray:
    """Bucket (0..width-1) of every n-gram, n_min <= n <= n_max, of a sequence of 64-bit unit codes.

    `salt` gives another view its own buckets (the attribution classifier hashes several views into
    one width); 0 is the detector's heads.
    """
    parts = []
    with np.errstate(over="ignore"):
        for n in range(n_min, n_max + 1):
            count = len(units) - n + 1
            if count <= 0:
                break
            h = np.full(count, _FNV_OFFSET + np.uint64(n) + np.uint64(salt) * _SALT_STEP, dtype=np.uint64)
            for k in range(n):
                h = (h ^ units[k : k + count]) * _FNV_PRIME
            h ^= h >> np.uint64(33)
            h *= _MIX
            h ^= h >> np.uint64(29)
            parts.append((h % np.uint64(width)).astype(np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def char_view(sentences: Sequence[Sentence]) -> str:
    return " ".join("\n".join(s.text for s in sentences).split())


def morph_view(sentences: Sequence[Sentence]) -> str:
    """Function morphemes as form/tag, content morphemes as their tag, space-separated."""
    return " ".join(_morph_unit(t) for s in sentences for t in s.tokens)


def _morph_unit(token: Morpheme) -> str:
    tag = token.tag
    if tag[0] in "JEX" or tag in _KEEP_FORM:
        return f"{token.form}/{tag}"
    return tag


def view_buckets(view: str, value: str) -> np.ndarray:
    """Hashed n-gram buckets of one view's string (as made by `char_view` / `morph_view`).

    `word_ngram` reads the character view's string as space-separated eojeols (1-2-grams).
    """
    if view == "char_ngram":
        units = np.frombuffer(value.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        return hash_ngrams(units)
    units = np.array([zlib.crc32(u.encode("utf-8")) for u in value.split()], dtype=np.uint64)
    return hash_ngrams(units, n_max=WORD_MAX_N) if view == "word_ngram" else hash_ngrams(units)


def tfidf_vector(buckets: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One text's TF-IDF vector: (bucket indices, L2-normalised sublinear tf x idf weights)."""
    index, counts = np.unique(buckets, return_counts=True)
    weights = (1.0 + np.log(counts)) * idf[index]
    norm = float(np.sqrt(weights @ weights))
    return index, weights / norm if norm else weights


# --- training only (scipy is imported lazily) ------------------------------------------------

def counts_matrix(bucket_lists: Iterable[np.ndarray], width: int = N_BUCKETS) -> sp.csr_matrix:
    """Raw n-gram counts, one row per text."""
    import scipy.sparse as sp

    indptr, indices, data = [0], [], []
    for buckets in bucket_lists:
        index, counts = np.unique(buckets, return_counts=True)
        indices.append(index)
        data.append(counts.astype(np.float64))
        indptr.append(indptr[-1] + len(index))
    return sp.csr_matrix(
        (np.concatenate([np.zeros(0), *data]), np.concatenate([np.zeros(0, np.int64), *indices]), np.array(indptr)),
        shape=(len(indptr) - 1, width),
    )


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Row-wise the same transform as `tfidf_vector`, for a count matrix."""
    import scipy.sparse as sp

    weighted = counts.astype(np.float64)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ weighted


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency over the training texts."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1.0).astype(np.float32)
