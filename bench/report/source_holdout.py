"""One recipe's out-of-source scores read every way the report needs them, and the plain baseline.

`kodetect.eval.protocols.out_of_source` fits a recipe once per source without it and scores that
source with it. From that one set of fits come the classic leave-one-source-out AUROC (a held-out
source against the other side's validation texts of sources the model trained on), the AUROC against
unseen sources (the other side is out of source too), and the rates at calibration and thresholds
chosen without the source (`kodetect.eval.heldout`). The functions below are pure readings of a
`SourceHoldout`, so the tables can be tested on small synthetic ones.

The TF-IDF baseline's holdout is cached on disk: leave one source out and the calibration section
both need it, and it costs one fit per source (about a minute each on the full pools).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.report.markdown import DASH, count_rate, fmt, table
from kodetect.calibration.platt import fit_platt
from kodetect.calibration.thresholds import UNCERTAIN_SHARE, ThresholdMode, choose_thresholds, source_balanced_weights
from kodetect.eval.heldout import (
    SourceRates,
    UnseenScore,
    heldout_rates,
    pooled_unseen_auroc,
    pooled_unseen_tpr,
    unseen_auroc,
)
from kodetect.eval.protocols import HeldOutScore, Scorer, SourceHoldout, leave_one_source_out
from kodetect.training.dataset import Example

# The bars, for marking the cells that miss them.
LOW_FPR_BAR = 0.01
UNCERTAIN_BAR = 0.20
# Means and worst cases are taken over held-out sources with at least this many texts (the n).
MIN_N = 100
MODES = ("low-fpr", "balanced")
BASELINE_LABEL = "TF-IDF baseline"


@dataclass(frozen=True)
class ProtocolRun:
    """Everything the report reads off one recipe's out-of-source scores."""

    name: str
    classic: tuple[HeldOutScore, ...]
    unseen: tuple[UnseenScore, ...]
    rates: tuple[SourceRates, ...]
    pooled_unseen: float
    pooled_unseen_tpr: float = float("nan")  # see `kodetect.eval.heldout.pooled_unseen_tpr`

    def rate(self, source: str, side: str, mode: str) -> SourceRates | None:
        return next((r for r in self.rates if (r.source, r.side, r.mode) == (source, side, mode)), None)


def read_holdout(name: str, holdout: SourceHoldout, uncertain_share: float = UNCERTAIN_SHARE) -> ProtocolRun:
    """`uncertain_share`: the rule the recipe's own mode chooses its cuts by (see `choose_thresholds`)."""
    # leave_one_source_out refits nothing when it is given the holdout.
    classic = leave_one_source_out(_unused_recipe, [], [], holdout)
    return ProtocolRun(name, tuple(classic), tuple(unseen_auroc(holdout)),
                       tuple(heldout_rates(holdout, uncertain_share)), pooled_unseen_auroc(holdout),
                       pooled_unseen_tpr(holdout))


def _unused_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    raise AssertionError("a holdout was given; nothing is refitted")


def restrict(holdout: SourceHoldout, keep: Collection[Example]) -> SourceHoldout:
    """The same scores, on the examples in `keep` only (e.g. deep mode's subsample of the pools).

    The models are unchanged (each was trained without its source on the full pools); only the texts
    that are tested and that calibration and thresholds are chosen on are fewer.
    """
    wanted = set(keep)
    mask = np.array([e in wanted for e in holdout.examples])
    kept_validation = mask[holdout.validation]
    return SourceHoldout([e for e, m in zip(holdout.examples, mask, strict=True) if m], holdout.scores[mask],
                         holdout.validation[mask],
                         {g: s[kept_validation] for g, s in holdout.contrast.items()})


# --- tables -------------------------------------------------------------------------------------


def loso_table(runs: Sequence[ProtocolRun]) -> str:
    """One row per held-out (source, side): its n, the test set's n, and for each run AUROC, TPR at 1%
    FPR (both against the other side's validation texts) and AUROC against unseen sources."""
    header = ["held-out source", "side", "n", "n test"]
    for run in runs:
        header += [f"AUROC {run.name}", f"TPR@1%FPR {run.name}", f"AUROC vs unseen {run.name}"]
    unseen = [{(u.source, u.side): u for u in run.unseen} for run in runs]
    rows = []
    for i, first in enumerate(runs[0].classic):
        key = (first.held_out, first.side)
        row: list[object] = [first.held_out, first.side, unseen[0][key].n, first.n_test]
        for run, by_key in zip(runs, unseen, strict=True):
            r = run.classic[i]
            row += [fmt(r.auroc), fmt(r.tpr_at_1pct_fpr, digits=1), fmt(by_key[key].auroc)]
        rows.append(row)
    return table(header, rows)


def rate_cell(rate: SourceRates | None, bar: float | None = None) -> str:
    """`1.2 (3/250) [0.4–3.5]`, in bold when the share called AI is over `bar`."""
    if rate is None or rate.n == 0:
        return DASH
    cell = count_rate(rate.called_ai, rate.n, rate.called_ai_interval)
    return f"**{cell}**" if bar is not None and rate.called_ai_share > bar else cell


def uncertain_cell(rate: SourceRates | None) -> str:
    if rate is None or rate.n == 0:
        return DASH
    cell = f"{100 * rate.uncertain_share:.1f}"
    return f"**{cell}**" if rate.uncertain_share > UNCERTAIN_BAR else cell


def rates_table(run: ProtocolRun) -> str:
    """Per held-out (source, side), at each mode's calibration and thresholds chosen without the source:
    the share called AI (a false-positive rate for a human source, a true-positive rate for an AI one)
    with its Wilson interval, and the share left uncertain. Bold: over the issue's bars."""
    header = ["held-out source", "side", "n"]
    for mode in MODES:
        header += [f"called AI, {mode} [95% CI]", f"uncertain, {mode}"]
    rows = []
    for u in run.unseen:
        row: list[object] = [u.source, u.side, u.n]
        for mode in MODES:
            rate = run.rate(u.source, u.side, mode)
            bar = LOW_FPR_BAR if (mode == "low-fpr" and u.side == "human") else None
            row += [rate_cell(rate, bar), uncertain_cell(rate)]
        rows.append(row)
    return table(header, rows)


@dataclass(frozen=True)
class RunSummary:
    """Means and worst cases over held-out sources with at least MIN_N texts."""

    name: str
    min_n: int
    n_sources: int
    mean_auroc: float
    worst: HeldOutScore | None
    worst_ai: HeldOutScore | None
    mean_unseen: float
    worst_unseen: UnseenScore | None
    pooled_unseen: float
    human_rates: tuple[SourceRates, ...]  # low-fpr, thresholds chosen without the source
    ai_rates: tuple[SourceRates, ...]
    pooled_unseen_tpr: float = float("nan")

    @property
    def humans_over_bar(self) -> int:
        return sum(r.called_ai_share > LOW_FPR_BAR for r in self.human_rates)

    @property
    def worst_human(self) -> SourceRates | None:
        return max(self.human_rates, key=lambda r: (r.called_ai_share, r.n), default=None)

    def most_uncertain(self, side: str) -> SourceRates | None:
        rates = self.human_rates if side == "human" else self.ai_rates
        return max(rates, key=lambda r: (r.uncertain_share, r.n), default=None)

    @property
    def mean_tpr(self) -> float:
        return float(np.mean([r.called_ai_share for r in self.ai_rates])) if self.ai_rates else float("nan")


def summarize(run: ProtocolRun, min_n: int = MIN_N) -> RunSummary:
    n = {(u.source, u.side): u.n for u in run.unseen}
    classic = [r for r in run.classic if n[(r.held_out, r.side)] >= min_n]
    unseen = [u for u in run.unseen if u.n >= min_n]
    rates = [r for r in run.rates if r.mode == "low-fpr" and r.n >= min_n]
    return RunSummary(
        run.name, min_n, len(classic),
        float(np.mean([r.auroc for r in classic])) if classic else float("nan"),
        min(classic, key=lambda r: r.auroc, default=None),
        min((r for r in classic if r.side == "ai"), key=lambda r: r.auroc, default=None),
        float(np.mean([u.auroc for u in unseen])) if unseen else float("nan"),
        min(unseen, key=lambda u: u.auroc, default=None),
        run.pooled_unseen,
        tuple(r for r in rates if r.side == "human"), tuple(r for r in rates if r.side == "ai"),
        getattr(run, "pooled_unseen_tpr", float("nan")),  # runs kept (pickled) before the field existed
    )


def _named(score: HeldOutScore | UnseenScore | None) -> str:
    if score is None:
        return DASH
    source = score.held_out if isinstance(score, HeldOutScore) else score.source
    return f"{fmt(score.auroc)} ({source}, {score.side})"


def summary_tables(summaries: Sequence[RunSummary], pools: Sequence[str]) -> tuple[str, str]:
    """(AUROC table, threshold table), one row per run; `pools` says which pools each run used."""
    auroc_rows, rate_rows = [], []
    for s, pool in zip(summaries, pools, strict=True):
        auroc_rows.append([s.name, pool, s.n_sources, fmt(s.mean_auroc), _named(s.worst), _named(s.worst_ai),
                           fmt(s.mean_unseen), _named(s.worst_unseen), fmt(s.pooled_unseen),
                           fmt(s.pooled_unseen_tpr, digits=1)])
        worst, unc_h, unc_a = s.worst_human, s.most_uncertain("human"), s.most_uncertain("ai")
        rate_rows.append([s.name, pool, f"{s.humans_over_bar} of {len(s.human_rates)}",
                          f"{rate_cell(worst)} ({worst.source})" if worst else DASH,
                          f"{uncertain_cell(unc_h)} ({unc_h.source})" if unc_h else DASH,
                          fmt(s.mean_tpr, digits=1),
                          f"{uncertain_cell(unc_a)} ({unc_a.source})" if unc_a else DASH])
    min_n = summaries[0].min_n if summaries else MIN_N
    aurocs = table(["recipe", "pools", f"sources (n ≥ {min_n})", "mean AUROC", "worst AUROC", "worst AI-source AUROC",
                    "mean AUROC vs unseen", "worst AUROC vs unseen", "pooled AUROC vs unseen",
                    "pooled TPR@1%FPR vs unseen"], auroc_rows)
    rates = table(["recipe", "pools", "human sources over 1% at low-fpr", "worst human source, called AI at low-fpr",
                   "most uncertain human source (%)", "mean TPR at low-fpr", "most uncertain AI source (%)"],
                  rate_rows)
    return aurocs, rates


# --- sentences ----------------------------------------------------------------------------------


def beats_baseline(mode: RunSummary, baseline: RunSummary) -> str:
    """Whether a kodetect mode beats the baseline on the mean and on the worst held-out source."""

    def verdict(ours: float, theirs: float) -> str:
        return "beats it" if ours > theirs else "does **not** beat it"

    if mode.worst is None or baseline.worst is None:
        return f"*{mode.name}*: too few held-out sources with n ≥ {mode.min_n} to compare with the baseline."
    mean = verdict(mode.mean_auroc, baseline.mean_auroc)
    return (f"*{mode.name}* against the {baseline.name} (leave one source out, sources with n ≥ {mode.min_n}): "
            f"mean AUROC {fmt(mode.mean_auroc)} vs {fmt(baseline.mean_auroc)}, {mean} on the mean; worst "
            f"{_named(mode.worst)} vs {_named(baseline.worst)}, {verdict(mode.worst.auroc, baseline.worst.auroc)} "
            "on the worst case.")


@dataclass(frozen=True)
class ModeDifference:
    """Deep mode's AUROC minus fast mode's per held-out (source, side), on the same test texts."""

    diffs: tuple[float, ...]

    @property
    def wins(self) -> int:
        return sum(d > 0 for d in self.diffs)

    @property
    def losses(self) -> int:
        return sum(d < 0 for d in self.diffs)

    @property
    def mean(self) -> float:
        return float(np.mean(self.diffs)) if self.diffs else float("nan")

    @property
    def better(self) -> str:
        return "deep" if self.mean > 0 else "fast"


def mode_difference(deep: ProtocolRun, fast: ProtocolRun) -> ModeDifference:
    return ModeDifference(tuple(d.auroc - f.auroc for d, f in zip(deep.classic, fast.classic, strict=True)
                                if not (np.isnan(d.auroc) or np.isnan(f.auroc))))


def mode_comparison(deep: ProtocolRun, fast: ProtocolRun) -> str:
    """Which mode is more accurate on a held-out source: per (source, side), deep's AUROC against fast's
    on the same test texts."""
    d = mode_difference(deep, fast)
    if not d.diffs:
        return "No held-out source could be compared between the modes."
    return (f"On a held-out source, deep mode's AUROC is above fast mode's for {d.wins} of {len(d.diffs)} held-out "
            f"sources (below for {d.losses}), by {fmt(d.mean)} points on average (largest gain {fmt(max(d.diffs))}, "
            f"largest loss {fmt(min(d.diffs))}): **{d.better} mode is the more accurate on a source held out**, "
            "on these texts.")


# --- the plain baseline -------------------------------------------------------------------------


def _baseline_version() -> str:
    """What the cached baseline scores depend on besides the texts: its code and scikit-learn."""
    import sklearn

    from kodetect.eval import baselines

    return hashlib.sha256(Path(baselines.__file__).read_bytes() + sklearn.__version__.encode()).hexdigest()[:16]


def _cache_path(train: Sequence[Example], validation: Sequence[Example]) -> Path:
    from kodetect.training.featurize import default_cache_dir

    digest = hashlib.sha256(f"{_baseline_version()}\0{len(train)}\0".encode())
    for e in [*train, *validation]:
        digest.update(f"{e.id}\0{e.group}\0{e.label}\0{e.text}\0".encode())
    return default_cache_dir() / "bench" / f"out-of-source-tfidf-{digest.hexdigest()[:16]}.npz"


def baseline_holdout(train: Sequence[Example], validation: Sequence[Example]) -> SourceHoldout:
    """The TF-IDF baseline's out-of-source scores on these pools, from the disk cache when present."""
    from kodetect.eval.baselines import tfidf_baseline_recipe
    from kodetect.eval.protocols import out_of_source

    path = _cache_path(train, validation)
    examples = [*train, *validation]
    if path.exists():
        data = np.load(path, allow_pickle=False)
        groups = [str(g) for g in data["groups"]]
        return SourceHoldout(examples, data["scores"], data["validation"],
                             {g: data["contrast"][i] for i, g in enumerate(groups)})
    print(f"[bench] TF-IDF baseline: one fit per source on {len(train)} texts ...", file=sys.stderr, flush=True)
    holdout = out_of_source(tfidf_baseline_recipe, train, validation)
    groups = sorted(holdout.contrast)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + f".{os.getpid()}.partial.npz")
    np.savez(partial, scores=holdout.scores, validation=holdout.validation, groups=np.array(groups),
             contrast=np.stack([holdout.contrast[g] for g in groups]))
    os.replace(partial, path)  # a reader never sees half a file
    return holdout


@dataclass(frozen=True)
class CalibratedBaseline:
    """The baseline fitted on the training pool, calibrated and thresholded as kodetect is: Platt and
    `choose_thresholds` on its out-of-source scores."""

    score: Scorer  # probabilities
    thresholds: dict[str, ThresholdMode]


def calibrated_baseline(train: Sequence[Example], validation: Sequence[Example]) -> CalibratedBaseline:
    from kodetect.eval.baselines import tfidf_baseline_recipe

    holdout = baseline_holdout(train, validation)
    labels, groups = holdout.labels, holdout.groups
    calibration = fit_platt(holdout.scores, labels, source_balanced_weights(labels, groups))
    thresholds = choose_thresholds(labels, calibration.probability(holdout.scores), groups)
    raw = tfidf_baseline_recipe([e.text for e in train], np.array([e.label for e in train]))
    return CalibratedBaseline(lambda texts: calibration.probability(raw(texts)), thresholds)
