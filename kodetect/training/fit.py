"""Fitting the heads of a `FastModel` from feature matrices and texts (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from kodetect.features.charngram import char_ngram_counts, fit_idf, tfidf
from kodetect.scoring.model import CHAR_NGRAM_FEATURE, CharNgramHead, FusionHead

CHAR_NGRAM_C = 4.0
FUSION_C = 0.5
STACKING_FOLDS = 5


@dataclass(frozen=True)
class FittedHeads:
    char_ngram: CharNgramHead
    fusion: FusionHead


def fit_char_ngram(counts: sp.csr_matrix, labels: np.ndarray) -> CharNgramHead:
    idf = fit_idf(counts)
    model = LogisticRegression(C=CHAR_NGRAM_C, max_iter=2000, class_weight="balanced", solver="liblinear")
    model.fit(tfidf(counts, idf), labels)
    return CharNgramHead(idf, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def out_of_fold_char_logits(counts: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Char n-gram logits for each training text from a head that never saw it (for stacking)."""
    logits = np.zeros(counts.shape[0])
    splitter = StratifiedKFold(STACKING_FOLDS, shuffle=True, random_state=0).split(counts, labels)
    for train_idx, test_idx in splitter:
        head = fit_char_ngram(counts[train_idx], labels[train_idx])
        weighted = tfidf(counts[test_idx], head.idf)
        logits[test_idx] = np.asarray(weighted @ head.coef).ravel() + head.intercept
    return logits


def fit_fusion(matrix: np.ndarray, labels: np.ndarray, names: list[str]) -> FusionHead:
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standardized = (matrix - mean) / scale
    model = LogisticRegression(C=FUSION_C, max_iter=5000, class_weight="balanced")
    model.fit(standardized, labels)
    return FusionHead(list(names), mean, scale, model.coef_[0], float(model.intercept_[0]))


def fit_heads(
    features: np.ndarray,
    names: list[str],
    texts: list[str],
    labels: np.ndarray,
    use_char_ngram: bool = True,
) -> FittedHeads:
    """Fit the char n-gram head on all texts and the fusion head on features + out-of-fold logits.

    Out-of-fold logits keep the fusion head from trusting char n-gram scores of texts the char head
    memorised. (Folds grouped by source were tried: a held-out source often gets inverted char
    logits, and the fusion head then learned to distrust a useful signal; LOSO AUROC dropped.)
    """
    labels = np.asarray(labels)
    counts = char_ngram_counts(texts)
    char_head = fit_char_ngram(counts, labels)
    if use_char_ngram:
        stacked = np.column_stack([features, out_of_fold_char_logits(counts, labels)])
        fusion = fit_fusion(stacked, labels, [*names, CHAR_NGRAM_FEATURE])
    else:
        fusion = fit_fusion(features, labels, list(names))
    return FittedHeads(char_head, fusion)


def raw_scores(heads: FittedHeads, features: np.ndarray, texts: list[str]) -> np.ndarray:
    if heads.fusion.names and heads.fusion.names[-1] == CHAR_NGRAM_FEATURE:
        features = np.column_stack([features, heads.char_ngram.logits(texts)])
    return heads.fusion.raw(features)
