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
fold exactly as `kodetect.training.fit.fit_heads` does (the variants change one of its settings).

    python bench/experiments/generalize_choices.py                       # every variant (hours on 2 cores)
    python bench/experiments/generalize_choices.py --variants shipped,ngram-c-1

Result: bench/results/generalize_choices.md. Measured: none of the variants beat the shipped recipe on
both the pooled AUROC and the held-out `low-fpr` rates by more than noise, so none was adopted.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kodetect.calibration.thresholds import source_balanced_weights  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.heldout import heldout_rates, pooled_unseen_auroc  # noqa: E402
from kodetect.eval.protocols import SourceHoldout, leave_one_source_out  # noqa: E402
from kodetect.features.ngrams import VIEWS  # noqa: E402
from kodetect.model.shipped import MIN_HANGUL  # noqa: E402
from kodetect.training.augment import edited_copies  # noqa: E402
from kodetect.training.dataset import build_sets  # noqa: E402
from kodetect.training.featurize import featurize  # noqa: E402
from kodetect.training.fit import NGRAM_C, STACKING_FOLDS, fit_ngram_head, view_counts  # noqa: E402
from kodetect.training.fit import _logits as head_logits  # noqa: E402

OUT = ROOT / "bench" / "results" / "generalize_choices.md"


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    ngram_c: float = NGRAM_C
    fusion_c: float = 0.5
    views: tuple[str, ...] = VIEWS
    source_weights: bool = False  # every source the same total weight in the heads and the fusion
    folds_by_source: bool = False  # out-of-fold n-gram logits with whole sources held out
    shared_vocabulary: int = 0  # keep n-grams seen in at least this many human and this many AI sources
    drop: tuple[str, ...] = field(default=())  # stylometric feature families left out (name prefixes)


VARIANTS = {v.name: v for v in (
    Variant("shipped", "the shipped fast recipe"),
    Variant("source-weights", "every source weighs the same in the n-gram heads and the fusion", source_weights=True),
    Variant("ngram-c-1", "n-gram heads with C = 1 (4x stronger L2 penalty)", ngram_c=1.0),
    Variant("morpheme-view-only", "no character n-gram head", views=("morph_ngram",)),
    Variant("stylometry-only", "no n-gram heads at all", views=()),
    Variant("folds-by-source", "stacking folds hold out whole sources", folds_by_source=True),
    Variant("shared-vocabulary", "n-grams present in at least 2 human and 2 AI sources only", shared_vocabulary=2),
    Variant("fusion-c-0.05", "fusion C = 0.05 (10x stronger L2 penalty)", fusion_c=0.05),
    Variant("no-endings", "without the sentence-ending family", drop=("ending_",)),
    Variant("no-pos", "without the part-of-speech family", drop=("pos_",)),
)}


@dataclass
class Pools:
    examples: list  # train pool, then validation pool
    n_train: int
    features: np.ndarray  # rows: examples, then the edited copies of the train pool
    names: list[str]
    counts: dict[str, sp.csr_matrix]
    copy_of: np.ndarray  # for each copy, the index of its original


def load_pools() -> Pools:
    train, validation = build_sets(data_dir(), MIN_HANGUL)
    copies = edited_copies([e.text for e in train])
    texts = [e.text for e in train + validation] + [text for _, text in copies]
    features, names, views = featurize(texts, progress=True)
    counts = {view: view_counts(views, view) for view in VIEWS}
    return Pools(train + validation, len(train), features, names, counts, np.array([i for i, _ in copies], dtype=int))


def _shared_mask(counts: sp.csr_matrix, labels: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    seen = {0: np.zeros(counts.shape[1]), 1: np.zeros(counts.shape[1])}
    for group, label in set(zip(groups.tolist(), labels.tolist(), strict=True)):
        rows = np.flatnonzero((groups == group) & (labels == label))
        seen[label] += counts[rows].getnnz(axis=0) > 0
    return (seen[0] >= k) & (seen[1] >= k)


def fit_and_score(pools: Pools, variant: Variant, held_out: str) -> tuple[np.ndarray, np.ndarray]:
    """Fit without `held_out` (its copies too); return (rows scored, their raw scores)."""
    labels = np.array([e.label for e in pools.examples])
    groups = np.array([e.group for e in pools.examples])
    copy_rows = len(pools.examples) + np.arange(len(pools.copy_of))
    originals = np.flatnonzero((np.arange(len(pools.examples)) < pools.n_train) & (groups != held_out))
    rows = np.concatenate([originals, copy_rows[groups[pools.copy_of] != held_out]])
    origin = np.concatenate([originals, pools.copy_of[groups[pools.copy_of] != held_out]])
    y, g = labels[origin], groups[origin]
    weights = source_balanced_weights(y, g) if variant.source_weights else None
    test = np.flatnonzero((groups == held_out) | (np.arange(len(pools.examples)) >= pools.n_train))
    keep = [i for i, name in enumerate(pools.names) if not name.startswith(variant.drop or ("\0",))]
    train_cols, test_cols = [pools.features[rows][:, keep]], [pools.features[test][:, keep]]
    for view in variant.views:
        counts, test_counts = pools.counts[view][rows], pools.counts[view][test]
        if variant.shared_vocabulary:
            mask = sp.diags(_shared_mask(counts, y, g, variant.shared_vocabulary).astype(float))
            counts, test_counts = (counts @ mask).tocsr(), (test_counts @ mask).tocsr()
        head = _fit_head(counts, y, variant.ngram_c, weights)
        oof = np.zeros(len(rows))
        fold_groups = g if variant.folds_by_source else origin
        for a, b in StratifiedGroupKFold(STACKING_FOLDS, shuffle=True, random_state=0).split(counts, y, fold_groups):
            oof[b] = head_logits(_fit_head(counts[a], y[a], variant.ngram_c, None if weights is None else weights[a]),
                                 counts[b])
        train_cols.append(oof[:, None])
        test_cols.append(head_logits(head, test_counts)[:, None])
    matrix, test_matrix = np.hstack(train_cols), np.hstack(test_cols)
    mean, scale = matrix.mean(0), matrix.std(0)
    scale[scale < 1e-9] = 1.0
    w = np.ones(len(y)) if weights is None else weights
    totals = {c: w[y == c].sum() for c in (0, 1)}
    w = w * np.array([len(y) / (2 * totals[c]) for c in y])
    fusion = LogisticRegression(C=variant.fusion_c, max_iter=5000).fit((matrix - mean) / scale, y, sample_weight=w)
    return test, fusion.decision_function((test_matrix - mean) / scale)


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


def summary(holdout: SourceHoldout) -> dict[str, float]:
    classic = [r for r in leave_one_source_out(None, [], [], holdout=holdout) if r.n_test >= 100]
    rates = [r for r in heldout_rates(holdout) if r.mode == "low-fpr" and r.n >= 100]
    return {
        "pooled unseen AUROC": 100 * pooled_unseen_auroc(holdout),
        "classic LOSO mean": 100 * float(np.mean([r.auroc for r in classic])),
        "classic LOSO worst": 100 * min(r.auroc for r in classic),
        "worst human called AI %": 100 * max(r.called_ai_share for r in rates if r.side == "human"),
        "mean AI caught %": 100 * float(np.mean([r.called_ai_share for r in rates if r.side == "ai"])),
        "worst uncertain %": 100 * max(r.uncertain_share for r in rates),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names (default: all)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if data_dir() is None:
        print("../shared/data not found", file=sys.stderr)
        return 2
    pools = load_pools()
    rows = []
    for name in args.variants.split(","):
        started = time.time()
        numbers = summary(holdout_of(pools, VARIANTS[name]))
        rows.append((VARIANTS[name], numbers))
        print(f"{name}: {numbers} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    header = list(rows[0][1])
    lines = [
        "# Fast mode's modelling choices, judged on sources left out of training",
        "",
        f"Generated by `python bench/experiments/generalize_choices.py --variants {args.variants}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; pools: {pools.n_train} training and "
        f"{len(pools.examples) - pools.n_train} validation texts plus {len(pools.copy_of)} edited copies.",
        "",
        "| variant | what changes | " + " | ".join(header) + " |",
        "|---" * (len(header) + 2) + "|",
        *(f"| {v.name} | {v.what} | " + " | ".join(f"{numbers[h]:.2f}" for h in header) + " |" for v, numbers in rows),
    ]
    args.out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
