"""A whole `kodetect batch` job: open the input, plan the output, score on the chosen engine, and stream
the rows to the output with a progress bar, saving every finished row on Ctrl-C or SIGTERM.

The CLI only turns its arguments into a `BatchJob`; everything after that happens here, in this order:
the input and the output are checked before the model loads and before OUTPUT is created, so a typo
costs nothing.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from kodetect.batch.local import score_records
from kodetect.batch.optional import require
from kodetect.batch.readers import open_records
from kodetect.batch.records import Record, RecordSource
from kodetect.batch.rows import TextDetector
from kodetect.batch.sinks import OutputPlan, plan_output
from kodetect.profiles import Profile

Engine = Literal["local", "ray"]
# Builds the model of one process: (mode, threshold mode) -> detector. The CLI passes its own (with the
# job's profile, if any), which tests replace.
DetectorFactory = Callable[[str, str | None], TextDetector]


@dataclass(frozen=True)
class BatchJob:
    """What to score and where to write it (the options of `kodetect batch`)."""

    input: str
    output: str
    mode: str
    threshold_mode: str | None  # None with a profile, whose thresholds replace the mode's
    text_field: str = "text"
    id_field: str = "id"
    workers: int = 1
    resume: bool = False
    engine: Engine = "local"
    ray_address: str | None = None
    batch_size: int | None = None  # texts per Ray actor call; None: the engine's default
    progress: bool | None = None  # None: a bar only when stderr is a terminal
    # Sent to every worker as it is (not by name): a Ray node need not have the user's profile folder.
    profile: Profile | None = None


@dataclass(frozen=True)
class BatchOutcome:
    scored: int
    failed: int
    already_done: int  # rows a previous run had finished (--resume)
    interrupted: bool

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else 0

    def summary(self) -> str:
        """The one line `kodetect batch` ends with."""
        resumed = f" (resumed: {self.already_done} already done)" if self.already_done else ""
        if self.interrupted:
            return (f"interrupted: saved {self.scored} scored, {self.failed} failed{resumed}; "
                    "rerun with --resume to continue")
        return f"scored {self.scored}, failed {self.failed}{resumed}"


def run_batch(job: BatchJob, make_detector: DetectorFactory) -> BatchOutcome:
    """Score every record of `job.input` into `job.output`; Ctrl-C or SIGTERM ends it early, rows saved."""
    if job.engine == "ray":
        _require_ray()
    source = open_records(job.input, text_field=job.text_field, id_field=job.id_field)
    plan = plan_output(job.output, resume=job.resume, id_kind=source.id_kind)
    total = source.total
    if plan.done and total is not None:
        total = max(total - len(plan.done), 0)
    rows = _rows(job, source, plan, make_detector)
    scored, failed, interrupted = _write_rows(rows, plan, total, job.progress)
    return BatchOutcome(scored, failed, len(plan.done), interrupted)


def _rows(job: BatchJob, source: RecordSource, plan: OutputPlan,
          make_detector: DetectorFactory) -> Iterator[dict[str, Any]]:
    """Output rows of the records not finished yet, in input order, from the job's engine."""
    if job.engine == "ray":
        from kodetect.batch.ray_engine import DEFAULT_BATCH_SIZE, ray_rows

        return ray_rows(source, plan, workers=job.workers, mode=job.mode, threshold_mode=job.threshold_mode,
                        address=job.ray_address, batch_size=job.batch_size or DEFAULT_BATCH_SIZE,
                        profile=job.profile)
    records: Iterator[Record] = source.records
    if plan.done:
        records = (r for r in records if plan.key(r.id) not in plan.done)
    return score_records(records, job.workers, job.mode, job.threshold_mode, make_detector, job.profile)


def _write_rows(rows: Iterator[dict[str, Any]], plan: OutputPlan, total: int | None,
                progress: bool | None) -> tuple[int, int, bool]:
    """Stream `rows` into the planned output: (scored, failed, interrupted)."""
    from tqdm import tqdm

    scored = failed = 0
    interrupted = False
    # disable=None: a bar on an interactive stderr only, unless --progress / --no-progress says otherwise.
    bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, mininterval=0.5,
               disable=None if progress is None else not progress)
    previous_sigterm = _sigterm_as_interrupt()
    try:
        with contextlib.closing(plan.open()) as sink, contextlib.closing(rows):
            for row in rows:
                sink.write(row)
                if "error" in row:
                    failed += 1
                else:
                    scored += 1
                bar.update()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
    return scored, failed, interrupted


def _require_ray() -> None:
    for module in ("ray", "ray.data", "pyarrow"):
        require(module, "ray", "--engine ray")


def _sigterm_as_interrupt() -> Any:
    """Let SIGTERM (a scheduler stopping the job) save the finished rows like Ctrl-C does."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        return None
