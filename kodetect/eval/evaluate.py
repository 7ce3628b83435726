"""Scoring a detector's output against labelled rows, overall and per generator and genre, and the report.

Rows without a probability (verdict insufficient or unsupported-language) are counted as abstained
and left out of every rate: a detector that declines to judge is neither right nor wrong, and the
abstention counts are reported next to the rates so the reader can see how much was left out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kodetect.detection import VERDICTS, ModelInfo
from kodetect.eval import metrics

# The FPR budgets reported as "TPR at x% FPR".
FPR_BUDGETS = (0.01, 0.05)
LABEL_NAMES = {0: "human", 1: "ai"}


@dataclass(frozen=True)
class ThresholdStats:
    """Rates at one threshold mode's "ai" threshold (nan where the group lacks that class)."""

    threshold: float
    fpr: float
    tpr: float


@dataclass(frozen=True)
class GroupResult:
    """Counts and metrics for one set of rows; counts include abstained rows, rates exclude them."""

    name: str
    n_human: int
    n_ai: int
    abstained_human: int
    abstained_ai: int
    auroc: float
    tpr_at_fpr: dict[float, float]
    at_threshold: dict[str, ThresholdStats]


@dataclass(frozen=True)
class EvalResult:
    overall: GroupResult
    by_generator: list[GroupResult]
    by_genre: list[GroupResult]
    thresholds: dict[str, float]
    verdict_counts: dict[str, dict[str, int]]

    def to_dict(self) -> dict:
        """JSON-ready dict; nan becomes None because JSON has no NaN."""
        return _json_safe(asdict(self))


def _json_safe(value):
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _group(name: str, labels: np.ndarray, probs: np.ndarray, thresholds: Mapping[str, float]) -> GroupResult:
    """Metrics for one group; `probs` holds nan for abstained rows."""
    scored = ~np.isnan(probs)
    y, s = labels[scored], probs[scored]
    return GroupResult(
        name=name,
        n_human=int((labels == 0).sum()),
        n_ai=int((labels == 1).sum()),
        abstained_human=int(((labels == 0) & ~scored).sum()),
        abstained_ai=int(((labels == 1) & ~scored).sum()),
        auroc=metrics.auroc(y, s),
        tpr_at_fpr={budget: metrics.tpr_at_fpr(y, s, budget) for budget in FPR_BUDGETS},
        at_threshold={
            mode: ThresholdStats(
                threshold=t, fpr=metrics.fpr_at_threshold(y, s, t), tpr=metrics.tpr_at_threshold(y, s, t)
            )
            for mode, t in thresholds.items()
        },
    )


def evaluate(
    rows: Sequence[Mapping],
    probabilities: Sequence[float | None],
    verdicts: Sequence[str],
    thresholds: Mapping[str, Mapping[str, float]],
) -> EvalResult:
    """Evaluate probabilities against row labels.

    `thresholds` is the model card's `{mode: {"ai": float, "human": float}}`; each mode's "ai"
    threshold gives its FPR/TPR. Per generator: that generator's AI rows against all human rows.
    Per genre: the genre's rows only, so a one-class genre gets only its FPR (human) or TPR (AI).
    """
    if not len(rows) == len(probabilities) == len(verdicts):
        raise ValueError(
            f"rows, probabilities and verdicts differ in length: {len(rows)}, {len(probabilities)}, "
            f"{len(verdicts)}"
        )
    ai_thresholds = {mode: float(levels["ai"]) for mode, levels in thresholds.items()}
    labels = np.array([int(row["label"]) for row in rows], dtype=np.int8)
    probs = np.array([math.nan if p is None else float(p) for p in probabilities], dtype=np.float64)
    generators = np.array([str(row.get("generator") or "unknown") for row in rows], dtype=object)
    genres = np.array([str(row.get("genre") or "unknown") for row in rows], dtype=object)

    by_generator = []
    for generator in sorted(set(generators[labels == 1])):
        members = (labels == 0) | (generators == generator)
        by_generator.append(_group(generator, labels[members], probs[members], ai_thresholds))
    by_genre = []
    for genre in sorted(set(genres)):
        members = genres == genre
        by_genre.append(_group(genre, labels[members], probs[members], ai_thresholds))

    verdict_counts = {name: dict.fromkeys(VERDICTS, 0) for name in LABEL_NAMES.values()}
    for (label, verdict), count in Counter(zip(labels.tolist(), verdicts, strict=True)).items():
        verdict_counts[LABEL_NAMES[label]][verdict] = count
    return EvalResult(
        overall=_group("all", labels, probs, ai_thresholds),
        by_generator=by_generator,
        by_genre=by_genre,
        thresholds=ai_thresholds,
        verdict_counts=verdict_counts,
    )


def percent(x: float) -> str:
    """A rate as a percentage with two decimals; "–" for not applicable (nan)."""
    return "–" if math.isnan(x) else f"{100 * x:.2f}"


def _budget_label(budget: float) -> str:
    return f"TPR@{100 * budget:g}%FPR"


def _table(groups: Sequence[GroupResult], modes: Sequence[str], first: str) -> list[str]:
    budgets = list(groups[0].tpr_at_fpr) if groups else list(FPR_BUDGETS)
    header = [first, "human", "AI", "abstained (human/AI)", "AUROC", *map(_budget_label, budgets)]
    for mode in modes:
        header += [f"FPR {mode}", f"TPR {mode}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for g in groups:
        cells = [
            g.name,
            str(g.n_human),
            str(g.n_ai),
            f"{g.abstained_human}/{g.abstained_ai}",
            percent(g.auroc),
            *(percent(g.tpr_at_fpr[b]) for b in budgets),
        ]
        for mode in modes:
            cells += [percent(g.at_threshold[mode].fpr), percent(g.at_threshold[mode].tpr)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(
    result: EvalResult,
    title: str,
    command: str,
    model_info: ModelInfo,
    data_files: Sequence[tuple[str | Path, str]],
    notes: Sequence[str] = (),
    generated_at: datetime | None = None,
) -> str:
    """A markdown report: provenance (command, UTC date, model, data sha256) and the metric tables.

    `notes` are extra bullet points (e.g. rows skipped because the detector rejected them).
    """
    when = (generated_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    modes = list(result.thresholds)
    out = [
        f"# {title}",
        "",
        f"- Command: `{command}`",
        f"- Date (UTC): {when}",
        f"- Model: {model_info.name} {model_info.version}",
        "- Thresholds (AI when probability ≥): "
        + ", ".join(f"{mode} {t:.4f}" for mode, t in result.thresholds.items()),
        *(f"- {note}" for note in notes),
        "",
        "## Data",
        "",
        "| file | sha256 |",
        "|---|---|",
        *(f"| `{path}` | `{digest}` |" for path, digest in data_files),
        "",
        "AUROC ×100; TPR and FPR in percent. Rows without a probability (insufficient text or "
        "unsupported language) are counted as abstained and left out of every rate. "
        "TPR@x%FPR uses the lowest threshold whose FPR on the human rows is at most x% "
        "(tied scores are never split). – means not applicable (the group lacks that class).",
        "",
        "## Overall",
        "",
        *_table([result.overall], modes, "rows"),
        "",
        "## By generator",
        "",
        "Each generator's AI rows against all human rows.",
        "",
        *_table(result.by_generator, modes, "generator"),
        "",
        "## By genre",
        "",
        "Rows of that genre only; a genre with one class gets only FPR (human) or TPR (AI).",
        "",
        *_table(result.by_genre, modes, "genre"),
        "",
        "## Verdicts",
        "",
        "| label | " + " | ".join(VERDICTS) + " |",
        "|" + "---|" * (len(VERDICTS) + 1),
        *(
            f"| {label} | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |"
            for label, counts in result.verdict_counts.items()
        ),
        "",
    ]
    return "\n".join(out)
