"""Length: how accuracy falls as held-out texts are cut shorter, and why the `insufficient` limit is 50 Hangul.

Held-out texts (the validation pool's rows uncropped, and the KatFish seed-42 test splits) are cut
at a sentence end (kodetect.eval.attacks.truncate) to each length; a text enters a length's row only
when it was at least that long. The shipped model scores them with its `insufficient` limit lifted
(a copy of the artifact with min_hangul = 1), so the rows below the limit show what a verdict there
would be worth; the thresholds are the shipped ones.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from bench.report import figures
from bench.report.context import DEV_FILES, KATFISH_FILES, Context, Unavailable, subsample
from bench.report.heldout import Cuts, HeldOut, called, card_cuts, originals, score
from bench.report.markdown import Section, count_rate, fmt, rate_uncertain, table
from kodetect.eval.attacks import truncate
from kodetect.eval.metrics import auroc, tpr_at_fpr
from kodetect.model.shipped import MIN_HANGUL
from kodetect.text.language import script_profile
from kodetect.text.normalize import normalize

CUTS = (25, 50, 100, 200, 300, 500, 1000)
# Hangul-syllable bins of the by-Hangul table (the model card had the same curve until training stopped
# writing it); the rows under MIN_HANGUL are what `insufficient` declines.
LENGTH_BINS = ((10, 30), (30, 50), (50, 100), (100, 200), (200, 400), (400, None))
# The same-text curve follows texts at least this long through every cut up to it, so only length changes.
SAME_TEXT_MIN = 500


def hangul_count(text: str) -> int:
    """Hangul syllables after normalisation, as the detector counts them for `insufficient`."""
    return script_profile(normalize(text).text).hangul


def cut_set(texts: list[HeldOut], cut: int) -> list[tuple[HeldOut, str]]:
    """(original, cut text) for every text at least `cut` characters long."""
    return [(h, truncate(h.text, cut)) for h in texts if len(h.text) >= cut]


def _per_label(texts: list[HeldOut], cap: int | None) -> list[HeldOut]:
    if cap is None:
        return texts
    out = []
    for label in (0, 1):
        members = [h for h in texts if h.label == label]
        out += subsample(members, cap, key=lambda h: (h.pool, h.genre))
    return out


def _rates(y: np.ndarray, p: np.ndarray, thresholds: dict[str, Cuts]) -> dict[str, object]:
    """AUROC, TPR at 1% FPR, and (called AI, uncertain, n) of each side at each mode's cuts."""
    human, ai = p[y == 0], p[y == 1]
    return {
        "auroc": auroc(y, p),
        "tpr_at_1pct_fpr": tpr_at_fpr(y, p, 0.01),
        **{f"fpr {m}": called(human, c) for m, c in thresholds.items()},
        **{f"tpr {m}": called(ai, c) for m, c in thresholds.items()},
    }


def _cell(rate: tuple[int, int, int], cuts: Cuts) -> str:
    k, u, n = rate
    return rate_uncertain(k, n, None if cuts.human is None else u)


def run(ctx: Context) -> Section:
    section = Section("length", "Length: accuracy by text length, and the `insufficient` limit",
                      data_files=DEV_FILES + KATFISH_FILES)
    all_texts = originals(ctx)
    modes = {"fast": _per_label(all_texts, ctx.settings.length_per_label)}
    try:
        ctx.detector("deep", unrestricted=True)
        modes["deep"] = all_texts
    except Unavailable as exc:
        section.blocks.append(f"Deep mode not measured here: {exc}.")

    curves: dict[str, list[tuple[int, float, float]]] = {}
    tables = []
    hangul_rows: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    chars_per_hangul = []
    for mode, texts in modes.items():
        detector = ctx.detector(mode, unrestricted=True)
        section.models.append(f"{ctx.model_versions[mode]} (insufficient limit lifted)")
        thresholds = card_cuts(detector.model_card["thresholds"])
        cache: dict[str, tuple[float, int]] = {}
        rows, curve, same_curve = [], [], []
        for cut in CUTS:
            pairs = cut_set(texts, cut)
            if mode == "deep":
                # A language-model pass per text: a per-cut sample, stratified like the fast set.
                sample = set(_per_label([h for h, _ in pairs], ctx.settings.deep_length_per_label))
                pairs = [(h, t) for h, t in pairs if h in sample]
            todo = [t for _, t in pairs if t not in cache]
            for text, p in zip(todo, score(detector, todo, f"length {mode} {cut}"), strict=True):
                cache[text] = (p, hangul_count(text))
            # Even without the Hangul limit a text can abstain: less than half of its letters Hangul.
            not_korean = sum(1 for _, t in pairs if np.isnan(cache[t][0]))
            pairs = [(h, t) for h, t in pairs if not np.isnan(cache[t][0])]
            y = np.array([h.label for h, _ in pairs])
            p = np.array([cache[t][0] for _, t in pairs])
            hangul = np.array([cache[t][1] for _, t in pairs])
            if len(set(y.tolist())) < 2:
                continue
            rates = _rates(y, p, thresholds)
            below = int((hangul < MIN_HANGUL).sum())
            rows.append([cut, int((y == 0).sum()), int((y == 1).sum()), not_korean, int(np.median(hangul)),
                         count_rate(below, len(hangul)), fmt(rates["auroc"]), fmt(rates["tpr_at_1pct_fpr"], digits=1),
                         *(_cell(rates[f"fpr {m}"], c) for m, c in thresholds.items()),
                         *(_cell(rates[f"tpr {m}"], c) for m, c in thresholds.items())])
            curve.append((cut, rates["auroc"], rates["tpr_at_1pct_fpr"]))
            if mode == "fast":
                chars_per_hangul += [len(t) / max(1, cache[t][1]) for _, t in pairs]
                for (_, t), label in zip(pairs, y, strict=True):
                    hangul_rows[mode].append((cache[t][1], int(label), cache[t][0]))
                if cut <= SAME_TEXT_MIN:
                    same = [(h, t) for h, t in pairs if len(h.text) >= SAME_TEXT_MIN]
                    ys = np.array([h.label for h, _ in same])
                    ps = np.array([cache[t][0] for _, t in same])
                    if len(set(ys.tolist())) == 2:
                        same_curve.append((cut, auroc(ys, ps), tpr_at_fpr(ys, ps, 0.01)))
        header = ["cut to (chars)", "n human", "n AI", "unsupported language", "median Hangul",
                  f"% under {MIN_HANGUL} Hangul", "AUROC", "TPR@1%FPR", *(f"FPR {m}" for m in thresholds),
                  *(f"TPR {m}" for m in thresholds)]
        tables.append((mode, len(texts), table(header, rows)))
        curves[f"{mode}: every held-out text at least that long"] = curve
        if same_curve:
            n_same = sum(1 for h in texts if len(h.text) >= SAME_TEXT_MIN)
            curves[f"{mode}: the same {n_same} texts, each at least {SAME_TEXT_MIN} chars"] = same_curve
        section.facts[mode] = {cut: (a, t) for cut, a, t in curve}

    section.blocks.append(
        "Held-out texts (validation rows uncropped + KatFish seed-42 test) cut at a sentence end to each length; "
        "a text counts at a length only if it was at least that long, so longer rows hold fewer and different "
        "texts (mostly reviews, news, petitions, Wikipedia and magazine articles, essays and benchmark answers). "
        "AUROC and TPR at 1% FPR ×100 (TPR@1%FPR with the threshold set on that row's own humans); FPR and TPR at "
        "the shipped thresholds in percent (count/total), then the share left uncertain (unc.). `% under 50 Hangul` "
        "is the share the shipped detector answers `insufficient`; here its limit is lifted to show what those "
        "verdicts would have been worth.")
    for mode, n, text in tables:
        if mode == "deep":
            cap = ctx.settings.deep_length_per_label
            sample = f" (per length, a stratified sample of at most {cap} texts per side)"
        elif ctx.settings.length_per_label is not None:
            sample = f" (a stratified sample of {n} held-out texts)"
        else:
            sample = f" ({n} held-out texts)"
        section.blocks.append(f"**{mode}**{sample}:\n\n{text}")

    if hangul_rows.get("fast"):
        # Deduplicate: a short text is the same string at several cuts.
        unique = {}
        for h, label, p in hangul_rows["fast"]:
            unique[(h, label, p)] = (h, label, p)
        hangul = np.array([u[0] for u in unique.values()])
        y = np.array([u[1] for u in unique.values()])
        p = np.array([u[2] for u in unique.values()])
        rows = []
        for lo, hi in LENGTH_BINS:
            mask = (hangul >= lo) & (hangul < (hi or 10**9))
            if mask.sum() and len(set(y[mask].tolist())) == 2:
                rows.append([f"{lo}–{hi or ''}", int((y[mask] == 0).sum()), int((y[mask] == 1).sum()),
                             fmt(auroc(y[mask], p[mask])), fmt(tpr_at_fpr(y[mask], p[mask], 0.01), digits=1)])
        section.blocks.append(
            f"By Hangul syllables (fast, every cut text above pooled, each distinct text once): the rows under "
            f"MIN_HANGUL = {MIN_HANGUL} are the texts the shipped detector declines to judge (`insufficient`).")
        section.blocks.append(table(["Hangul syllables", "n human", "n AI", "AUROC", "TPR@1%FPR"], rows))

    if figures.matplotlib_reason():
        section.blocks.append(f"Figure not drawn: {figures.matplotlib_reason()}.")
    elif curves:
        ratio = float(np.median(chars_per_hangul)) if chars_per_hangul else 1.3
        path = figures.length_figure(
            ctx.figures_dir / "length.png", curves, MIN_HANGUL * ratio,
            figures.korean("Accuracy by length (held-out texts cut at sentence ends)", "길이별 정확도"),
            f"{MIN_HANGUL} Hangul ≈ {MIN_HANGUL * ratio:.0f} chars",
        )
        section.figures.append(ctx.figure_link(path))
        section.blocks.append(f"![AUROC and TPR at 1% FPR by length]({ctx.figure_link(path)})")
    return section
