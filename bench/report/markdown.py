"""Markdown building blocks: sections, tables, number formats, and the report around them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DASH = "–"


@dataclass
class Section:
    """One section of the report, as a section module returns it."""

    key: str
    title: str
    blocks: list[str] = field(default_factory=list)
    data_files: tuple[str, ...] = ()
    # What answered: shipped model versions, or a note that recipes were retrained per split.
    models: list[str] = field(default_factory=list)
    # Numbers the README summary quotes; see bench/report/summary.py.
    facts: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # (command, date) of an earlier run whose saved section this is (bench/report/keep.py); None when measured now.
    measured_by: tuple[str, str] | None = None


def fmt(x: float | None, scale: float = 100.0, digits: int = 2) -> str:
    """A rate or AUROC as a number x100 (the tables' unit); a dash for nan/None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{scale * x:.{digits}f}"


def mean_std(values: Sequence[float], scale: float = 100.0, digits: int = 2) -> str:
    """`mean ± std` (population std, as kodetect.eval.protocols.mean_by), nan values ignored."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return DASH
    mean = sum(clean) / len(clean)
    if len(clean) == 1:
        return f"{scale * mean:.{digits}f}"
    std = math.sqrt(sum((v - mean) ** 2 for v in clean) / len(clean))
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def count_rate(k: int, n: int, interval: tuple[float, float] | None = None) -> str:
    """`3.2 (2/62)` with an optional `[lo–hi]` interval; a dash for n = 0."""
    if n == 0:
        return DASH
    text = f"{100 * k / n:.1f} ({k}/{n})"
    if interval is not None:
        text += f" [{100 * interval[0]:.1f}–{100 * interval[1]:.1f}]"
    return text


def rate_uncertain(k: int, n: int, uncertain: int | None, interval: tuple[float, float] | None = None) -> str:
    """`count_rate` and, beside it, the share left `uncertain` (between a mode's human and AI cuts), in
    percent: `1.2 (3/250) [0.4–3.5]; unc. 4.0`. No uncertain part when it is unknown (None)."""
    text = count_rate(k, n, interval)
    if n == 0 or uncertain is None:
        return text
    return f"{text}; unc. {100 * uncertain / n:.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A pipe table; cells are converted with str() and pipes inside them escaped."""

    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def stamp(section: Section, command: str, date: str, hashes: dict[str, str]) -> str:
    """The line under every section heading: command, date, model, data hashes, run time."""
    data = ", ".join(f"`{name}` {hashes[name][:12]}" for name in section.data_files if name in hashes)
    models = "; ".join(section.models) or DASH
    if section.measured_by is not None:
        command, date = section.measured_by
        date += " (kept from that run)"
    return (f"<sub>Command `{command}` · {date} · model: {models} · data sha256: {data or DASH} · "
            f"{section.seconds:.0f} s</sub>")


def anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def document(title: str, preamble: Sequence[str], sections: Sequence[Section], command: str, date: str,
             hashes: dict[str, str]) -> str:
    parts = [f"# {title}", *preamble]
    if sections:
        parts.append("\n".join(f"- [{s.title}](#{anchor(s.title)})" for s in sections))
    for s in sections:
        parts.append(f"## {s.title}")
        parts.append(stamp(s, command, date, hashes))
        parts.extend(s.blocks)
    return "\n\n".join(parts).rstrip() + "\n"


def write_results(path: Path, lines: Sequence[str]) -> None:
    """Write a results file (bench/results/*.md) that a report section includes, and say where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {path}")
