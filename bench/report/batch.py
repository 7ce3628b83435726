"""Batch at scale: the throughput and Ctrl-C/resume measurements, and the nodes for 10 million documents a day.

Those two benchmarks run `kodetect batch` as subprocesses on thousands of documents (local pool and
Ray, fast and deep mode; 20,000 documents interrupted and resumed) and take the better part of an
hour on 2 cores, so they are separate commands (bench/report/batch_throughput.py, bench/report/batch_resume.py)
writing bench/results/*.md. This section includes their latest results verbatim, each with its own
command and date, so that BENCHMARKS.md holds every published number.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.report.context import Context
from bench.report.markdown import Section

RESULTS = Path(__file__).resolve().parents[1] / "results"
COMMANDS = ("python bench/report/batch_throughput.py", "python bench/report/batch_resume.py")


def demote_headings(markdown: str, levels: int = 2) -> str:
    """Push every heading `levels` deeper, so an included file nests under this section's heading."""
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + levels) + " ", markdown, flags=re.M)


def run(ctx: Context) -> Section:
    section = Section("batch", "Batch at scale: throughput, resume, nodes for 10 million documents a day")
    section.blocks.append(
        "Measured by separate commands (they run `kodetect batch` on thousands of documents, the better part "
        "of an hour on 2 cores) and included here as they last wrote `bench/results/batch_*.md`; each part "
        "states its command and date. The node estimate is arithmetic on the measured rates, printed with its "
        "assumptions.")
    found = sorted(RESULTS.glob("batch_*.md"))
    for path in found:
        section.blocks.append(demote_headings(path.read_text("utf-8").strip()))
    if not found:
        section.blocks.append("Not measured on this checkout: run " + " and ".join(f"`{c}`" for c in COMMANDS) + ".")
    return section
