"""The local engine: score a record stream in this process or in a pool of processes, in input order.

Each worker process loads its own model once (about 350 MB each in fast mode). Records are handed to
the pool a bounded chunk at a time, so memory stays flat however large the input is. Workers ignore
Ctrl-C: the parent stops them, after it has saved the rows already scored.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from kodetect.batch.records import Record
from kodetect.batch.rows import TextDetector, score_record
from kodetect.profiles import Profile

# Records handed to the pool at a time: keeps memory bounded however large the input is.
POOL_CHUNK = 512
_worker_detector: TextDetector | None = None
# Why the worker's model did not load: raised with the first record, so the parent stops with that
# error (a failing pool initializer would otherwise be restarted forever).
_worker_error: Exception | None = None


def score_records(records: Iterator[Record], workers: int, mode: str, threshold_mode: str | None,
                  make_detector: Callable[[str, str | None], TextDetector],
                  profile: Profile | None = None) -> Iterator[dict[str, Any]]:
    """Output rows for `records`, in order. With one worker `make_detector` builds the model here,
    before the first row is asked for, so a missing model fails before any output is written."""
    if workers == 1:
        detector = make_detector(mode, threshold_mode)
        return (score_record(detector, record) for record in records)
    return _score_in_pool(records, workers, mode, threshold_mode, profile)


def _init_worker(mode: str, threshold_mode: str | None, threads: int | None, profile: Profile | None = None) -> None:
    global _worker_detector, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from kodetect.detector import Detector

    try:
        _worker_detector = Detector(mode=mode, threshold_mode=threshold_mode, threads=threads, profile=profile)
    except Exception as exc:
        _worker_error = exc


def _score_in_worker(record: Record) -> dict[str, Any]:
    if _worker_error is not None:
        raise _worker_error
    assert _worker_detector is not None
    return score_record(_worker_detector, record)


def worker_threads(workers: int) -> int | None:
    """Language-model threads per pool worker: the cores shared out, unless $KODETECT_THREADS says.

    Each worker's torch would otherwise use every core, and N workers on N cores then fight over
    them: measured in deep mode, 2 workers on 2 cores took twice the CPU per document of one.
    """
    if os.environ.get("KODETECT_THREADS"):
        return None  # the Detector reads it
    return max(1, (os.cpu_count() or 1) // workers)


def _score_in_pool(records: Iterator[Record], workers: int, mode: str, threshold_mode: str | None,
                   profile: Profile | None = None) -> Iterator[dict[str, Any]]:
    initargs = (mode, threshold_mode, worker_threads(workers), profile)
    with multiprocessing.get_context("spawn").Pool(workers, _init_worker, initargs) as pool:
        while chunk := list(itertools.islice(records, POOL_CHUNK)):
            yield from pool.imap(_score_in_worker, chunk, chunksize=8)
