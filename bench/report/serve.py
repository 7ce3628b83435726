"""Serving under load: `kodetect serve` with its pool of workers, measured by bench/report/serve_load.py.

The load test starts a server per configuration and sends thousands of requests: minutes on 2 cores, and
its numbers mean something only while no other job shares the CPU. So it is a separate command writing
bench/results/serve_load*.md, and this section includes the latest results verbatim, each with its
command, date and the machine's load.
"""

from __future__ import annotations

from bench.report.batch import RESULTS, demote_headings
from bench.report.context import Context
from bench.report.markdown import Section

COMMAND = "python bench/report/serve_load.py --out bench/results/serve_load.md"


def run(ctx: Context) -> Section:
    section = Section("serve", "Serving under load")
    section.blocks.append(
        "`kodetect serve` scores in worker processes (one per core by default) behind a queue that admits a "
        "request while its expected wait is within 10 s and answers 503 with Retry-After beyond it. Measured by "
        "a separate command (it starts a server per row and sends thousands of requests from the same machine) "
        "and included here as it last wrote `bench/results/serve_load*.md`; each part states its command, date "
        "and the load average while it ran. Any answer other than 200 counts against the server.")
    found = sorted(RESULTS.glob("serve_load*.md"))
    for path in found:
        section.blocks.append(demote_headings(path.read_text("utf-8").strip()))
    if not found:
        section.blocks.append(f"Not measured on this checkout: run `{COMMAND}`.")
    return section
