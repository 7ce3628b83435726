"""Fitting the family classifier (scikit-learn, training only) and turning its margins into probabilities.

A linear one-vs-rest SVM per family over the concatenated TF-IDF views, every family weighing the
same in total and, within a family, every source it comes from weighing the same (`cell_weights`):
otherwise the family is mostly the habits of its largest source. Judged on sources left out of
training (bench/results/attribution_choices.md), those weights named the right family more often on
a new source, at about the same accuracy on new prompts. The SVM was chosen over multinomial
logistic regression because, tried during development on the same views and one fold of held-out
prompts, it was no less accurate and fitted about 25 times faster, which is what lets the report
retrain it for every split. Its margins become probabilities through one temperature fitted on
held-out prompts (`fit_temperature`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from kodetect.attribution.features import VIEWS, WIDTH, view_buckets
from kodetect.attribution.model import AttributionModel, ViewHead
from kodetect.eval.attribution import AttributionExample, Fit, Predict
from kodetect.features.ngrams import counts_matrix, fit_idf, tfidf

SVM_C = 0.25


@dataclass
class Corpus:
    """Count matrices of every view for a fixed list of examples, so protocols slice instead of rehashing."""

    examples: list[AttributionExample]
    counts: dict[str, sp.csr_matrix]

    def __post_init__(self) -> None:
        self._row = {e.id: i for i, e in enumerate(self.examples)}

    def rows(self, examples: Sequence[AttributionExample]) -> np.ndarray:
        return np.array([self._row[e.id] for e in examples], dtype=int)


def build_corpus(examples: Sequence[AttributionExample], strings: Sequence[dict[str, str]],
                 views: Sequence[str] = VIEWS) -> Corpus:
    """`strings[i]` are example i's view strings (see features.view_strings)."""
    return Corpus(list(examples), {v: counts_matrix([view_buckets(v, s) for s in strings], WIDTH) for v in views})


def cell_weights(labels: Sequence[int] | np.ndarray, sources: Sequence[str]) -> np.ndarray:
    """Sample weights under which every family totals the same and, within a family, every source
    totals the same; their mean is 1, so the SVM's C keeps its meaning."""
    labels = np.asarray(labels)
    cells = Counter(zip(labels.tolist(), sources, strict=True))
    weights = np.array([1.0 / cells[cell] for cell in zip(labels.tolist(), sources, strict=True)])
    for label in np.unique(labels):
        weights[labels == label] /= weights[labels == label].sum()
    return weights * len(weights) / weights.sum()


def fit_heads(corpus: Corpus, rows: np.ndarray, labels: np.ndarray, n_families: int,
              views: Sequence[str] = VIEWS, c: float = SVM_C) -> tuple[dict[str, ViewHead], np.ndarray]:
    """Fit on `rows` of the corpus with family indices `labels`; returns per-view heads and the intercepts.

    A family absent from `rows` gets zero coefficients and a very low intercept, so the columns
    always follow the full family list.
    """
    idfs = {v: fit_idf(corpus.counts[v][rows]) for v in views}
    design = sp.hstack([tfidf(corpus.counts[v][rows], idfs[v]) for v in views]).tocsr()
    svm = LinearSVC(C=c, random_state=0)
    svm.fit(design, labels, sample_weight=cell_weights(labels, [corpus.examples[i].source for i in rows]))
    coef = np.zeros((design.shape[1], n_families), dtype=np.float32)
    intercept = np.full(n_families, -10.0)
    present = svm.classes_.astype(int)
    if len(present) == 2:  # sklearn keeps one margin for two classes: class 1's
        coef[:, present[1]] = svm.coef_[0]
        coef[:, present[0]] = -svm.coef_[0]
        intercept[present] = [-svm.intercept_[0], svm.intercept_[0]]
    else:
        coef[:, present] = svm.coef_.T
        intercept[present] = svm.intercept_
    heads = {v: ViewHead(idfs[v], coef[i * WIDTH:(i + 1) * WIDTH]) for i, v in enumerate(views)}
    return heads, intercept


def margins(heads: dict[str, ViewHead], intercept: np.ndarray, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
    out = np.tile(intercept, (len(rows), 1)).astype(np.float64)
    for view, head in heads.items():
        out += np.asarray(tfidf(corpus.counts[view][rows], head.idf) @ head.coef.astype(np.float64))
    return out


def recipe(corpus: Corpus, families: Sequence[str], views: Sequence[str] = VIEWS, c: float = SVM_C) -> Fit:
    """A `Fit` for the protocols in kodetect.eval.attribution: margins, one column per family."""
    index = {f: i for i, f in enumerate(families)}

    def fit(train: Sequence[AttributionExample]) -> Predict:
        rows = corpus.rows(train)
        heads, intercept = fit_heads(corpus, rows, np.array([index[e.family] for e in train]), len(families),
                                     views, c)

        def predict(test: Sequence[AttributionExample]) -> np.ndarray:
            return margins(heads, intercept, corpus, corpus.rows(test))

        return predict

    return fit


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = temperature * np.asarray(scores, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of `softmax(t x scores)` (log-grid, then refined)."""

    def nll(t: float) -> float:
        p = softmax(scores, t)[np.arange(len(labels)), labels]
        return float(-np.mean(np.log(np.clip(p, 1e-12, None))))

    grid = np.exp(np.linspace(math.log(0.05), math.log(100.0), 121))
    best = min(grid, key=nll)
    fine = best * np.exp(np.linspace(-0.06, 0.06, 25))
    return float(min(fine, key=nll))


def to_model(heads: dict[str, ViewHead], intercept: np.ndarray, families: Sequence[str], temperature: float,
             cut: float) -> AttributionModel:
    return AttributionModel(list(families), heads, np.asarray(intercept, dtype=np.float64), temperature, cut)
