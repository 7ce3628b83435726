"""PNG figures for the report (matplotlib, Agg backend): ROC, score histograms, length curve, reliability.

Functions take plain arrays, so the sections decide what is plotted and this module only draws.
Korean labels need a Hangul font; NanumGothic is used when installed (Debian `fonts-nanum`), and
without it the figures keep their English labels only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kodetect.eval.metrics import ReliabilityBin, roc_curve

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
DPI = 110
_state: dict[str, bool] = {}


def matplotlib_reason() -> str | None:
    """None when figures can be drawn; otherwise why not (the report prints it)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    return None


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    if "ready" not in _state:
        _state["ready"] = True
        _state["korean"] = False
        for candidate in _FONT_CANDIDATES:
            if Path(candidate).exists():
                font_manager.fontManager.addfont(candidate)
                name = font_manager.FontProperties(fname=candidate).get_name()
                plt.rcParams["font.family"] = [name, "DejaVu Sans"]
                _state["korean"] = True
                break
        # Hangul fonts lack U+2212, the minus sign matplotlib uses by default.
        plt.rcParams["axes.unicode_minus"] = False
        plt.rcParams["figure.dpi"] = DPI
    return plt


def korean(english: str, hangul: str) -> str:
    """A bilingual label when a Hangul font is available, else the English part alone."""
    _plt()
    return f"{english} / {hangul}" if _state.get("korean") else english


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


Curve = tuple[str, np.ndarray, np.ndarray]  # (label, labels 0/1, scores)


def _percent_ticks(ax, floor: float) -> None:
    """Log-axis ticks written as plain percentages (0.1%, 1%, 10%, 100%), which need no math font."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ticks = [t for t in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0) if t >= floor]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{100 * x:g}%"))


def roc_figure(path: Path, panels: Sequence[tuple[str, Sequence[Curve]]], title: str) -> Path:
    """ROC curves with a log-scale FPR axis (as RAID and Binoculars plot them), one panel per test set.

    FPR 0 cannot sit on a log axis; points there are drawn at half of the smallest nonzero FPR the
    panel can show (1 / 2n for n human texts), and the axis starts there.
    """
    plt = _plt()
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 4.2 * rows), squeeze=False)
    for ax, (panel_title, curves) in zip(axes.flat, panels, strict=False):
        floor = 1.0
        for label, y, s in curves:
            y, s = np.asarray(y), np.asarray(s, dtype=float)
            keep = ~np.isnan(s)
            y, s = y[keep], s[keep]
            if len(set(y.tolist())) < 2:
                continue
            curve = roc_curve(y, s)
            n_human = int((y == 0).sum())
            floor = min(floor, 0.5 / n_human)
            # Consecutive ROC points joined by straight lines: vertical or horizontal steps, and a
            # diagonal only where human and AI texts tie on a score.
            ax.plot(np.maximum(curve.fpr, 0.5 / n_human), curve.tpr, label=label, linewidth=1.4)
        ax.set_xscale("log")
        ax.set_xlim(floor, 1.0)
        _percent_ticks(ax, floor)
        ax.set_ylim(0, 1.01)
        ax.axvline(0.01, color="grey", linestyle=":", linewidth=1)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel("false-positive rate (log scale); FPR 0 drawn at the left edge")
        ax.set_ylabel("true-positive rate")
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def histogram_figure(path: Path, panels: Sequence[tuple[str, np.ndarray, np.ndarray]],
                     thresholds: Mapping[str, float], title: str) -> Path:
    """Probability histograms, human against AI, one panel per genre, with the threshold modes marked."""
    plt = _plt()
    columns = min(4, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
    bins = np.linspace(0, 1, 21)
    styles = {"balanced": "--", "low-fpr": ":"}
    colours = {"human": "tab:blue", "AI": "tab:red"}
    for ax, (panel_title, human, ai) in zip(axes.flat, panels, strict=False):
        for scores, label in ((human, "human"), (ai, "AI")):
            if len(scores):
                # Density per class, so a genre with 20 humans and 500 AI texts still shows both shapes.
                weights = np.full(len(scores), 1.0 / len(scores))
                ax.hist(scores, bins=bins, weights=weights, alpha=0.55, color=colours[label])
        for mode, t in thresholds.items():
            ax.axvline(t, color="black", linestyle=styles.get(mode, "-"), linewidth=1)
        ax.set_title(f"{panel_title}\nhuman {len(human)}, AI {len(ai)}", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("AI probability", fontsize=8)
        ax.set_ylabel("share of texts", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    # One legend for the figure: per-panel legends covered the bars.
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=c, alpha=0.55, label=f"{k} texts") for k, c in colours.items()]
    handles += [Line2D([0], [0], color="black", linestyle=styles.get(m, "-"), label=f"{m} threshold ({t:.2f})")
                for m, t in thresholds.items()]
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    return _save(fig, path)


def length_figure(path: Path, curves: Mapping[str, Sequence[tuple[int, float, float]]], limit_chars: float,
                  title: str, limit_label: str) -> Path:
    """AUROC and TPR at 1% FPR against the length texts were cut to (characters, log axis).

    `limit_chars` marks where the `insufficient` limit (counted in Hangul syllables) falls in
    characters for typical text, labelled `limit_label`.
    """
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, points in curves.items():
        if not points:
            continue
        lengths = [p[0] for p in points]
        left.plot(lengths, [p[1] for p in points], marker="o", label=label)
        right.plot(lengths, [p[2] for p in points], marker="o", label=label)
    for ax, name in ((left, "AUROC"), (right, "TPR at 1% FPR")):
        ax.set_xscale("log")
        ticks = sorted({p[0] for points in curves.values() for p in points})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("characters (text cut at a sentence end)")
        ax.set_ylabel(name)
        ax.set_ylim(0 if name != "AUROC" else 0.4, 1.01)
        ax.grid(True, alpha=0.3)
        ax.axvline(limit_chars, color="grey", linestyle=":", linewidth=1)
        ax.text(limit_chars, ax.get_ylim()[0] + 0.02, f" {limit_label}", color="grey", fontsize=7)
        # Accuracy rises with length, so the lower right corner stays empty.
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def reliability_figure(path: Path, series: Sequence[tuple[str, Sequence[ReliabilityBin], float]],
                       title: str) -> Path:
    """Reliability diagram (mean probability against observed AI share per bin) and bin counts below."""
    plt = _plt()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.6, 6.4), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    top.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="perfect calibration")
    width = 1.0 / max(1, max((len(bins) for _, bins, _ in series), default=1)) / max(1, len(series))
    for i, (label, bins, ece) in enumerate(series):
        used = [b for b in bins if b.count]
        top.plot([b.mean_probability for b in used], [b.fraction_ai for b in used], marker="o",
                 label=f"{label} (ECE {100 * ece:.1f})")
        centres = np.array([(b.lower + b.upper) / 2 for b in bins]) + (i - (len(series) - 1) / 2) * width
        bottom.bar(centres, [b.count for b in bins], width=width, alpha=0.7, label=label)
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel("observed share of AI texts")
    top.grid(True, alpha=0.3)
    top.legend(fontsize=7, loc="upper left")
    bottom.set_yscale("log")
    bottom.set_ylim(bottom=0.8)  # a bin with one text still shows
    bottom.set_xlabel("predicted AI probability")
    bottom.set_ylabel("texts")
    bottom.grid(True, alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def profile_figure(path: Path, sources: Sequence[str], fpr: Mapping[str, Sequence[float]],
                   tpr: Mapping[str, Sequence[float]], target: float, title: str) -> Path:
    """Per source, side by side for each series (e.g. the default mode and a profile): the false-positive
    rate on held-out human texts (left, with the target marked) and the true-positive rate (right)."""
    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.9 + 0.45 * len(sources) * max(1, len(fpr))),
                                      sharey=True)
    y = np.arange(len(sources))
    height = 0.8 / max(1, len(fpr))
    for i, label in enumerate(fpr):
        offset = (i - (len(fpr) - 1) / 2) * height
        left.barh(y + offset, [100 * v for v in fpr[label]], height=height, label=label)
        right.barh(y + offset, [100 * v for v in tpr[label]], height=height, label=label)
    left.axvline(100 * target, color="black", linestyle=":", linewidth=1)
    left.set_xlabel("false-positive rate on held-out human texts (%)")
    right.set_xlabel("true-positive rate on AI texts (%)")
    right.set_xlim(0, 100)
    left.set_yticks(y)
    left.set_yticklabels(sources, fontsize=8)
    left.invert_yaxis()
    for ax in (left, right):
        ax.grid(True, axis="x", alpha=0.3)
    left.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)
