"""Profiles (`kodetect profile create`): what thresholds fitted on half of an unseen source's human texts
promise and deliver on the other half, against the shipped `low-fpr` mode.

Reads the shipped model's reference scores (`Detector.reference`): every training text scored by a model
trained without its source (leave-one-source-out), so each source stands for a genre the model never
saw, the situation a profile is for. No model is retrained and nothing is scored here, so the section
takes a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.report import figures
from bench.report.context import Context, Unavailable
from bench.report.markdown import Section, count_rate, table
from kodetect.calibration.thresholds import ThresholdMode
from kodetect.eval.metrics import wilson_interval
from kodetect.model.artifact import Reference
from kodetect.profiles.bounds import percent_at_most, texts_needed
from kodetect.profiles.fit import fit_thresholds

TARGET = 0.01
MIN_HUMAN_TEXTS = 200  # sources with fewer human texts are not split (the rule)
# A source's own AI texts are its positives when it has this many; else every AI text of the reference.
MIN_OWN_AI = 50
SPLITS = {"quick": 5, "full": 50}
NEEDED_TARGETS = (0.01, 0.02, 0.05)
NEEDED_FALSE_POSITIVES = (0, 1, 2, 5, 10)


@dataclass(frozen=True)
class Rates:
    false_positives: int  # on the first split's test half
    tested: int
    fpr_mean: float  # over every split
    tpr: float  # first split
    tpr_mean: float


@dataclass(frozen=True)
class SourceResult:
    source: str
    human_texts: int
    ai_texts: int
    own_ai: bool  # positives are the source's own AI texts
    default: Rates
    profile: Rates
    promised: float  # the first split's profile promise
    promised_mean: float
    met_share: float  # share of splits whose profile could promise the target

    @property
    def fit_texts(self) -> int:
        return self.human_texts // 2


def _halves(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(n)
    return order[: n // 2], order[n // 2:]


def measure_source(human: np.ndarray, ai: np.ndarray, model: ThresholdMode, splits: int,
                   seed: int = 0) -> tuple[Rates, Rates, list[float]]:
    """Default and profile rates over `splits` random halvings: fit a profile on one half of `human`,
    count the other half's false positives; the default mode is counted on the same halves."""
    rng = np.random.default_rng(seed)
    default_fp, profile_fp, profile_tpr, bounds = [], [], [], []
    tested = 0
    for _ in range(splits):
        fit_half, test_half = _halves(len(human), rng)
        fit = fit_thresholds(human[fit_half], TARGET, model=model)
        test = human[test_half]
        tested = len(test)
        default_fp.append(int((test >= model.ai).sum()))
        profile_fp.append(int((test >= fit.thresholds.ai).sum()))
        profile_tpr.append(float((ai >= fit.thresholds.ai).mean()))
        bounds.append(fit.fpr_bound)
    default_tpr = float((ai >= model.ai).mean())
    default = Rates(default_fp[0], tested, float(np.mean(default_fp)) / tested, default_tpr, default_tpr)
    profile = Rates(profile_fp[0], tested, float(np.mean(profile_fp)) / tested, profile_tpr[0],
                    float(np.mean(profile_tpr)))
    return default, profile, bounds


def measure(reference: Reference, model: ThresholdMode, splits: int, seed: int = 0) -> list[SourceResult]:
    """Every human source of the reference with at least MIN_HUMAN_TEXTS texts, largest first."""
    names = reference.source_names()
    human_side, ai_side = reference.label == 0, reference.label == 1
    results = []
    for source in sorted(set(names[human_side]), key=lambda s: (-int(((names == s) & human_side).sum()), s)):
        human = reference.probability[(names == source) & human_side]
        if len(human) < MIN_HUMAN_TEXTS:
            continue
        own = reference.probability[(names == source) & ai_side]
        own_ai = len(own) >= MIN_OWN_AI
        ai = own if own_ai else reference.probability[ai_side]
        default, profile, bounds = measure_source(human, ai, model, splits, seed)
        results.append(SourceResult(source, len(human), len(ai), own_ai, default, profile, bounds[0],
                                    float(np.mean(bounds)), float(np.mean([b <= TARGET for b in bounds]))))
    return results


def _fpr_cell(rates: Rates) -> str:
    interval = wilson_interval(rates.false_positives, rates.tested)
    return count_rate(rates.false_positives, rates.tested, interval)


def results_table(results: list[SourceResult]) -> str:
    rows = []
    for r in results:
        rows.append([
            r.source, r.human_texts, f"{r.ai_texts} ({'own' if r.own_ai else 'all sources'})",
            _fpr_cell(r.default), f"{100 * r.default.fpr_mean:.2f}", f"{100 * r.default.tpr:.1f}",
            f"{percent_at_most(r.promised)} ({100 * r.met_share:.0f}% of splits ≤ {percent_at_most(TARGET)})",
            _fpr_cell(r.profile), f"{100 * r.profile.fpr_mean:.2f}", f"{100 * r.profile.tpr_mean:.1f}",
            f"{100 * (r.profile.tpr_mean - r.default.tpr):+.1f}",
        ])
    header = ["held-out source", "human texts", "AI texts", "low-fpr: FPR, test half [95% Wilson]",
              "low-fpr: mean FPR", "low-fpr: TPR", "profile: promised (first split)",
              "profile: FPR, test half [95% Wilson]", "profile: mean FPR", "profile: mean TPR", "TPR change"]
    return table(header, rows)


def needed_table() -> str:
    rows = [[f"at most {percent_at_most(target)}",
             *(f"{texts_needed(target, k):,}" for k in NEEDED_FALSE_POSITIVES)] for target in NEEDED_TARGETS]
    return table(["promise (95% upper bound)", *(f"{k} called AI" for k in NEEDED_FALSE_POSITIVES)], rows)


def _explanation(splits: int) -> str:
    return (
        "A profile is fitted on half of one source's human texts (at random) and tested on the other half, "
        f"{splits} times with different halves; the first split's counts are shown with their 95% Wilson "
        "interval, the means are over all splits. Probabilities come from the shipped model's reference "
        "scores: each text scored by a model trained without its source, so every source is a genre the model "
        "has not seen. The profile's AI cut is the lowest at which the 95% Clopper-Pearson upper bound of the "
        f"false-positive rate on its half is at most {percent_at_most(TARGET)} (with too few texts for that: "
        "just above the highest human score, and never below the model's own low-fpr cut), and never below an "
        "AI probability of 0.5. The `low-fpr` column is the shipped mode on the same test halves; its cut was "
        "chosen on these same reference scores (every source at most 1%), so its rates are in-sample, while the "
        "profile's are measured on texts it was not fitted on. Positives: the source's own AI texts where it "
        f"has at least {MIN_OWN_AI}, else every AI text of the reference (each scored out of its source).")


def run(ctx: Context) -> Section:
    section = Section("profiles", "Profiles: thresholds fitted to your own writing")
    splits = SPLITS["quick" if ctx.settings.quick else "full"]
    section.blocks.append(_explanation(splits))
    for mode in ctx.modes():
        _mode_blocks(ctx, section, mode, splits)
    section.blocks.append(
        "Human texts a profile needs for its promise, by how many of them it calls AI (one-sided 95% "
        "Clopper-Pearson; with none called AI the bound is 1 - 0.05^(1/n), so 299 texts promise 1%):")
    section.blocks.append(needed_table())
    section.blocks.append("Not measured here: writing kept outside ../shared/data (the issue's second target).")
    return section


def _mode_blocks(ctx: Context, section: Section, mode: str, splits: int) -> None:
    try:
        detector = ctx.detector(mode)
    except Unavailable as exc:
        section.blocks.append(f"*{mode}*: not measured ({exc}).")
        return
    section.models.append(ctx.model_versions.get(mode, mode))
    reference = detector.reference
    if reference is None:
        section.blocks.append(f"*{mode}*: not measured: the packaged model has no reference scores (out-of-source "
                              "probabilities of its training texts, written when the model is retrained).")
        return
    results = measure(reference, ThresholdMode(**detector.thresholds["low-fpr"]), splits)
    if not results:
        section.blocks.append(f"*{mode}*: no human source of the reference has {MIN_HUMAN_TEXTS} texts or more.")
        return
    section.blocks.append(f"*{mode}* mode:")
    section.blocks.append(results_table(results))
    section.facts[mode] = {r.source: {"default_fpr": r.default.fpr_mean, "profile_fpr": r.profile.fpr_mean,
                                      "default_tpr": r.default.tpr, "profile_tpr": r.profile.tpr_mean}
                           for r in results}
    reason = figures.matplotlib_reason()
    if reason is not None:
        section.blocks.append(f"Figure not drawn: {reason}.")
    else:
        path = figures.profile_figure(
            ctx.figures_dir / f"profiles_{mode}.png", [r.source for r in results],
            {"low-fpr": [r.default.fpr_mean for r in results], "profile": [r.profile.fpr_mean for r in results]},
            {"low-fpr": [r.default.tpr for r in results], "profile": [r.profile.tpr_mean for r in results]},
            TARGET, f"{mode} mode: shipped low-fpr against a profile from half of each unseen source")
        section.figures.append(ctx.figure_link(path))
        section.blocks.append(f"![profiles, {mode}]({ctx.figure_link(path)})")
