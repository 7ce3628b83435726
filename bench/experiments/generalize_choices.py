"""Fast mode's modelling choices judged by what holds on a source left out of training (issue 18).

Each variant of the fast recipe is fitted once per source without that source (the same protocol as
`kodetect.eval.protocols.out_of_source`, on the shipped pools) and read three ways:

* pooled AUROC vs unseen sources: every text scored by a model that never saw its source, every
  source weighing the same (`kodetect.eval.heldout.pooled_unseen_auroc`);
* the classic leave-one-source-out mean and worst AUROC (a held-out source against the validation
  texts of the other side);
* `low-fpr` at thresholds chosen without the source (`kodetect.eval.heldout.heldout_rates`): the worst
  human source's share called AI, the mean AI source's share caught, the largest uncertain share.

To keep a variant to minutes rather than hours, features and hashed n-gram counts are computed once
and every fold slices them; the n-gram heads, their out-of-fold logits and the fusion are refitted per
fold exactly as `kodetect.training.fit.fit_heads` does (the variants change one of its settings). A head's
columns are kept on disk (the kodetect cache's `experiments/` folder, keyed by the pools and the head's
settings), so a later run of a variant that shares the shipped heads refits only its fusion.

    python bench/experiments/generalize_choices.py                       # every variant (hours on 2 cores)
    python bench/experiments/generalize_choices.py --variants shipped,ngram-c-1
    python bench/experiments/generalize_choices.py --variants "" --deep-clips 0,0.05   # deep mode's fusion
    python bench/experiments/generalize_choices.py --variants "" --deep-clips 0.05 --uncertain-shares 0.15,0.1
    python bench/experiments/generalize_choices.py --variants "" --deep-full-heads 0.5,0.1   # deep, per fusion C
    python bench/experiments/generalize_choices.py --variants "" --deep-full-heads 0.1 --deep-fusion-per-cell 240
    python bench/experiments/generalize_choices.py --variants "" --deep-full-heads 0.1,0.05 --deep-genre-neighbours 0,50
    python bench/experiments/generalize_choices.py --variants shipped,neighbour-contrast-heads --attack

`--deep-clips` runs deep mode's recipe as `kodetect train --mode deep` does, on its language-model subsample.
`--deep-full-heads` is a candidate recipe rebuilt from this script's cached columns: deep mode's n-gram heads
fitted on the full pools, as fast mode's are, and its fusion (with the language-model features) on the
subsample, once per fusion penalty; the penalties share one set of n-gram fits. `--deep-fusion-per-cell` fits that
fusion on a larger stable subsample (a superset of deep mode's), scoring the same texts. `--deep-genre-neighbours`
adds the genre contrast to that fusion (each head's logit against the k human training texts nearest in genre).

Result: bench/results/generalize_choices.md. Measured: of the recipe's settings (weights, penalties,
vocabulary, stacking folds) none beat the recipe on both the pooled AUROC and the held-out `low-fpr`
rates by more than noise. Clipping every fusion column to its training range (`FUSION_CLIP_QUANTILE`)
was adopted for what it does in deep mode, where a few extreme language-model or stylometric values of
a new source (tweets) had driven the held-out `low-fpr` cut; fast mode is unchanged within noise. A
third n-gram head on eojeols (`word_ngram`) was adopted: every reading moved the right way in both
modes, and the worst held-out human source called AI at `low-fpr` halved. A fourth on character 4-grams
(`char-4gram-head`), the TF-IDF baseline's own model as a head (`baseline-head`, `baseline-head-only`) and deep
mode's fusion on more texts (`--deep-fusion-per-cell`) were not. Without the edited copies (`no-copies`) fast mode
catches far more AI texts of unseen sources and calls far more of one human source AI; not adopted either. Neither
can one side's copies go (`ai-copies-only`, `human-copies-only`; bench/experiments/copy_sides_attack.py reads what
each does to the ending-switch attack) nor can the fusion take its copies at a lower weight (`fusion-copy-weight-*`).
Read against the human writing nearest in genre (`neighbour-contrast-heads`: the heads' logits minus their mean over
the 20 nearest human training texts of other sources) fast mode catches 8 points more of every unseen AI source at
`low-fpr` with every held-out human source still under 1%, and holds the ending switch better; a candidate for the
recipe, not yet in it (it needs the reference texts in the artifact, see the results). The same contrast on every
column, on the stylometric ones alone, scaled by closeness, and gradient-boosted trees as the fusion were not.
The contrast was then adopted in fast mode (50 neighbours), and in deep mode with a stronger fusion penalty (C 0.05),
which without it had called too many of one human source AI.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kodetect.calibration.thresholds import (  # noqa: E402
    DEEP_UNCERTAIN_SHARE,
    UNCERTAIN_SHARE,
    source_balanced_weights,
)
from kodetect.eval.attacks import REGISTERS, endings_in_register  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.heldout import heldout_rates, pooled_unseen_auroc, pooled_unseen_tpr  # noqa: E402
from kodetect.eval.protocols import SourceHoldout, leave_one_source_out, out_of_source  # noqa: E402
from kodetect.features.genre import neighbour_means  # noqa: E402
from kodetect.features.ngrams import N_BUCKETS, VIEWS  # noqa: E402
from kodetect.model.shipped import MIN_HANGUL  # noqa: E402
from kodetect.training.augment import copy_weights, edited_copies  # noqa: E402
from kodetect.training.dataset import build_sets  # noqa: E402
from kodetect.training.featurize import featurize  # noqa: E402
from kodetect.training.fit import (  # noqa: E402
    FUSION_C,
    FUSION_CLIP_QUANTILE,
    NGRAM_C,
    STACKING_FOLDS,
    clip_bounds,
    fit_ngram_head,
    view_counts,
)
from kodetect.training.fit import _logits as head_logits  # noqa: E402

OUT = ROOT / "bench" / "results" / "generalize_choices.md"
NEIGHBOURS = 20
GENRE_DIMENSIONS = 64


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    ngram_c: float = NGRAM_C
    fusion_c: float = FUSION_C
    views: tuple[str, ...] = VIEWS
    source_weights: bool = False  # every source the same total weight in the heads and the fusion
    folds_by_source: bool = False  # out-of-fold n-gram logits with whole sources held out
    shared_vocabulary: int = 0  # keep n-grams seen in at least this many human and this many AI sources
    drop: tuple[str, ...] = field(default=())  # stylometric feature families left out (name prefixes)
    clip_quantile: float = FUSION_CLIP_QUANTILE  # fusion columns held within their [q, 1 - q] training quantiles
    # Whose edited copies (`kodetect.training.augment`) the heads and the fusion train on: 0 human, 1 AI, () none.
    copy_labels: tuple[int, ...] = (0, 1)
    copy_weight: float = 1.0  # an edited copy's row weight in the heads and the fusion
    # A copy's row weight in the fusion only, by its label (human, AI), on top of copy_weight; the heads are
    # untouched, so such variants reuse the heads of the variant they differ from (deep mode's fusion takes
    # its copies at DEEP_COPY_WEIGHT).
    fusion_copy_weights: tuple[float, float] = (1.0, 1.0)
    # Each fusion column also read against the human writing nearest in genre (`neighbour_contrast`):
    # "" not at all, "append" beside every column, "shrunk" the same scaled by the neighbours' closeness, "heads"
    # beside the n-gram heads' columns, "stylometry" in place of the stylometric columns.
    neighbour_columns: str = ""
    fusion: str = "logistic"  # or "boosted": gradient-boosted trees on the same columns
    neighbours: int = NEIGHBOURS
    genre_dimensions: int = GENRE_DIMENSIONS
    genre_buckets: int = N_BUCKETS  # the genre space reads this many of the most common character n-gram buckets

    @property
    def head_key(self) -> tuple:
        """The settings one n-gram head depends on besides its view: variants sharing it reuse its fits."""
        return (self.ngram_c, self.source_weights, self.folds_by_source, self.shared_vocabulary, self.copy_labels,
                self.copy_weight)


VARIANTS = {v.name: v for v in (
    Variant("shipped", "the shipped fast recipe (fusion columns clipped to their 5-95th training percentiles)"),
    Variant("source-weights", "every source weighs the same in the n-gram heads and the fusion", source_weights=True),
    Variant("ngram-c-1", "n-gram heads with C = 1 (4x stronger L2 penalty)", ngram_c=1.0),
    Variant("morpheme-view-only", "no character or eojeol n-gram head", views=("morph_ngram",)),
    Variant("stylometry-only", "no n-gram heads at all", views=()),
    Variant("folds-by-source", "stacking folds hold out whole sources", folds_by_source=True),
    Variant("shared-vocabulary", "n-grams present in at least 2 human and 2 AI sources only", shared_vocabulary=2),
    Variant("fusion-c-0.05", "fusion C = 0.05 (10x stronger L2 penalty)", fusion_c=0.05),
    Variant("no-endings", "without the sentence-ending family", drop=("ending_",)),
    Variant("no-pos", "without the part-of-speech family", drop=("pos_",)),
    Variant("no-clipping", "fusion columns used as they come (the recipe before clipping)", clip_quantile=0.0),
    Variant("clip-0.001", "fusion columns clipped to their 0.1-99.9th training percentiles", clip_quantile=0.001),
    Variant("clip-0.01", "fusion columns clipped to their 1st-99th training percentiles", clip_quantile=0.01),
    Variant("fusion-c-0.2", "fusion C = 0.2 (2.5x stronger L2 penalty)", fusion_c=0.2),
    Variant("no-word-view", "no eojeol n-gram head (the recipe before it)", views=("char_ngram", "morph_ngram")),
    Variant("ngram-heads-only", "the n-gram heads' logits alone in the fusion (no stylometric features)", drop=("",)),
    Variant("char-4gram-head", "+ a head on character 4-grams (the TF-IDF baseline reads 1-4-grams)",
            views=(*VIEWS, "char_4gram")),
    Variant("baseline-head", "+ the TF-IDF baseline's model as a fourth head (fitted vocabulary, raw text, C = 1)",
            views=(*VIEWS, "baseline_vocabulary")),
    Variant("baseline-head-only", "the TF-IDF baseline's model as the only n-gram head (with the stylometric features)",
            views=("baseline_vocabulary",)),
    Variant("baseline-alone", "the TF-IDF baseline's model trained as a head (with the edited copies), scored alone",
            views=("baseline_vocabulary",), drop=("",), clip_quantile=0.0),
    Variant("no-copies", "no edited copies in the heads or the fusion", copy_labels=()),
    Variant("copy-weight-0.25", "edited copies at a quarter of an original's weight in the heads and the fusion",
            copy_weight=0.25),
    Variant("human-copies-only", "edited copies of the human training texts only", copy_labels=(0,)),
    Variant("ai-copies-only", "edited copies of the AI training texts only", copy_labels=(1,)),
    Variant("baseline-alone-no-copies", "the TF-IDF baseline's model trained as a head without the edited copies, "
            "scored alone (the report's baseline)", views=("baseline_vocabulary",), drop=("",), clip_quantile=0.0,
            copy_labels=()),
    Variant("fusion-copy-weight-0.25", "edited copies at full weight in the heads, a quarter in the fusion (as deep "
            "mode)", fusion_copy_weights=(0.25, 0.25)),
    Variant("fusion-copy-weight-0", "edited copies in the heads only; the fusion is fitted on the originals",
            fusion_copy_weights=(0.0, 0.0)),
    Variant("fusion-human-copy-weight-0.25", "edited copies at full weight in the heads; in the fusion, the human "
            "texts' copies at a quarter", fusion_copy_weights=(0.25, 1.0)),
    Variant("fusion-ai-copy-weight-0.25", "edited copies at full weight in the heads; in the fusion, the AI texts' "
            "copies at a quarter", fusion_copy_weights=(1.0, 0.25)),
    Variant("neighbour-contrast", "+ every fusion column minus its mean over the 20 human training texts nearest "
            "in genre (character n-grams, other sources only)", neighbour_columns="append"),
    Variant("neighbour-contrast-stylometry", "the stylometric columns replaced by their difference from the 20 "
            "nearest human training texts of other sources", neighbour_columns="stylometry"),
    Variant("neighbour-contrast-50", "as neighbour-contrast, 50 neighbours", neighbour_columns="append",
            neighbours=50),
    Variant("neighbour-contrast-shrunk", "as neighbour-contrast, each difference scaled by the neighbours' mean "
            "cosine similarity (far neighbours, a genre no one trained on, say less)", neighbour_columns="shrunk"),
    Variant("neighbour-contrast-heads", "+ the n-gram heads' logits minus their mean over the 20 nearest human "
            "training texts of other sources", neighbour_columns="heads"),
    Variant("neighbour-contrast-heads-10", "as neighbour-contrast-heads, 10 neighbours", neighbour_columns="heads",
            neighbours=10),
    Variant("neighbour-contrast-heads-50", "as neighbour-contrast-heads, 50 neighbours", neighbour_columns="heads",
            neighbours=50),
    Variant("neighbour-contrast-heads-50-dims-32", "as neighbour-contrast-heads-50, a 32-dimensional genre space",
            neighbour_columns="heads", neighbours=50, genre_dimensions=32),
    Variant("neighbour-contrast-heads-50-dims-128", "as neighbour-contrast-heads-50, a 128-dimensional genre space",
            neighbour_columns="heads", neighbours=50, genre_dimensions=128),
    Variant("neighbour-contrast-heads-50-buckets-20000", "as neighbour-contrast-heads-50, the genre space on the "
            "20,000 most common character n-gram buckets (as the product stores it)", neighbour_columns="heads",
            neighbours=50, genre_buckets=20_000),
    Variant("fusion-boosted", "the fusion as gradient-boosted trees (depth 3, 200 rounds, leaves of >= 100 texts)",
            fusion="boosted"),
    Variant("ngram-heads-only-unclipped", "the n-gram heads' logits alone in the fusion, used as they come",
            drop=("",), clip_quantile=0.0),
)}


def _char_4grams(value: str) -> np.ndarray:
    """Hashed character 4-grams of the character view's string (their own buckets: salt 1)."""
    from kodetect.features.ngrams import hash_ngrams

    units = np.frombuffer(value.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return hash_ngrams(units, n_max=4, n_min=4, salt=1)


# Heads the shipped model does not have, built from a shipped view's strings for experiments: name -> (view, buckets).
EXTRA_VIEWS = {"char_4gram": ("char_ngram", _char_4grams)}


@dataclass(frozen=True)
class VocabularyHead:
    """`kodetect.eval.baselines.tfidf_baseline_recipe`'s model on counts of every n-gram of the pools: the columns
    its vectorizers would keep (seen in at least BASELINE_MIN_DF training texts) weighted by their idf, each block
    (characters, then words) L2-normalised on its own, and its logistic regression."""

    idf: np.ndarray  # 0 for the columns the vectorizers would drop
    split: int  # the first word column
    coef: np.ndarray
    intercept: float

    def logits(self, counts: sp.csr_matrix) -> np.ndarray:
        return np.asarray(baseline_tfidf(counts, self.idf, self.split) @ self.coef).ravel() + self.intercept


def baseline_tfidf(counts: sp.csr_matrix, idf: np.ndarray, split: int) -> sp.csr_matrix:
    """What TfidfVectorizer(sublinear_tf=True) gives, per block, for these counts and idf (dropped columns: idf 0)."""
    weighted = counts.astype(np.float64).tocsr()
    weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
    rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
    words = weighted.indices >= split
    norms = np.zeros((2, weighted.shape[0]))
    for block in (0, 1):
        at = words == bool(block)
        norms[block] = np.sqrt(np.bincount(rows[at], weighted.data[at] ** 2, minlength=weighted.shape[0]))
    norm = norms[words.astype(int), rows]
    weighted.data = np.divide(weighted.data, norm, out=np.zeros_like(weighted.data), where=norm > 0)
    weighted.eliminate_zeros()
    return weighted


def fit_vocabulary_head(counts: sp.csr_matrix, labels: np.ndarray, split: int,
                        document_rows: np.ndarray | None = None) -> VocabularyHead:
    """The baseline's fit on these rows; `document_rows` (default: all) are the rows whose document frequencies
    choose and weigh the vocabulary, so that an edited copy does not lift a one-text n-gram over the minimum."""
    from kodetect.eval.baselines import BASELINE_C, BASELINE_MIN_DF

    documents = counts if document_rows is None else counts[document_rows]
    df = documents.getnnz(axis=0)
    idf = np.where(df >= BASELINE_MIN_DF, np.log((1 + documents.shape[0]) / (1 + df)) + 1.0, 0.0)
    model = LogisticRegression(C=BASELINE_C, class_weight="balanced", solver="liblinear", max_iter=2000)
    model.fit(baseline_tfidf(counts, idf, split), labels)
    return VocabularyHead(idf, split, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def vocabulary_counts(texts: list[str]) -> tuple[sp.csr_matrix, int]:
    """Counts of every character 1-4-gram and word 1-2-gram of the raw texts (the baseline's analyzers, no
    minimum: each fit applies its own), and the first word column."""
    from sklearn.feature_extraction.text import CountVectorizer

    chars = CountVectorizer(analyzer="char", ngram_range=(1, 4), dtype=np.float32).fit_transform(texts)
    words = CountVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\S+",
                            dtype=np.float32).fit_transform(texts)
    return sp.hstack([chars, words]).tocsr(), chars.shape[1]


@dataclass
class Pools:
    examples: list  # train pool, then validation pool
    n_train: int
    features: np.ndarray  # rows: examples, then the edited copies of the train pool
    names: list[str]
    counts: dict[str, sp.csr_matrix]
    copy_of: np.ndarray  # for each copy, the index of its original
    texts: list[str] = field(default_factory=list)  # one per row of `features`
    view_strings: dict[str, list[str]] = field(default_factory=dict)  # the shipped views' strings, one per row
    vocabulary_split: int = 0  # the first word column of counts["baseline_vocabulary"], once built

    @cached_property
    def digest(self) -> str:
        """What the heads fitted on these pools depend on: every row's text, label and source, and the split."""
        h = hashlib.sha256(str(self.n_train).encode())
        for e in self.examples:
            h.update(f"{e.label}\0{e.group}\0{e.text}\0".encode())
        for text in self.texts[len(self.examples):]:
            h.update(f"{text}\0".encode())
        h.update(self.copy_of.tobytes())
        return h.hexdigest()


def load_pools(endings_in: str | None = None) -> Pools:
    """The shipped pools and their edited copies; with `endings_in` (a speech level), every text's declarative
    endings moved into it first (`endings_in_register`) and no copies: an ending switch would come back as the
    original, so the model is robust to it by construction rather than by example."""
    train, validation = build_sets(data_dir(), MIN_HANGUL)
    if endings_in:
        train, validation = ([replace(e, text=endings_in_register(e.text, endings_in)) for e in pool]
                             for pool in (train, validation))
    copies = [] if endings_in else edited_copies([e.text for e in train])
    texts = [e.text for e in train + validation] + [text for _, text in copies]
    features, names, views = featurize(texts, progress=True)
    counts = {view: view_counts(views, view) for view in VIEWS}
    return Pools(train + validation, len(train), features, names, counts, np.array([i for i, _ in copies], dtype=int),
                 texts, views)


def _counts(pools: Pools, view: str) -> sp.csr_matrix:
    """A view's count matrix, an experimental one (EXTRA_VIEWS) built the first time it is asked for."""
    if view == "baseline_vocabulary" and view not in pools.counts:
        pools.counts[view], pools.vocabulary_split = vocabulary_counts(pools.texts)
    if view not in pools.counts:
        from kodetect.features.ngrams import counts_matrix

        source, buckets = EXTRA_VIEWS[view]
        pools.counts[view] = counts_matrix(buckets(value) for value in pools.view_strings[source])
    return pools.counts[view]


def _shared_mask(counts: sp.csr_matrix, labels: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    seen = {0: np.zeros(counts.shape[1]), 1: np.zeros(counts.shape[1])}
    for group, label in set(zip(groups.tolist(), labels.tolist(), strict=True)):
        rows = np.flatnonzero((groups == group) & (labels == label))
        seen[label] += counts[rows].getnnz(axis=0) > 0
    return (seen[0] >= k) & (seen[1] >= k)


def _head_columns(pools: Pools, variant: Variant, held_out: str):
    """The n-gram heads' columns without `held_out` (its copies too): out-of-fold logits for the training
    rows, the full head's logits for the test rows; plus the rows, labels and weights they belong to."""
    labels = np.array([e.label for e in pools.examples])
    groups = np.array([e.group for e in pools.examples])
    copy_rows = len(pools.examples) + np.arange(len(pools.copy_of))
    originals = np.flatnonzero((np.arange(len(pools.examples)) < pools.n_train) & (groups != held_out))
    kept_copies = (groups[pools.copy_of] != held_out) & np.isin(labels[pools.copy_of], variant.copy_labels)
    rows = np.concatenate([originals, copy_rows[kept_copies]])
    origin = np.concatenate([originals, pools.copy_of[kept_copies]])
    y, g = labels[origin], groups[origin]
    weights = source_balanced_weights(y, g) if variant.source_weights else None
    if variant.copy_weight != 1.0:
        weights = (1.0 if weights is None else weights) * copy_weights(len(rows), len(originals), variant.copy_weight)
    test = np.flatnonzero((groups == held_out) | (np.arange(len(pools.examples)) >= pools.n_train))
    train_cols, test_cols = [], []
    for view in variant.views:
        key = (*variant.head_key, view, held_out)
        kept = _head_file(pools, key)
        if key not in _HEAD_COLUMNS and kept.exists():
            with np.load(kept) as stored:
                _HEAD_COLUMNS[key] = (stored["train"], stored["test"])
        if key in _HEAD_COLUMNS:
            train_cols.append(_HEAD_COLUMNS[key][0])
            test_cols.append(_HEAD_COLUMNS[key][1])
            continue
        counts, test_counts = _counts(pools, view)[rows], _counts(pools, view)[test]
        if variant.shared_vocabulary:
            mask = sp.diags(_shared_mask(counts, y, g, variant.shared_vocabulary).astype(float))
            counts, test_counts = (counts @ mask).tocsr(), (test_counts @ mask).tocsr()
        if view == "baseline_vocabulary":  # the baseline's own settings, whatever the variant's
            # `rows` lists the originals first: a position under len(originals) is an original text.
            def fit(subset: np.ndarray, c=counts):
                return fit_vocabulary_head(c[subset], y[subset], pools.vocabulary_split,
                                           np.flatnonzero(subset < len(originals)))
            logits = VocabularyHead.logits
        else:
            def fit(subset: np.ndarray, c=counts):
                return _fit_head(c[subset], y[subset], variant.ngram_c, None if weights is None else weights[subset])
            logits = head_logits
        head = fit(np.arange(len(rows)))
        oof = np.zeros(len(rows))
        fold_groups = g if variant.folds_by_source else origin
        for a, b in StratifiedGroupKFold(STACKING_FOLDS, shuffle=True, random_state=0).split(counts, y, fold_groups):
            oof[b] = logits(fit(a), counts[b])
        _HEAD_COLUMNS[key] = (oof[:, None], logits(head, test_counts)[:, None])
        kept.parent.mkdir(parents=True, exist_ok=True)
        np.savez(kept, train=_HEAD_COLUMNS[key][0], test=_HEAD_COLUMNS[key][1])
        train_cols.append(_HEAD_COLUMNS[key][0])
        test_cols.append(_HEAD_COLUMNS[key][1])
    return rows, y, weights, test, train_cols, test_cols


_HEAD_COLUMNS: dict[tuple, tuple] = {}  # one view's (out-of-fold, test) logits per head settings and held-out source


def _head_file(pools: Pools, key: tuple) -> Path:
    """Where one head's columns are kept between runs: keyed by the pools' texts, labels and sources, the head's
    settings and the recipe's stacking folds, so that a run that reads another variant's heads skips their fits."""
    from kodetect.training.featurize import FEATURE_VERSION, default_cache_dir

    digest = hashlib.sha256(repr((pools.digest, key, STACKING_FOLDS, NGRAM_C, FEATURE_VERSION)).encode()).hexdigest()
    return default_cache_dir() / "experiments" / f"head-columns-{digest[:24]}.npz"


def fusion_scores(matrix: np.ndarray, test_matrix: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                  fusion_c: float, clip_quantile: float = 0.0, fusion: str = "logistic") -> np.ndarray:
    """The fusion's raw scores of `test_matrix`, fitted on `matrix` as `kodetect.training.fit.fit_fusion` does
    (standardised columns, the two classes weighing the same), after holding every column of both within
    its training quantiles: a source unlike any trained on cannot push one feature to an extreme logit."""
    low, high = clip_bounds(matrix, clip_quantile)
    if low is not None:
        matrix, test_matrix = np.clip(matrix, low, high), np.clip(test_matrix, low, high)
    mean, scale = matrix.mean(0), matrix.std(0)
    scale[scale < 1e-9] = 1.0
    w = np.ones(len(y)) if weights is None else weights
    totals = {c: w[y == c].sum() for c in (0, 1)}
    w = w * np.array([len(y) / (2 * totals[c]) for c in y])
    if fusion == "boosted":
        from sklearn.ensemble import HistGradientBoostingClassifier

        trees = HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05, min_samples_leaf=100,
                                               l2_regularization=1.0, random_state=0)
        return trees.fit(matrix, y, sample_weight=w).decision_function(test_matrix)
    fusion = LogisticRegression(C=fusion_c, max_iter=5000).fit((matrix - mean) / scale, y, sample_weight=w)
    return fusion.decision_function((test_matrix - mean) / scale)


def fit_and_score(pools: Pools, variant: Variant, held_out: str) -> tuple[np.ndarray, np.ndarray]:
    """Fit without `held_out` (its copies too); return (rows scored, their raw scores)."""
    rows, y, weights, test, head_train, head_test = _head_columns(pools, variant, held_out)
    keep = [i for i, name in enumerate(pools.names) if not name.startswith(variant.drop or ("\0",))]
    matrix = np.hstack([pools.features[rows][:, keep], *head_train])
    test_matrix = np.hstack([pools.features[test][:, keep], *head_test])
    if variant.neighbour_columns:
        n_style = len(keep)
        matrix, test_matrix = neighbour_contrast(pools, rows, test, matrix, test_matrix, n_style,
                                                 variant.neighbour_columns, variant.neighbours,
                                                 variant.genre_dimensions, variant.genre_buckets)
    if variant.fusion_copy_weights != (1.0, 1.0):
        is_copy = rows >= len(pools.examples)
        factor = np.where(is_copy, np.asarray(variant.fusion_copy_weights)[y], 1.0)
        weights = factor if weights is None else weights * factor
    return test, fusion_scores(matrix, test_matrix, y, weights, variant.fusion_c, variant.clip_quantile,
                               variant.fusion)


def genre_embedding(pools: Pools, fit_rows: np.ndarray, rows: np.ndarray,
                    dimensions: int = GENRE_DIMENSIONS, buckets: int = N_BUCKETS) -> np.ndarray:
    """Unit vectors of `rows` in the product's genre space (`kodetect.features.genre`) fitted on `fit_rows`
    only, over their `buckets` most common character n-gram buckets."""
    from kodetect.features.genre import fit_genre_space

    counts = pools.counts["char_ngram"]
    return fit_genre_space(counts[fit_rows], dimensions, buckets).embed(counts[rows])


def neighbour_contrast(pools: Pools, rows: np.ndarray, test: np.ndarray, matrix: np.ndarray,
                       test_matrix: np.ndarray, n_style: int, how: str, k: int,
                       dimensions: int = GENRE_DIMENSIONS, buckets: int = N_BUCKETS,
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The fusion's columns read against the `k` human training texts nearest in genre, never of a text's own
    source: a training text then sees references as a text of an unseen source does, and a genre that only one
    side of the data has (AI tweets, human petitions) is compared with the people who write most like it."""
    n = len(pools.examples)
    groups = np.array([e.group for e in pools.examples])
    labels = np.array([e.label for e in pools.examples])
    origin = np.concatenate([np.arange(n), pools.copy_of])[rows]  # a copy's original, an original itself
    reference = np.flatnonzero((rows < n) & (labels[origin] == 0))  # positions in `rows`
    fit_rows = rows[rows < n]
    everything = np.concatenate([rows, test])
    embedded = genre_embedding(pools, fit_rows, everything, dimensions, buckets)
    reference_vectors = embedded[reference]
    reference_groups = groups[origin[reference]]
    # Only training rows lose their own source: a scored text of a trained source has it as a reference in use.
    own_groups = np.concatenate([groups[origin], np.full(len(test), "")])
    values = np.vstack([matrix, test_matrix])
    contrast = values - neighbour_means(embedded, reference_vectors, matrix[reference], k, own_groups,
                                        reference_groups)
    if how == "shrunk":
        closeness = _closeness(embedded, reference_vectors, k, own_groups, reference_groups)
        contrast, how = contrast * closeness[:, None], "append"
    if how == "append":
        combined = np.hstack([values, contrast])
    elif how == "heads":
        combined = np.hstack([values, contrast[:, n_style:]])
    else:
        combined = np.hstack([contrast[:, :n_style], values[:, n_style:]])
    return combined[:len(rows)], combined[len(rows):]


def _closeness(embedded: np.ndarray, reference_vectors: np.ndarray, k: int, own_groups: np.ndarray,
               reference_groups: np.ndarray) -> np.ndarray:
    """Each row's mean cosine similarity to its k nearest allowed references, within [0, 1]."""
    closeness = np.empty(len(embedded))
    for start in range(0, len(embedded), 2048):
        stop = min(start + 2048, len(embedded))
        similarity = embedded[start:stop] @ reference_vectors.T
        similarity[own_groups[start:stop, None] == reference_groups[None, :]] = -np.inf
        nearest = np.argpartition(-similarity, k, axis=1)[:, :k]
        closeness[start:stop] = np.clip(np.take_along_axis(similarity, nearest, axis=1).mean(axis=1), 0.0, 1.0)
    return closeness


def _fit_head(counts, labels, c, weights):
    if c == NGRAM_C and weights is None:
        return fit_ngram_head(counts, labels)
    from kodetect.features.ngrams import fit_idf, tfidf
    from kodetect.model.artifact import NgramHead

    idf = fit_idf(counts)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", solver="liblinear")
    model.fit(tfidf(counts, idf), labels, sample_weight=weights)
    return NgramHead(idf, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def holdout_of(pools: Pools, variant: Variant) -> SourceHoldout:
    examples = pools.examples
    groups = np.array([e.group for e in examples])
    validation = np.arange(len(examples)) >= pools.n_train
    scores, contrast = np.full(len(examples), np.nan), {}
    for group in sorted(set(groups.tolist())):
        rows, raw = fit_and_score(pools, variant, group)
        own = groups[rows] == group
        scores[rows[own]] = raw[own]
        contrast[group] = raw[validation[rows]]
    return SourceHoldout(examples, scores, validation, contrast)


def with_attack_rows(pools: Pools) -> tuple[Pools, np.ndarray, np.ndarray]:
    """The pools with KatFish's seed-42 test texts (which no fit here sees) added to the validation pool twice,
    as written and ending-switched (`copy_sides_attack.py`'s attack and rng); and those rows' positions."""
    from bench.experiments.copy_sides_attack import ATTACK
    from bench.report.heldout import katfish_test_set
    from kodetect.eval.attacks import ATTACKS, attack_rng
    from kodetect.training.dataset import Example

    test = katfish_test_set()
    extra = [Example(h.id, h.text, h.label, "katfish-test", h.genre, h.generator) for h in test]
    extra += [Example(f"{h.id}#switched", ATTACKS[ATTACK](h.text, attack_rng(0, ATTACK, h.id)), h.label,
                      "katfish-test-switched", h.genre, h.generator) for h in test]
    features, _, views = featurize([e.text for e in extra], progress=False)
    n = len(pools.examples)
    counts = {view: sp.vstack([pools.counts[view][:n], view_counts(views, view), pools.counts[view][n:]]).tocsr()
              for view in VIEWS}
    strings = {view: values[:n] + views[view] + values[n:] for view, values in pools.view_strings.items()}
    grown = Pools(pools.examples + extra, pools.n_train, np.vstack([pools.features[:n], features, pools.features[n:]]),
                  pools.names, counts, pools.copy_of, pools.texts[:n] + [e.text for e in extra] + pools.texts[n:],
                  strings)
    return grown, n + np.arange(len(test)), n + len(test) + np.arange(len(test))


def attack_readings(attack_pools: tuple[Pools, np.ndarray, np.ndarray], variant: Variant) -> dict[str, float]:
    """The variant fitted on the whole training pool, read on KatFish's test texts clean and ending-switched
    (`attack_pools`: what `with_attack_rows` returns)."""
    from bench.experiments.copy_sides_attack import readings

    grown, clean, switched = attack_pools
    rows, raw = fit_and_score(grown, variant, "(none)")
    at = {int(r): i for i, r in enumerate(rows)}
    y = np.array([grown.examples[r].label for r in clean])
    return readings(y, raw[[at[int(r)] for r in clean]], raw[[at[int(r)] for r in switched]])


def summary(holdout: SourceHoldout, uncertain_share: float = UNCERTAIN_SHARE) -> dict[str, float]:
    classic = [r for r in leave_one_source_out(None, [], [], holdout=holdout) if r.n_test >= 100]
    rates = [r for r in heldout_rates(holdout, uncertain_share) if r.mode == "low-fpr" and r.n >= 100]
    ai = [r for r in rates if r.side == "ai"]
    return {
        "pooled unseen AUROC": 100 * pooled_unseen_auroc(holdout),
        "pooled unseen TPR at 1% FPR": 100 * pooled_unseen_tpr(holdout),
        "classic LOSO mean": 100 * float(np.mean([r.auroc for r in classic])),
        "classic LOSO worst": 100 * min(r.auroc for r in classic),
        "worst human called AI %": 100 * max(r.called_ai_share for r in rates if r.side == "human"),
        "mean AI caught %": 100 * float(np.mean([r.called_ai_share for r in ai])),
        "worst uncertain %": 100 * max(r.uncertain_share for r in rates),
        # What a narrower uncertain band costs: AI texts of unseen sources called human instead.
        "mean AI called human %": 100 * float(np.mean([1 - r.called_ai_share - r.uncertain_share for r in ai])),
    }


def deep_holdout(clip_quantile: float) -> SourceHoldout:
    """Deep mode's recipe with the fusion's clipping at `clip_quantile`, out of source on its own pools
    (`kodetect train --mode deep`'s subsample; its language-model features must be cached)."""
    from kodetect.training.recipe import deep_recipe
    from kodetect.training.train import deep_pools

    train, validation = deep_pools(*build_sets(data_dir(), MIN_HANGUL))
    return out_of_source(partial(deep_recipe, clip_quantile=clip_quantile), train, validation)


def deep_full_heads_holdout(pools: Pools, fusion_c: float = FUSION_C,
                            clip_quantile: float = FUSION_CLIP_QUANTILE,
                            fusion_per_cell: int | None = None, genre_neighbours: int = 0) -> SourceHoldout:
    """Deep mode with its n-gram heads fitted on the full pools (as fast mode's are), their out-of-fold logits
    and the language-model features entering a fusion fitted on deep mode's subsample only (the texts whose
    LM features are computed); scored on exactly the texts `deep_holdout` scores.

    `fusion_per_cell`: the fusion reads a larger stable subsample of the training pool (at most this many
    texts per source and side, a superset of deep mode's), while the texts scored stay deep mode's.
    `genre_neighbours`: above 0, the fusion also reads each head's logit against that many human training texts
    nearest in genre, as fast mode's does (`kodetect.training.fit.fit_genre_contrast`): the references are every
    human original of the full training pool with its out-of-fold logits, not only the subsample's."""
    from kodetect.features.genre import GENRE_BUCKETS
    from kodetect.training.dataset import stable_subsample
    from kodetect.training.lm_featurize import lm_feature_matrix
    from kodetect.training.recipe import DEEP_COPY_WEIGHT
    from kodetect.training.train import deep_pools

    n = len(pools.examples)
    train, validation = pools.examples[:pools.n_train], pools.examples[pools.n_train:]
    deep_train, deep_validation = deep_pools(train, validation)
    position = {id(e): i for i, e in enumerate(pools.examples)}
    deep_train_rows = np.array(sorted(position[id(e)] for e in deep_train))
    deep_validation_rows = np.array(sorted(position[id(e)] for e in deep_validation))
    fusion_train_rows = deep_train_rows if fusion_per_cell is None else np.array(
        sorted(position[id(e)] for e in stable_subsample(train, fusion_per_cell)))
    examples = [pools.examples[i] for i in np.concatenate([deep_train_rows, deep_validation_rows])]
    index_in_deep = {int(r): k for k, r in enumerate(np.concatenate([deep_train_rows, deep_validation_rows]))}
    groups = np.array([e.group for e in pools.examples])
    origin_all = np.concatenate([np.arange(n), pools.copy_of])
    lm = {}

    def lm_rows(rows: np.ndarray) -> np.ndarray:
        todo = [int(r) for r in rows if int(r) not in lm]
        if todo:
            for r, f in zip(todo, lm_feature_matrix([pools.texts[r] for r in todo], progress=False), strict=True):
                lm[r] = f
        return np.array([lm[int(r)] for r in rows])

    scores, contrast = np.full(len(examples), np.nan), {}
    validation_mask = np.arange(len(examples)) >= len(deep_train_rows)
    for group in sorted(set(groups.tolist())):
        rows, y, _, test, head_train, head_test = _head_columns(pools, VARIANTS["shipped"], group)
        keep = np.isin(origin_all[rows], fusion_train_rows)
        fit_rows = rows[keep]
        weights = np.where(fit_rows >= n, DEEP_COPY_WEIGHT, 1.0)
        deep_test = np.isin(test, deep_validation_rows) | (np.isin(test, deep_train_rows) & (groups[test] == group))
        if genre_neighbours:
            heads, test_heads = np.hstack(head_train), np.hstack(head_test)
            both, test_both = neighbour_contrast(pools, rows, test, heads, test_heads, 0, "append", genre_neighbours,
                                                 GENRE_DIMENSIONS, GENRE_BUCKETS)
            head_train, head_test = [both], [test_both]
        matrix = np.hstack([pools.features[fit_rows], *(c[keep] for c in head_train), lm_rows(fit_rows)])
        test_rows = test[deep_test]
        test_matrix = np.hstack([pools.features[test_rows], *(c[deep_test] for c in head_test), lm_rows(test_rows)])
        raw = fusion_scores(matrix, test_matrix, y[keep], weights, fusion_c, clip_quantile)
        at = np.array([index_in_deep[int(r)] for r in test_rows])
        own = groups[test_rows] == group
        scores[at[own]] = raw[own]
        contrast[group] = raw[validation_mask[at]]
        print(f"  {group}: {own.sum()} held-out texts", file=sys.stderr, flush=True)
    return SourceHoldout(examples, scores, validation_mask, contrast)


def per_source_rates(holdout: SourceHoldout, uncertain_share: float) -> dict[tuple[str, str, int], tuple[float, float]]:
    """(source, side, n) -> (% called AI, % uncertain) at `low-fpr` cuts chosen without the source, n >= 100."""
    return {(r.source, r.side, r.n): (100 * r.called_ai_share, 100 * r.uncertain_share)
            for r in heldout_rates(holdout, uncertain_share) if r.mode == "low-fpr" and r.n >= 100}


def _per_source_table(by_source: dict[str, dict[tuple[str, str, int], tuple[float, float]]]) -> list[str]:
    names = list(by_source)
    keys = sorted(set().union(*(set(rates) for rates in by_source.values())), key=lambda k: (k[1], k[0]))
    return [
        "| held-out source | side | n | " + " | ".join(names) + " |",
        "|---" * (len(names) + 3) + "|",
        *("| " + " | ".join(map(str, key)) + " | "
          + " | ".join("{:.1f} / {:.1f}".format(*by_source[name][key]) if key in by_source[name] else "–"
                       for name in names) + " |"
          for key in keys),
    ]


def _table(header: list[str], rows: list[tuple[str, str, dict[str, float]]]) -> list[str]:
    return [
        "| variant | what changes | " + " | ".join(header) + " |",
        "|---" * (len(header) + 2) + "|",
        *(f"| {name} | {what} | " + " | ".join(f"{numbers[h]:.2f}" for h in header) + " |"
          for name, what, numbers in rows),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names (default: all)")
    parser.add_argument("--deep-clips", default="",
                        help="comma-separated clipping quantiles to try in deep mode's fusion (default: none)")
    parser.add_argument("--uncertain-shares", default="",
                        help="comma-separated uncertain shares to choose the held-out cuts with (default: each "
                             "mode's own, UNCERTAIN_SHARE or DEEP_UNCERTAIN_SHARE); one row per share")
    parser.add_argument("--deep-full-heads", default="",
                        help="comma-separated fusion Cs: deep mode with its n-gram heads fitted on the full pools "
                             "(its fusion on its subsample), once per C (default: not run)")
    parser.add_argument("--deep-fusion-per-cell", default="",
                        help="with --deep-full-heads: comma-separated sizes; the fusion reads at most this many "
                             "training texts per source and side (a superset of deep mode's subsample), once per "
                             "size and C; the texts scored stay the same (default: deep mode's subsample)")
    parser.add_argument("--deep-genre-neighbours", default="0",
                        help="with --deep-full-heads: comma-separated neighbour counts; the fusion also reads each "
                             "head's logit against that many human training texts nearest in genre (0: not at "
                             "all), once per count, size and C (default: 0)")
    parser.add_argument("--endings-in", choices=REGISTERS,
                        help="move every text's declarative endings into this speech level before anything else "
                             "(training, held-out and threshold texts alike), without edited copies")
    parser.add_argument("--per-source", action="store_true",
                        help="also a table of every held-out source (n >= 100) at low-fpr cuts chosen without it: "
                             "called AI and uncertain, per variant")
    parser.add_argument("--attack", action="store_true",
                        help="also each variant fitted on the whole training pool against the ending-switch attack "
                             "on KatFish's seed-42 test texts (as bench/experiments/copy_sides_attack.py reads it)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if data_dir() is None:
        print("../shared/data not found", file=sys.stderr)
        return 2
    pools = load_pools(args.endings_in) if args.variants or args.deep_full_heads else None
    shares = [float(u) for u in filter(None, args.uncertain_shares.split(","))]
    rows, by_source, attacked = [], {}, []
    attack_pools = with_attack_rows(pools) if args.attack and pools else None
    for name in filter(None, args.variants.split(",")):
        started = time.time()
        if attack_pools:
            attacked.append((name, VARIANTS[name].what, attack_readings(attack_pools, VARIANTS[name])))
            print(f"{name} against the ending switch: {attacked[-1][2]}", file=sys.stderr, flush=True)
        holdout = holdout_of(pools, VARIANTS[name])
        if args.per_source:
            by_source[name] = per_source_rates(holdout, shares[0] if shares else UNCERTAIN_SHARE)
        for share in shares or [UNCERTAIN_SHARE]:
            numbers = summary(holdout, share)
            label = f"{name}, uncertain share {share}" if shares else name
            rows.append((label, VARIANTS[name].what, numbers))
            print(f"{label}: {numbers} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    deep_rows = []
    for quantile in (float(q) for q in filter(None, args.deep_clips.split(","))):
        started = time.time()
        holdout = deep_holdout(quantile)
        shipped = " (shipped)" if quantile == FUSION_CLIP_QUANTILE else ""
        what = f"fusion columns clipped to their [{quantile}, {1 - quantile}] training quantiles{shipped}"
        for share in shares or [DEEP_UNCERTAIN_SHARE]:
            numbers = summary(holdout, share)
            label = f"deep, clip {quantile}" + (f", uncertain share {share}" if shares else "")
            deep_rows.append((label, what if quantile else "fusion columns used as they come", numbers))
            print(f"{label}: {numbers} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    per_cells = [int(n) for n in filter(None, args.deep_fusion_per_cell.split(","))] or [None]
    genre_counts = [int(k) for k in filter(None, args.deep_genre_neighbours.split(","))] or [0]
    for per_cell, fusion_c, k in ((n, float(c), k) for n in per_cells
                                  for c in filter(None, args.deep_full_heads.split(",")) for k in genre_counts):
        started = time.time()
        holdout = deep_full_heads_holdout(pools, fusion_c, fusion_per_cell=per_cell, genre_neighbours=k)
        for share in shares or [DEEP_UNCERTAIN_SHARE]:
            numbers = summary(holdout, share)
            label = f"deep, full-pool n-gram heads, fusion C {fusion_c}"
            if per_cell:
                label += f", fusion on {per_cell} texts per source and side"
            if k:
                label += f", heads against {k} human texts nearest in genre"
            label += f", uncertain share {share}" if shares else ""
            deep_rows.append((label, "n-gram heads on the full pools, fusion with LM features on the subsample",
                              numbers))
            if args.per_source and share == (shares or [DEEP_UNCERTAIN_SHARE])[0]:
                by_source[label] = per_source_rates(holdout, share)
            print(f"{label}: {numbers} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    command = f"python bench/experiments/generalize_choices.py --variants {shlex.quote(args.variants)}"
    command += f" --deep-clips {args.deep_clips}" if args.deep_clips else ""
    command += f" --deep-full-heads {args.deep_full_heads}" if args.deep_full_heads else ""
    command += f" --deep-fusion-per-cell {args.deep_fusion_per_cell}" if args.deep_fusion_per_cell else ""
    command += f" --deep-genre-neighbours {args.deep_genre_neighbours}" if args.deep_genre_neighbours != "0" else ""
    command += f" --uncertain-shares {args.uncertain_shares}" if args.uncertain_shares else ""
    command += f" --endings-in {args.endings_in}" if args.endings_in else ""
    command += " --per-source" if args.per_source else ""
    command += " --attack" if args.attack else ""
    lines = [
        "# Fast mode's modelling choices, judged on sources left out of training",
        "",
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        + (f"; pools: {pools.n_train} training and {len(pools.examples) - pools.n_train} validation texts plus "
           f"{len(pools.copy_of)} edited copies." if pools else "."),
        "",
    ]
    if rows:
        lines += _table(list(rows[0][2]), rows)
    if by_source:
        lines += ["", "Every held-out source (n >= 100) at `low-fpr` cuts chosen without it: % called AI / "
                  "% uncertain.", "", *_per_source_table(by_source)]
    if attacked:
        lines += ["", "Fitted on the whole training pool, against the ending-switch attack on KatFish's seed-42 test "
                  "texts (raw scores, ×100; the cut calls 1% of the clean human texts AI):", "",
                  *_table(list(attacked[0][2]), attacked)]
    if deep_rows:
        lines += ["", "Deep mode, on its own pools (at most 120 training and 50 validation texts per source and side), "
                  "the same readings:", "", *_table(list(deep_rows[0][2]), deep_rows)]
    args.out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
