"""Reading a text against the people who write most like it.

The n-gram heads learn whatever separates the training sides, and in the training data most genres are
written by one side only (AI tweets, human petitions). So a head's logit mixes "written by a model" with
"written in a genre the models wrote": a person writing in a genre that only models wrote in training looks
AI-like, and a model writing in a people-only genre looks human. Subtracting the mean logit of the human
training texts nearest in genre takes the genre's share out of the logit (bench/results/generalize_choices.md,
"neighbour contrast").

The genre space is a low-rank projection (truncated SVD) of character n-gram TF-IDF over the most common
buckets: what a text is about and how it is laid out, not who wrote it. Inference needs numpy only; fitting
(`fit_genre_space`) reads a scipy count matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

GENRE_VIEW = "char_ngram"
GENRE_DIMENSIONS = 64
# The most common character n-gram buckets the space is fitted on; rarer n-grams say more about a text's
# topic than its genre, and keeping every bucket would make the projection tens of megabytes.
GENRE_BUCKETS = 20_000
CONTRAST_SUFFIX = "_vs_genre"
_BLOCK = 2048


def contrast_feature(column: str) -> str:
    """Name of the fusion feature that carries `column` minus its mean over the nearest human texts."""
    return f"{column}{CONTRAST_SUFFIX}"


@dataclass(frozen=True)
class GenreSpace:
    """Projection of a text's character n-gram buckets onto a unit vector in the genre space."""

    buckets: np.ndarray  # sorted ids of the kept hash buckets
    idf: np.ndarray  # one per kept bucket
    components: np.ndarray  # (dimensions, kept buckets), float16

    @property
    def dimensions(self) -> int:
        return int(self.components.shape[0])

    def embed_buckets(self, buckets: np.ndarray) -> np.ndarray:
        """One text's unit vector (zeros when none of its n-grams is kept)."""
        index, counts = np.unique(np.asarray(buckets), return_counts=True)
        position = np.searchsorted(self.buckets, index)
        position = np.minimum(position, len(self.buckets) - 1)
        kept = self.buckets[position] == index
        weights = (1.0 + np.log(counts[kept])) * self.idf[position[kept]]
        vector = self.components[:, position[kept]].astype(np.float64) @ weights
        return _unit(vector[None, :])[0]

    def embed(self, counts: sp.csr_matrix) -> np.ndarray:
        """Unit vectors of many texts from their raw bucket counts (rows as `counts_matrix` makes them)."""
        from kodetect.features.ngrams import tfidf

        weighted = tfidf(counts[:, self.buckets], self.idf)
        return _unit(np.asarray(weighted @ self.components.T.astype(np.float64)))


def fit_genre_space(counts: sp.csr_matrix, dimensions: int = GENRE_DIMENSIONS,
                    max_buckets: int = GENRE_BUCKETS) -> GenreSpace:
    """Fit the space on the training texts' character n-gram counts (one row per text)."""
    from sklearn.decomposition import TruncatedSVD

    from kodetect.features.ngrams import fit_idf, tfidf

    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    order = np.argsort(-document_frequency, kind="stable")[:max_buckets]
    buckets = np.sort(order[document_frequency[order] > 0])
    kept = counts[:, buckets]
    idf = fit_idf(kept)
    svd = TruncatedSVD(min(dimensions, kept.shape[0] - 1, len(buckets) - 1), random_state=0)
    svd.fit(tfidf(kept, idf))
    # Half precision keeps the artifact small (a neighbour search needs no more); training uses the projection
    # as stored, so it places its texts exactly as scoring will.
    return GenreSpace(buckets.astype(np.int64), idf.astype(np.float32), svd.components_.astype(np.float16))


def neighbour_means(vectors: np.ndarray, reference_vectors: np.ndarray, reference_values: np.ndarray, k: int,
                    groups: np.ndarray | None = None, reference_groups: np.ndarray | None = None) -> np.ndarray:
    """For each row of `vectors`, the mean of `reference_values` over its `k` most similar references (cosine).

    With `groups`, a row never takes a reference of its own group: a training text then meets references as a
    text of an unseen source does. An empty group ("") excludes nothing.
    """
    k = min(k, len(reference_vectors))
    means = np.empty((len(vectors), reference_values.shape[1]))
    for start in range(0, len(vectors), _BLOCK):
        stop = min(start + _BLOCK, len(vectors))
        similarity = vectors[start:stop] @ reference_vectors.T
        if groups is not None and reference_groups is not None:
            similarity[groups[start:stop, None] == reference_groups[None, :]] = -np.inf
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        # Where fewer than k references are allowed (tiny training sets), the excluded ones do not count.
        allowed = np.isfinite(np.take_along_axis(similarity, nearest, axis=1))
        total = (reference_values[nearest] * allowed[:, :, None]).sum(axis=1)
        count = allowed.sum(axis=1)[:, None]
        means[start:stop] = np.where(count > 0, total / np.maximum(count, 1), reference_values.mean(axis=0))
    return means


@dataclass(frozen=True)
class GenreReference:
    """The human training texts a scored text is read against: where they lie in the genre space and what
    the model's columns (`columns`, out-of-fold for the heads) said of them."""

    space: GenreSpace
    vectors: np.ndarray  # (references, dimensions), unit rows
    values: np.ndarray  # (references, len(columns))
    columns: tuple[str, ...]
    neighbours: int

    def means(self, vectors: np.ndarray) -> np.ndarray:
        """Each column's mean over the references nearest to each row of `vectors` (whatever their source)."""
        return neighbour_means(np.asarray(vectors, dtype=np.float32), self.vectors, self.values, self.neighbours)

    def contrast(self, vectors: np.ndarray, values: np.ndarray) -> np.ndarray:
        """`values` (one column per name in `columns`) minus their mean over each row's nearest references."""
        return values - self.means(vectors)


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
