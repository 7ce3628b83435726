"""`kodetect batch --engine ray`: the same job on Ray Data, on this machine or on a cluster.

    read (RecordDatasource) → map_batches(DetectorActor, actor pool of --workers) → rows to this process

Reading uses kodetect's own readers inside Ray read tasks (one per input part: a Parquet file is split
by row groups, a folder by files; JSONL and CSV are one part), so records, row-number ids and error
rows are exactly those of the local engine. Each actor loads the Detector once and scores batch after
batch (`kodetect.batch.rows.DetectorActor`). The scored rows stream back to this process, which
writes them with the same sinks as the local engine: one JSONL or Parquet file, the same fields, the
same `--resume`. Rows may come back in a different order than the input.

On a cluster, INPUT must be readable at the same path by this process and by the cluster's nodes (a
shared file system), and kodetect must be installed on the nodes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy, DataContext
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from kodetect.batch.records import Part, RecordSource
from kodetect.batch.rows import RECORD_COLUMNS, DetectorActor, records_to_columns
from kodetect.batch.sinks import OutputPlan, output_key
from kodetect.errors import InputError, KodetectError
from kodetect.profiles import Profile

# Records per block handed from a read task to the actors.
BLOCK_ROWS = 256
# Texts per actor call: small enough that progress moves smoothly, large enough that Ray's
# per-call overhead (milliseconds) is small next to scoring (~40 ms per text in fast mode).
DEFAULT_BATCH_SIZE = 32
# CPU reserved per read task: none, so reading can always start even when the actors hold every CPU
# (reading is light next to scoring, which gets one CPU per actor).
READ_TASK_CPUS = 0
_RECORD_SCHEMA = pa.schema([pa.field(name, pa.string()) for name in RECORD_COLUMNS])

KeyFunction = Callable[[Any], str]


class RecordDatasource(Datasource):
    """kodetect's input readers as a Ray datasource: one read task per part, records as string columns."""

    def __init__(self, parts: list[Part], done: Any = None, key: KeyFunction | None = None) -> None:
        super().__init__()
        self._parts = parts
        self._done = done  # the finished keys (resume): an ObjectRef of a frozenset, a frozenset, or None
        self._key = key

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context: Any = None) -> list[ReadTask]:
        metadata = BlockMetadata(num_rows=None, size_bytes=None, input_files=None, exec_stats=None)
        return [ReadTask(functools.partial(read_part, part, self._done, self._key), metadata,
                         schema=_RECORD_SCHEMA, per_task_row_limit=per_task_row_limit)
                for part in self._parts]

    def get_name(self) -> str:
        return "KodetectRecords"


def read_part(part: Part, done: Any, key: KeyFunction | None) -> Iterator[pa.Table]:
    """The records of one part not finished yet, as blocks of BLOCK_ROWS."""
    finished = ray.get(done) if isinstance(done, ray.ObjectRef) else (done or frozenset())
    block = []
    for record in part():
        if finished and key is not None and key(record.id) in finished:
            continue
        block.append(record)
        if len(block) >= BLOCK_ROWS:
            yield pa.table(records_to_columns(block), schema=_RECORD_SCHEMA)
            block = []
    if block:
        yield pa.table(records_to_columns(block), schema=_RECORD_SCHEMA)


def ray_rows(source: RecordSource, plan: OutputPlan, *, workers: int, mode: str, threshold_mode: str | None,
             address: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
             profile: Profile | None = None) -> Iterator[dict[str, Any]]:
    """Output rows scored by an actor pool of `workers` actors.

    Connects first (so a wrong address fails before OUTPUT is touched): to `address` (`ray://head:10001`,
    or `auto` on a cluster node), else to $RAY_ADDRESS, else to a Ray already running in this process,
    else to a new local Ray that is shut down when the rows are done.
    """
    started = _connect(address, workers)
    try:
        context = DataContext.get_current()
        context.enable_progress_bars = False  # kodetect shows its own bar
        context.print_on_execution_start = False
        done = ray.put(frozenset(plan.done)) if plan.done else None
        key = functools.partial(output_key, parquet=plan.parquet, int_ids=plan.int_ids)
        dataset = ray.data.read_datasource(RecordDatasource(source.split(max(1, 2 * workers)), done, key),
                                           num_cpus=READ_TASK_CPUS)
        scored = dataset.map_batches(
            DetectorActor,
            fn_constructor_kwargs={"mode": mode, "threshold_mode": threshold_mode, "profile": profile},
            batch_size=batch_size,
            batch_format="pyarrow",
            compute=ActorPoolStrategy(size=workers),
            num_cpus=1,
        )
    except BaseException:
        if started:
            ray.shutdown()
        raise
    return _stream(scored, started)


def _stream(scored: Any, started: bool) -> Iterator[dict[str, Any]]:
    try:
        for batch in scored.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in batch.column("row").to_pylist():
                yield json.loads(row)
    except ray.exceptions.RayError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = lines[-1] if lines else type(exc).__name__
        raise KodetectError(f"the Ray job failed: {detail}") from exc
    finally:
        if started:
            ray.shutdown()


def _connect(address: str | None, workers: int) -> bool:
    """Connect to Ray (True when this call started it, so it is shut down at the end)."""
    if ray.is_initialized():
        return False
    # Quiet: kodetect's progress bar and summary are the output; Ray's errors still show.
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        # A new local Ray: one CPU per actor, even on a machine with fewer cores.
        options.update(include_dashboard=False, num_cpus=max(os.cpu_count() or 1, workers))
    try:
        ray.init(address=address, **options)
    except Exception as exc:  # ConnectionError, TimeoutError, RuntimeError: all mean "no Ray here"
        where = f"at {address}" if address else "locally"
        raise InputError(f"cannot start or reach Ray {where} ({' '.join(str(exc).split())})") from exc
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    return True
