"""Would a cut that depends on text length catch more AI text without accusing more people? (issue 18)

The shipped `low-fpr` cut is one probability for every text, the lowest that keeps every human source
at or under 1% called AI on out-of-source scores. Short informal texts (tweets, one-line reviews) set
it, and long texts pay: on the report's length table, fast mode catches 76% of 1,000-character AI texts
at `low-fpr` while it ranks them almost perfectly (TPR 99.6% at a cut set on those lengths' own humans).
Two ways to let long texts clear a lower bar, each judged the way the shipped cut is, on sources left
out (calibration and cuts chosen without the held-out source, then applied to it):

* `length-slope`: Platt calibration on the raw score and the raw score times log(Hangul / 150), so the
  probability can grow more extreme with length (a longer text carries more evidence);
* `long-band cut from N`: texts with at least N Hangul syllables get their own `low-fpr` cut, the lowest
  that keeps every human source with at least `--min-n` such long texts at or under 1%, never above the
  shipped cut; shorter texts keep the shipped cut.

Read per held-out source: the share called AI of all its texts, and of its long texts alone, since a
promise of 1% that holds on a source overall but not on its long texts is broken for the people who
write long texts.

    python bench/experiments/length_aware_cuts.py                 # fast mode, ~3 min with warm caches
    python bench/experiments/length_aware_cuts.py --mode deep     # deep mode's subsample

Result, with the table this prints and what was concluded from it: bench/results/length_aware_cuts.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kodetect.calibration.platt import fit_platt  # noqa: E402
from kodetect.calibration.thresholds import (  # noqa: E402
    LOW_FPR_TARGET,
    choose_thresholds,
    cut_for_share,
    source_balanced_weights,
)
from kodetect.eval.metrics import wilson_interval  # noqa: E402
from kodetect.eval.protocols import SourceHoldout  # noqa: E402
from kodetect.text.language import is_syllable  # noqa: E402

OUT = ROOT / "bench" / "results" / "length_aware_cuts.md"
LENGTH_PIVOT = 150  # Hangul syllables at which the length-slope calibration's extra term is zero
MIN_SOURCE_N = 100  # held-out sources read (as the report's leave-one-source-out tables)


def hangul_counts(texts: Sequence[str]) -> np.ndarray:
    return np.array([sum(map(is_syllable, text)) for text in texts])


def length_slope_logits(raw: np.ndarray, hangul: np.ndarray, labels: np.ndarray, weights: np.ndarray,
                        fit_rows: np.ndarray) -> np.ndarray:
    """Calibrated log-odds of every row from a logistic fit on `fit_rows` of [raw, raw * log(hangul / pivot)]."""
    from sklearn.linear_model import LogisticRegression

    design = np.column_stack([raw, raw * np.log(np.maximum(hangul, 1) / LENGTH_PIVOT)])
    model = LogisticRegression(C=1e4, max_iter=5000)
    model.fit(design[fit_rows], labels[fit_rows], sample_weight=weights)
    return model.decision_function(design)


def long_band_cut(p: np.ndarray, labels: np.ndarray, groups: np.ndarray, is_long: np.ndarray,
                  shipped_cut: float, min_n: int) -> float:
    """The lowest cut keeping every human source with at least `min_n` long texts at or under 1% of them
    called AI, never above `shipped_cut`; `shipped_cut` when no source has that many long texts."""
    cuts = []
    for source in np.unique(groups[labels == 0]):
        own = p[is_long & (groups == source) & (labels == 0)]
        if len(own) >= min_n:
            cuts.append(cut_for_share(own, LOW_FPR_TARGET))
    return min(shipped_cut, max(cuts)) if cuts else shipped_cut


@dataclass(frozen=True)
class SourceReading:
    source: str
    side: str
    n: int
    called_ai: int
    n_long: int
    long_called_ai: int


def read_rule(holdout: SourceHoldout, hangul: np.ndarray, rule: str, long_from: int, min_n: int,
              uncertain_share: float) -> list[SourceReading]:
    """Every source with n >= MIN_SOURCE_N at `rule`'s `low-fpr` cut chosen without it."""
    labels, groups, raw = holdout.labels, holdout.groups, holdout.scores
    is_long = hangul >= long_from
    out = []
    for source in sorted(set(groups.tolist())):
        others = groups != source
        weights = source_balanced_weights(labels[others], groups[others])
        if rule == "length-slope":
            p = 1.0 / (1.0 + np.exp(-length_slope_logits(raw, hangul, labels, weights, np.flatnonzero(others))))
        else:
            p = fit_platt(raw[others], labels[others], weights).probability(raw)
        cut = choose_thresholds(labels[others], p[others], groups[others], uncertain_share)["low-fpr"].ai
        cuts = np.full(len(p), cut)
        if rule == "long-band":
            cuts[is_long] = long_band_cut(p[others], labels[others], groups[others], is_long[others], cut, min_n)
        for label in (0, 1):
            own = (groups == source) & (labels == label)
            if own.sum() < MIN_SOURCE_N:
                continue
            called = p >= cuts
            out.append(SourceReading(source, "ai" if label else "human", int(own.sum()), int(called[own].sum()),
                                     int((own & is_long).sum()), int((called & own & is_long).sum())))
    return out


def _percent(count: int, n: int) -> str:
    low, high = wilson_interval(count, n)
    return f"{100 * count / n:.1f} ({count}/{n}) [{100 * low:.1f}–{100 * high:.1f}]" if n else "–"


def summary_row(name: str, readings: list[SourceReading]) -> str:
    human = [r for r in readings if r.side == "human"]
    ai = [r for r in readings if r.side == "ai"]
    worst = max(human, key=lambda r: r.called_ai / r.n)
    worst_long = max((r for r in human if r.n_long), key=lambda r: r.long_called_ai / r.n_long)
    over = sum(r.called_ai / r.n > LOW_FPR_TARGET for r in human)
    over_long = sum(r.long_called_ai / r.n_long > LOW_FPR_TARGET for r in human if r.n_long)
    long_human = sum(r.long_called_ai for r in human), sum(r.n_long for r in human)
    long_ai = sum(r.long_called_ai for r in ai), sum(r.n_long for r in ai)
    mean_ai = 100 * float(np.mean([r.called_ai / r.n for r in ai]))
    return (f"| {name} | {over} of {len(human)} | {_percent(worst.called_ai, worst.n)} ({worst.source}) | "
            f"{over_long} of {sum(1 for r in human if r.n_long)} | "
            f"{_percent(worst_long.long_called_ai, worst_long.n_long)} ({worst_long.source}) | "
            f"{_percent(*long_human)} | {mean_ai:.1f} | {_percent(*long_ai)} |")


def holdout_for(mode: str) -> SourceHoldout:
    """The out-of-source scores `kodetect train --mode MODE` chooses its cuts on (cached stacks make it minutes)."""
    from kodetect.eval.data import data_dir
    from kodetect.eval.protocols import out_of_source
    from kodetect.model.shipped import MIN_HANGUL
    from kodetect.training.dataset import build_sets
    from kodetect.training.train import mode_pools, mode_recipe

    pools = mode_pools(*build_sets(data_dir(), MIN_HANGUL), mode)
    return out_of_source(mode_recipe(mode, pools), pools.train, pools.validation, pools.fit)


def main(argv: list[str] | None = None) -> int:
    from kodetect.eval.data import data_dir
    from kodetect.training.train import UNCERTAIN_SHARES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("fast", "deep"), default="fast")
    parser.add_argument("--long-from", default="250,300,400,600",
                        help="comma-separated Hangul counts from which a text is long (long-band rows)")
    parser.add_argument("--min-n", type=int, default=20, help="long texts a human source needs to set the long cut")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"also write the table here (the findings in {OUT.relative_to(ROOT)} are written by hand)")
    args = parser.parse_args(argv)
    if data_dir() is None:
        print("../shared/data not found", file=sys.stderr)
        return 2
    started = time.time()
    holdout = holdout_for(args.mode)
    hangul = hangul_counts([e.text for e in holdout.examples])
    share = UNCERTAIN_SHARES[args.mode]
    thresholds = [int(n) for n in args.long_from.split(",")]
    report_long = min(thresholds)
    rows = [summary_row("one cut for every length (shipped)",
                        read_rule(holdout, hangul, "shipped", report_long, args.min_n, share)),
            summary_row("length-slope calibration, one cut",
                        read_rule(holdout, hangul, "length-slope", report_long, args.min_n, share))]
    for long_from in thresholds:
        rows.append(summary_row(f"long-band cut from {long_from} Hangul",
                                read_rule(holdout, hangul, "long-band", long_from, args.min_n, share)))
    command = f"python bench/experiments/length_aware_cuts.py --mode {args.mode}"
    text = "\n".join([
        f"## {args.mode} mode",
        "",
        f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({time.time() - started:.0f} s): "
        f"{len(holdout.examples)} texts scored out of source, Hangul syllables per text "
        f"{' / '.join(str(int(q)) for q in np.percentile(hangul, [25, 50, 75, 95]))} (25th / 50th / 75th / 95th "
        f"percentile); sources with n >= {MIN_SOURCE_N}; a source's long texts are those at or above the row's "
        f"length (the first two rows: {report_long}); long-band cuts from human sources with >= {args.min_n} "
        "long texts. Percent (count/total) [95% Wilson interval].",
        "",
        "| rule | human sources over 1% | worst human source called AI | human sources over 1% on their "
        "long texts | worst human source, long texts called AI | long human texts called AI | mean AI caught % | "
        "long AI texts caught |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ])
    if args.out is not None:
        args.out.write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
