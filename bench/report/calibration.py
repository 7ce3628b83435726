"""Calibration and false positives of the SHIPPED models (kodetect.Detector) on held-out text.

Reliability diagram and expected calibration error; the actual false-positive rate of each threshold
mode on every human genre, with 95% Wilson intervals because some genres have few texts; the true-
positive rate on every AI genre; score histograms per genre and ROC curves.
"""

from __future__ import annotations

import numpy as np

from bench.report import figures
from bench.report.context import DEV_FILES, KATFISH_FILES, Context, cap_per_group
from bench.report.heldout import GENRE_NAMES, POOLS, HeldOut, katfish_test_set, score, validation_set
from bench.report.markdown import Section, count_rate, fmt, table
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


def _rate(p: np.ndarray, threshold: float) -> tuple[int, int]:
    scored = p[~np.isnan(p)]
    return int((scored >= threshold).sum()), len(scored)


def run(ctx: Context) -> Section:
    section = Section("calibration", "Calibration and false positives of the shipped models",
                      data_files=DEV_FILES + KATFISH_FILES)
    texts = validation_set(ctx) + katfish_test_set(ctx)
    results: dict[str, tuple[list[HeldOut], np.ndarray, dict[str, float]]] = {}
    for mode in ctx.modes():
        cap = ctx.settings.deep_per_group if mode == "deep" else ctx.settings.calibration_per_group
        chosen = cap_per_group(texts, cap, key=lambda h: (h.pool, h.genre, h.label))
        detector = ctx.detector(mode)
        section.models.append(ctx.model_versions[mode])
        p = score(detector, [h.text for h in chosen], f"calibration {mode}")
        thresholds = {m: t["ai"] for m, t in detector.model_card["thresholds"].items()}
        results[mode] = (chosen, p, thresholds)
    deep_reason = ctx.deep_reason()

    section.blocks.append(
        "The packaged models exactly as `kodetect.Detector` runs them, on text they never trained on: the "
        "**validation pool** (20% of every source by id hash, cropped like the training texts; calibration and "
        "both thresholds were fitted on it, so its rates are in-sample for the thresholds) and the **KatFish "
        "seed-42 test splits** (unseen generators Solar, Qwen2 and Llama3.1 and the reserved 20% of human "
        "texts; independent of every fitted number). Texts the detector declines (`insufficient`, "
        "`unsupported-language`) are counted as abstained and left out of the rates.")
    for mode, (chosen, _, _) in results.items():
        cap = ctx.settings.deep_per_group if mode == "deep" else ctx.settings.calibration_per_group
        if cap is not None:
            section.blocks.append(f"*{mode}*: at most {cap} texts per pool, genre and side ({len(chosen)} texts).")
    if deep_reason:
        section.blocks.append(f"Deep mode not measured here: {deep_reason}.")

    overview = []
    for mode, (chosen, p, thresholds) in results.items():
        for pool in POOLS:
            mask = np.array([h.pool == pool for h in chosen])
            y, s = np.array([h.label for h in chosen])[mask], p[mask]
            scored = ~np.isnan(s)
            ys, ss = y[scored], s[scored]
            row = [mode, POOLS[pool], int((y == 0).sum()), int((y == 1).sum()), int((~scored).sum()),
                   fmt(auroc(ys, ss)), fmt(tpr_at_fpr(ys, ss, 0.01), digits=1),
                   fmt(expected_calibration_error(ys, ss), digits=1)]
            for t in thresholds.values():
                row += [count_rate(*_rate(ss[ys == 0], t)), count_rate(*_rate(ss[ys == 1], t))]
            overview.append(row)
            section.facts.setdefault(mode, {})[pool] = {
                "n_human": int((ys == 0).sum()),
                "ece": expected_calibration_error(ys, ss),
                "auroc": auroc(ys, ss),
                **{f"fpr {m}": _rate(ss[ys == 0], t) for m, t in thresholds.items()},
                **{f"tpr {m}": _rate(ss[ys == 1], t) for m, t in thresholds.items()},
            }
    modes_header = [c for m in next(iter(results.values()))[2] for c in (f"FPR {m}", f"TPR {m}")]
    section.blocks.append(
        "Overview. AUROC, TPR at 1% FPR and ECE ×100 (ECE: 10 equal-width bins); FPR and TPR at each threshold "
        "mode in percent (count/total).")
    section.blocks.append(table(["mode", "held-out set", "n human", "n AI", "abstained", "AUROC", "TPR@1%FPR",
                                 "ECE", *modes_header], overview))

    for mode, (chosen, p, thresholds) in results.items():
        rows, ai_rows = [], []
        groups = sorted({(h.genre, h.pool, h.label) for h in chosen}, key=lambda g: (_genre_key(g[0]), g[1]))
        for genre, pool, label in groups:
            mask = np.array([(h.genre, h.pool, h.label) == (genre, pool, label) for h in chosen])
            s = p[mask]
            abstained = int(np.isnan(s).sum())
            cells = []
            for t in thresholds.values():
                k, n = _rate(s, t)
                cells.append(count_rate(k, n, wilson_interval(k, n) if n else None))
            target = rows if label == 0 else ai_rows
            target.append([GENRE_NAMES.get(genre, genre), POOLS[pool], int(mask.sum()), abstained, *cells])
            if label == 0:
                section.facts[mode].setdefault("human_genres", {})[(genre, pool)] = {
                    m: _rate(s, t) for m, t in thresholds.items()}
        section.blocks.append(
            f"**{mode}: false-positive rate by human genre** — the share of human texts called AI, in percent "
            "(count/total) [95% Wilson interval]. Thresholds: "
            + ", ".join(f"{m} ≥ {t:.4f}" for m, t in thresholds.items()) + ".")
        section.blocks.append(table(["human genre", "held-out set", "n", "abstained",
                                     *(f"FPR {m}" for m in thresholds)], rows))
        section.blocks.append(f"**{mode}: true-positive rate by AI genre** (the share of AI texts called AI).")
        section.blocks.append(table(["AI genre", "held-out set", "n", "abstained",
                                     *(f"TPR {m}" for m in thresholds)], ai_rows))

    _figures(ctx, section, results)
    return section


def _figures(ctx: Context, section: Section, results) -> None:
    reason = figures.matplotlib_reason()
    if reason:
        section.blocks.append(f"Figures not drawn: {reason}.")
        return
    series = []
    for mode, (chosen, p, _) in results.items():
        for pool in POOLS:
            mask = np.array([h.pool == pool for h in chosen]) & ~np.isnan(p)
            y, s = np.array([h.label for h in chosen])[mask], p[mask]
            if len(y):
                series.append((f"{mode}, {POOLS[pool]}", reliability_bins(y, s), expected_calibration_error(y, s)))
    path = figures.reliability_figure(ctx.figures_dir / "reliability.png", series,
                                      figures.korean("Reliability of the AI probability", "확률 보정"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        "Reliability diagram: mean predicted probability against the observed share of AI texts per bin (counts "
        "below). The observed shares depend on each set's mix of human and AI texts (the KatFish test splits are "
        "mostly AI texts), which the calibration, fitted on the validation pool with every source weighted "
        f"equally, cannot know.\n\n![Reliability diagram]({ctx.figure_link(path)})")

    chosen, p, thresholds = results["fast"]
    panels = []
    for genre in sorted({h.genre for h in chosen}, key=_genre_key):
        mask = np.array([h.genre == genre for h in chosen]) & ~np.isnan(p)
        y = np.array([h.label for h in chosen])[mask]
        panels.append((GENRE_NAMES.get(genre, genre), p[mask][y == 0], p[mask][y == 1]))
    path = figures.histogram_figure(ctx.figures_dir / "histograms.png", panels, thresholds,
                                    figures.korean("fast: AI probability, human vs AI, by genre (both held-out sets)",
                                                   "장르별 점수 분포"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        "Score histograms by genre (fast mode, both held-out sets; each side normalised to its own count; dashed "
        f"and dotted lines: the threshold modes).\n\n![Score histograms]({ctx.figure_link(path)})")

    panels = []
    for pool in POOLS:
        curves = []
        for mode, (chosen_m, p_m, _) in results.items():
            mask = np.array([h.pool == pool for h in chosen_m])
            y = np.array([h.label for h in chosen_m])[mask]
            curves.append((f"{mode} (n={int(mask.sum())})", y, p_m[mask]))
        panels.append((POOLS[pool], curves))
    path = figures.roc_figure(ctx.figures_dir / "roc_heldout.png", panels,
                              figures.korean("Shipped models on held-out text", "배포 모델, 학습에 쓰지 않은 글"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(
        f"ROC curves of the shipped models, log-scale FPR.\n\n![ROC, held-out]({ctx.figure_link(path)})")
