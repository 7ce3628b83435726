"""Running report sections: in this process, or in a worker process for the parallel retraining sections.

Spawned workers import `worker` by module name; this module holds only what they need, so a worker does
not import the command's own (bench/report/main.py).
"""

from __future__ import annotations

import importlib
import resource
import sys
import time
import traceback
from typing import TYPE_CHECKING

# Type names only: importing the sections' dependencies is what `python -m bench` postpones.
if TYPE_CHECKING:
    from bench.report.context import Context
    from bench.report.markdown import Section

# Section -> "module:function" under bench.report. Imported only when a run starts, so that usage
# errors and a missing data folder are reported in a second, not after loading every library.
SECTIONS = {
    "katfish": "katfish:run",
    "loso": "loso:run_sources",
    "families": "loso:run_families",
    "attribution": "attribution:run",
    "cross-genre": "cross_genre:run",
    "length": "length:run",
    "calibration": "calibration:run",
    "profiles": "profiles:run",
    "abstention": "abstention:run",
    "attacks": "attacks:run",
    "sentences": "sentences:run",
    "speed": "speed:run",
    "batch": "batch:run",
    "serve": "serve:run",
}


# Sections that run in worker processes with --jobs 2, two at a time, in this order: CPU-bound, independent of
# each other, each on one core, started longest first (as measured by the last full run) so that no core
# waits long at the end. Batch and serving throughput and speed follow in this process, alone, because they
# time the machine.
PARALLEL = ("loso", "katfish", "attribution", "cross-genre", "attacks", "families", "length", "calibration",
            "sentences", "abstention", "profiles")


def fill_caches(ctx: Context) -> None:
    """Featurize (and LM-score, for deep mode) what the parallel sections will need, once, here.

    Both workers would otherwise compute the same missing texts at the same time and append them to
    the same cache files; done once up front, the workers only read.
    """
    from bench.report.context import with_edited_copies
    from kodetect.training.featurize import featurize

    featurize(with_edited_copies(ctx.protocol_texts), progress=False)
    # The deep recipes read only deep mode's subsample of the pools (and KatFish).
    deep = ctx.deep_protocol_texts
    if ctx.deep_recipes_reason is None and 0 < ctx.lm_missing(deep) <= ctx.settings.lm_max_missing:
        from kodetect.training.lm_featurize import lm_feature_matrix

        lm_feature_matrix(with_edited_copies(deep), progress=False)


def _section_function(key: str):
    module, function = SECTIONS[key].split(":")
    return getattr(importlib.import_module(f"bench.report.{module}"), function)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (featurize workers, speed subprocesses)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_one(ctx: Context, key: str) -> tuple[Section, bool]:
    """Run one section; a failure becomes a section saying so, so one broken part loses no other."""
    from bench.report.markdown import Section

    print(f"[bench] {key} ...", file=sys.stderr, flush=True)
    t, cpu = time.perf_counter(), _cpu_seconds()
    ok = True
    try:
        section = _section_function(key)(ctx)
    except Exception as exc:  # noqa: BLE001 - an hour of other sections must not be lost to one error
        ok = False
        traceback.print_exc()
        message = f"This section failed: `{type(exc).__name__}: {exc}`."
        section = Section(key, f"{key} (failed)", blocks=[message])
    section.seconds = time.perf_counter() - t
    # CPU time next to wall time: on a busy machine it is the better guide to the run's budget.
    print(f"[bench] {key} done in {section.seconds:.0f} s (CPU {_cpu_seconds() - cpu:.0f} s)", file=sys.stderr,
          flush=True)
    return section, ok


def worker(key: str, context_args: tuple) -> tuple[Section, bool, dict[str, str]]:
    """A section in its own process, with its own context (nothing is shared but the disk caches)."""
    from bench.report.context import Context

    ctx = Context(*context_args)
    try:
        section, ok = run_one(ctx, key)
        return section, ok, ctx.model_versions
    finally:
        ctx.close()


