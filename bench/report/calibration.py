"""Calibration and false positives of the SHIPPED models (kodetect.Detector) on held-out text.

Reliability diagram and expected calibration error; the actual false-positive rate of each threshold
mode on every human source and genre, with 95% Wilson intervals because some have few texts, and the
share left `uncertain` beside every rate; the true-positive rate on every AI source and genre; the
TF-IDF baseline calibrated and thresholded the way kodetect is; the model card's out-of-source rates
when the packaged model has them; score histograms per genre and ROC curves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bench.report import figures
from bench.report.context import DEV_FILES, KATFISH_FILES, Context, cap_per_group
from bench.report.heldout import (
    GENRE_NAMES,
    POOLS,
    Cuts,
    HeldOut,
    called,
    card_cuts,
    katfish_test_set,
    new_sources_apart,
    score,
    validation_set,
)
from bench.report.markdown import DASH, Section, fmt, rate_uncertain, table
from bench.report.source_holdout import BASELINE_LABEL, calibrated_baseline
from kodetect.eval.metrics import (
    auroc,
    expected_calibration_error,
    reliability_bins,
    tpr_at_fpr,
    wilson_interval,
)

GENRE_ORDER = tuple(GENRE_NAMES)


def _genre_key(genre: str) -> tuple[int, str]:
    return (GENRE_ORDER.index(genre) if genre in GENRE_ORDER else len(GENRE_ORDER), genre)


@dataclass
class Scored:
    """One model's probabilities of the chosen held-out texts (nan where it abstained), and its cuts."""

    chosen: list[HeldOut]
    p: np.ndarray
    cuts: dict[str, Cuts]
    notes: list[str] = field(default_factory=list)


def rate_cell(p: np.ndarray, cuts: Cuts, interval: bool = False) -> str:
    k, u, n = called(p, cuts)
    return rate_uncertain(k, n, None if cuts.human is None else u, wilson_interval(k, n) if interval and n else None)


def _shipped(ctx: Context, texts: list[HeldOut], mode: str) -> Scored:
    cap = ctx.settings.deep_calibration_per_group if mode == "deep" else ctx.settings.calibration_per_group
    chosen = cap_per_group(texts, cap, key=lambda h: (h.pool, h.group, h.genre, h.label))
    detector = ctx.detector(mode)
    p = score(detector, [h.text for h in chosen], f"calibration {mode}")
    notes = [f"*{mode}*: at most {cap} texts per pool, source, genre and side ({len(chosen)} texts)."] if cap else []
    chosen = new_sources_apart(chosen, detector.model_card)
    new = sorted({h.group for h in chosen if h.pool == "validation-new"})
    if new:
        notes.append(f"*{mode}*: the packaged model's card lists no training texts of {', '.join(new)}: their "
                     "validation texts are reported apart (*sources new to the model*), not in-sample for it.")
    return Scored(chosen, p, card_cuts(detector.model_card["thresholds"]), notes)


def _baseline(ctx: Context, fast: Scored) -> Scored:
    """The baseline on fast mode's texts, leaving out those fast mode declined, so the rates compare."""
    train, validation = ctx.protocol_pools
    baseline = calibrated_baseline(train, validation)
    # The baseline trains on every source of the pools, whatever the packaged fast model saw.
    chosen = [replace(h, pool="validation") if h.pool == "validation-new" else h for h in fast.chosen]
    p = np.asarray(baseline.score([h.text for h in chosen]), dtype=float)
    p[np.isnan(fast.p)] = np.nan
    cuts = {m: Cuts(t.ai, t.human) for m, t in baseline.thresholds.items()}
    note = (f"*{BASELINE_LABEL}*: fitted on the protocol pools' training texts ({len(train)}), Platt-calibrated and "
            "thresholded like kodetect on its own out-of-source scores (one fit per source without it; "
            "`bench/report/source_holdout.py`); scored on fast mode's texts, without those fast mode declined.")
    return Scored(chosen, p, cuts, [note])


INTRO = (
    "The packaged models exactly as `kodetect.Detector` runs them, on text they never trained on: the "
    "**validation pool** (20% of every source of dev/, dev2/ and KatFish's train split by id hash, cropped like "
    "the training texts) and the **KatFish seed-42 test splits** (unseen generators Solar, Qwen2 and Llama3.1 and "
    "the reserved 20% of human texts; independent of every fitted number). **In-sample for the thresholds:** the "
    "shipped calibration and cuts were chosen on scores of the sources the model trained on (the current recipe "
    "chooses them on out-of-source scores of the pools, older artifacts on the validation pool itself), so the "
    "validation rates below say how the shipped cuts sit on the sources they were chosen on, not what a new "
    "source gets; *Leave one source out* measures that. Validation texts of sources the packaged model's card "
    "does not list among its training data (a model trained before dev2/ was added) are reported apart, as "
    "*sources new to the model*. Texts the detector declines (`insufficient`, `unsupported-language`) are counted "
    "as abstained and left out of the rates. Every FPR and TPR is followed by the share left `uncertain` (between "
    "the mode's human and AI cuts), in percent.")


def run(ctx: Context) -> Section:
    section = Section("calibration", "Calibration and false positives of the shipped models",
                      data_files=DEV_FILES + KATFISH_FILES)
    texts = validation_set(ctx) + katfish_test_set()
    results: dict[str, Scored] = {}
    for mode in ctx.modes():
        results[mode] = _shipped(ctx, texts, mode)
        section.models.append(ctx.model_versions[mode])
    results[BASELINE_LABEL] = _baseline(ctx, results["fast"])
    section.models.append(f"{BASELINE_LABEL} (fitted here)")
    section.blocks.append(INTRO)
    for scored in results.values():
        section.blocks.extend(scored.notes)
    if ctx.deep_reason():
        section.blocks.append(f"Deep mode not measured here: {ctx.deep_reason()}.")
    _overview(section, results)
    for name, scored in results.items():
        _by_source(section, name, scored)
    for mode in ctx.modes():
        _card_out_of_source(section, mode, ctx.detector(mode).model_card)
    _figures(ctx, section, {m: s for m, s in results.items() if m != BASELINE_LABEL}, results[BASELINE_LABEL])
    return section


def _overview(section: Section, results: dict[str, Scored]) -> None:
    rows = []
    for name, s in results.items():
        labels = np.array([h.label for h in s.chosen])
        for pool in POOLS:
            mask = np.array([h.pool == pool for h in s.chosen])
            if not mask.any():
                continue
            y, p = labels[mask], s.p[mask]
            judged = ~np.isnan(p)
            ys, ps = y[judged], p[judged]
            row = [name, POOLS[pool], int((y == 0).sum()), int((y == 1).sum()), int((~judged).sum()),
                   fmt(auroc(ys, ps)), fmt(tpr_at_fpr(ys, ps, 0.01), digits=1),
                   fmt(expected_calibration_error(ys, ps), digits=1)]
            for cuts in s.cuts.values():
                row += [rate_cell(ps[ys == 0], cuts), rate_cell(ps[ys == 1], cuts)]
            rows.append(row)
            section.facts.setdefault(name, {})[pool] = {
                "n_human": int((ys == 0).sum()),
                "ece": expected_calibration_error(ys, ps),
                "auroc": auroc(ys, ps),
                **{f"fpr {m}": called(ps[ys == 0], c) for m, c in s.cuts.items()},
                **{f"tpr {m}": called(ps[ys == 1], c) for m, c in s.cuts.items()},
            }
    modes = list(next(iter(results.values())).cuts)
    section.blocks.append(
        "Overview. AUROC, TPR at 1% FPR and ECE ×100 (ECE: 10 equal-width bins); FPR and TPR at each threshold "
        "mode in percent (count/total), then the uncertain share.")
    section.blocks.append(table(["model", "held-out set", "n human", "n AI", "abstained", "AUROC", "TPR@1%FPR",
                                 "ECE", *(c for m in modes for c in (f"FPR {m}", f"TPR {m}"))], rows))


def _source_rows(s: Scored, label: int) -> list[tuple[tuple[str, str, str], np.ndarray]]:
    """(genre, source, pool) and its scores, for every group of one side, in genre order."""
    keys = sorted({(h.genre, h.group, h.pool) for h in s.chosen if h.label == label},
                  key=lambda k: (_genre_key(k[0]), k[1], k[2]))
    return [(key, s.p[np.array([(h.genre, h.group, h.pool) == key and h.label == label for h in s.chosen])])
            for key in keys]


def _by_source(section: Section, name: str, s: Scored) -> None:
    cuts_text = ", ".join(f"{m} ≥ {c.ai:.4f}" + ("" if c.human is None else f" (human < {c.human:.4f})")
                          for m, c in s.cuts.items())
    for label, rate in ((0, "FPR"), (1, "TPR")):
        rows = []
        for (genre, group, pool), p in _source_rows(s, label):
            rows.append([GENRE_NAMES.get(genre, genre), group, POOLS[pool], len(p), int(np.isnan(p).sum()),
                         *(rate_cell(p, c, interval=True) for c in s.cuts.values())])
            if label == 0:
                section.facts[name].setdefault("human_sources", {})[(genre, group, pool)] = {
                    m: called(p, c) for m, c in s.cuts.items()}
        what = ("false-positive rate by human source and genre** — the share of human texts called AI"
                if label == 0 else "true-positive rate by AI source and genre** — the share of AI texts called AI")
        section.blocks.append(f"**{name}: {what}, in percent (count/total) [95% Wilson interval]; unc.: the share "
                              f"left uncertain. Thresholds: {cuts_text}.")
        section.blocks.append(table(["genre", "source", "held-out set", "n", "abstained",
                                     *(f"{rate} {m}" for m in s.cuts)], rows))


def _card_cell(n: int, called_share: float | None, uncertain: float | None, interval: bool) -> str:
    """A card share (rounded to 4 places) back as a count of its n, with the uncertain share beside it."""
    if called_share is None:
        return DASH
    k = round(called_share * n)
    u = None if uncertain is None else round(uncertain * n)
    return rate_uncertain(k, n, u, wilson_interval(k, n) if interval and n else None)


def card_out_of_source_rows(out_of_source: dict) -> list[list[object]]:
    """Rows of the model card's `out_of_source` block (kodetect/training/train.py): per source and side, the
    share called AI and uncertain at the shipped cuts and at cuts chosen without the source."""
    rows = []
    unseen = out_of_source.get("auroc_unseen_by_source", {})
    for key, r in out_of_source["by_source"].items():
        n = r["n"]
        row: list[object] = [*key.rsplit("/", 1), n, fmt(unseen.get(key))]
        for mode in r["called_ai"]:
            row += [_card_cell(n, r["called_ai"][mode], r["uncertain"].get(mode), False),
                    _card_cell(n, r["called_ai_thresholds_without_it"][mode],
                               r["uncertain_thresholds_without_it"].get(mode), True)]
        rows.append(row)
    return rows


def _card_out_of_source(section: Section, mode: str, card: dict) -> None:
    block = card.get("out_of_source")
    if not block:
        section.blocks.append(f"The packaged {mode} model's card has no `out_of_source` block (it was trained before "
                              "thresholds were chosen on out-of-source scores); *Leave one source out* measures the "
                              "same thing with the current recipe.")
        return
    modes = list(next(iter(block["by_source"].values()))["called_ai"])
    header = ["source", "side", "n", "AUROC vs unseen"]
    for m in modes:
        header += [f"called AI {m}, shipped cuts (in-sample)", f"called AI {m}, cuts chosen without it [95% CI]"]
    section.blocks.append(
        f"**{mode}: the model card's out-of-source rates** (`kodetect train` scores every training-pool text with "
        "the recipe fitted without its source). *Shipped cuts* were chosen on these very scores, all sources "
        "included, so they are in-sample; *cuts chosen without it* are fitted on the other sources only and say "
        f"what a new source of its kind would get. Pooled AUROC vs unseen: {fmt(block.get('auroc_unseen_pooled'))}. "
        "The share called AI is a false-positive rate for a human source, a true-positive rate for an AI one.")
    section.blocks.append(table(header, card_out_of_source_rows(block)))


def _figures(ctx: Context, section: Section, results: dict[str, Scored], baseline: Scored) -> None:
    reason = figures.matplotlib_reason()
    if reason:
        section.blocks.append(f"Figures not drawn: {reason}.")
        return
    _reliability(ctx, section, results)
    _histograms(ctx, section, results["fast"])
    _roc(ctx, section, {**results, BASELINE_LABEL: baseline})


def _masked(s: Scored, keep: Callable[[HeldOut], bool]) -> tuple[np.ndarray, np.ndarray]:
    mask = np.array([keep(h) for h in s.chosen]) & ~np.isnan(s.p)
    return np.array([h.label for h in s.chosen])[mask], s.p[mask]


def _reliability(ctx: Context, section: Section, results: dict[str, Scored]) -> None:
    series = []
    for mode, s in results.items():
        for pool in POOLS:
            y, p = _masked(s, lambda h, pool=pool: h.pool == pool)
            if len(y):
                series.append((f"{mode}, {POOLS[pool]}", reliability_bins(y, p), expected_calibration_error(y, p)))
    path = figures.reliability_figure(ctx.figures_dir / "reliability.png", series,
                                      figures.korean("Reliability of the AI probability", "확률 보정"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        "Reliability diagram: mean predicted probability against the observed share of AI texts per bin (counts "
        "below). The observed shares depend on each set's mix of human and AI texts (the KatFish test splits are "
        "mostly AI texts), which the calibration, fitted with every source weighted equally, cannot know."
        f"\n\n![Reliability diagram]({ctx.figure_link(path)})")


def _histograms(ctx: Context, section: Section, fast: Scored) -> None:
    panels = []
    for genre in sorted({h.genre for h in fast.chosen}, key=_genre_key):
        y, p = _masked(fast, lambda h, genre=genre: h.genre == genre)
        panels.append((GENRE_NAMES.get(genre, genre), p[y == 0], p[y == 1]))
    path = figures.histogram_figure(ctx.figures_dir / "histograms.png", panels,
                                    {m: c.ai for m, c in fast.cuts.items()},
                                    figures.korean("fast: AI probability, human vs AI, by genre (both held-out sets)",
                                                   "장르별 점수 분포"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        "Score histograms by genre (fast mode, both held-out sets; each side normalised to its own count; dashed "
        f"and dotted lines: the threshold modes' AI cuts).\n\n![Score histograms]({ctx.figure_link(path)})")


def _roc(ctx: Context, section: Section, results: dict[str, Scored]) -> None:
    panels = []
    for pool in POOLS:
        curves: list[tuple[str, np.ndarray, np.ndarray]] = []
        for name, s in results.items():
            y, p = _masked(s, lambda h, pool=pool: h.pool == pool)
            curves.append((f"{name} (n={len(y)})", y, p))
        panels.append((POOLS[pool], curves))
    path = figures.roc_figure(ctx.figures_dir / "roc_heldout.png", panels,
                              figures.korean("Shipped models on held-out text", "배포 모델, 학습에 쓰지 않은 글"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        "ROC curves of the shipped models and the TF-IDF baseline, log-scale FPR (texts a model declined left "
        f"out).\n\n![ROC, held-out]({ctx.figure_link(path)})")


def human_source_rows(facts: dict, mode: str) -> Sequence[tuple[tuple[str, str, str], tuple[int, int, int]]]:
    """The summary's view of one model's human sources at one threshold mode: ((genre, source, pool), (called
    AI, uncertain, judged))."""
    return [(key, r[mode]) for key, r in facts.get("human_sources", {}).items() if mode in r]
