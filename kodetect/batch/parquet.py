"""Parquet for `kodetect batch`: input streamed by row batches, output written in checkpointed parts.

Input: only the id and text columns are read, one row group at a time (`ParquetFile.iter_batches`),
so memory depends on the row-group size, never on the file size. A row group that cannot be decoded
becomes one error row per row in it; the rest of the file is still scored.

Output (`-o scores.parquet`). A Parquet file is readable only once its footer is written, so rows are
never appended to `scores.parquet` itself:

1. Rows go to part files in `scores.parquet.parts/`, in row groups of ROW_GROUP_ROWS. A part is
   written under a `.tmp` name and renamed to `part-<run>-<n>.parquet` when closed, every PART_ROWS
   rows. A `.parquet` file in that folder is therefore always complete: its rows are acknowledged.
2. When the run ends — finished, or stopped by Ctrl-C / SIGTERM — the open part is closed and
   `scores.parquet` (kept when resuming) plus every part are copied, row group by row group, into a
   temporary file that then atomically replaces `scores.parquet`. Its footer lists the parts merged.
3. Then the parts are deleted. A crash between 2 and 3 leaves parts that the footer lists; the next
   `--resume` deletes them instead of merging them twice.

A run killed hard (SIGKILL, power loss) loses only the rows of its unfinished part (at most PART_ROWS,
never acknowledged); `scores.parquet` is either the old complete file or the new complete file.
`--resume` reads the ids of `scores.parquet` and of the complete parts, and scores only the others.

Columns: `id` (int64 when every input id is a whole number, else string), `ai_probability` (double),
`verdict`, `mode`, `threshold_mode` (string), `sentences`, `evidence`, `normalization`, `model`,
`attribution` (each a JSON string of the same value as in JSONL output; null where that value is
null), and `error` (string, null for scored rows; the detection columns are null for error rows).
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kodetect.batch.optional import require
from kodetect.batch.records import IdKind, Part, Record, RecordSource, contiguous_slices
from kodetect.detection import DETECTION_FIELDS
from kodetect.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
READ_BATCH_ROWS = 1024
ROW_GROUP_ROWS = 1000
PART_ROWS = 10_000
PARTS_SUFFIX = ".parts"
MERGED_PARTS_KEY = b"kodetect.merged_parts"
JSON_COLUMNS_KEY = b"kodetect.json_columns"
_PLAIN_STRING_FIELDS = ("verdict", "mode", "threshold_mode")


def _pyarrow() -> Any:
    require("pyarrow.parquet", "parquet", "Parquet input or output")
    import pyarrow

    return pyarrow


# --- input -----------------------------------------------------------------------------------------


def open_parquet(path: Path, text_field: str, id_field: str) -> RecordSource:
    """Validate a Parquet file (readable, with a string text column) and return its records, lazily."""
    pa = _pyarrow()
    meta = _metadata(path)
    schema = meta.schema.to_arrow_schema()
    if text_field not in schema.names:
        raise InputError(f"{path}: no '{text_field}' column (columns: {', '.join(schema.names)})")
    text_type = schema.field(text_field).type
    if not _is_string(pa, text_type):
        raise InputError(f"{path}: column '{text_field}' holds {text_type}, not text")
    id_kind: IdKind = "int"
    if id_field in schema.names and id_field != text_field:
        id_kind = "int" if pa.types.is_integer(schema.field(id_field).type) else "text"
    group_rows = tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    split = functools.partial(_parquet_parts, path, text_field, id_field, group_rows)
    return RecordSource.from_parts(split, meta.num_rows, id_kind)


def _metadata(path: Path) -> Any:
    pa = _pyarrow()
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from exc


def _is_string(pa: Any, data_type: Any) -> bool:
    return bool(pa.types.is_string(data_type) or pa.types.is_large_string(data_type)
                or pa.types.is_string_view(data_type))


def _parquet_parts(path: Path, text_field: str, id_field: str, group_rows: tuple[int, ...], parts: int) -> list[Part]:
    """Contiguous runs of row groups, each knowing the row number it starts at."""
    if not group_rows:
        return [functools.partial(parquet_records, path, text_field, id_field, (), 0)]
    starts = [0]
    for rows in group_rows:
        starts.append(starts[-1] + rows)
    return [functools.partial(parquet_records, path, text_field, id_field, tuple(groups), starts[groups.start])
            for groups in contiguous_slices(len(group_rows), parts)]


def parquet_records(path: Path, text_field: str, id_field: str, row_groups: tuple[int, ...],
                    first_row: int) -> Iterator[Record]:
    """Records of the given row groups, streamed in batches; ids default to the 0-based row number."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as file:
        names = file.schema_arrow.names
        columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
        row = first_row
        for group in row_groups:
            group_end = row + file.metadata.row_group(group).num_rows
            try:
                for batch in file.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=[group], columns=columns):
                    texts = batch.column(text_field).to_pylist()
                    ids = batch.column(id_field).to_pylist() if len(columns) > 1 else [None] * len(texts)
                    for record_id, text in zip(ids, texts, strict=True):
                        yield _record(row, record_id, text, text_field)
                        row += 1
            except (pa.ArrowException, OSError) as exc:
                reason = f"row group {group} cannot be read ({_first_line(exc)})"
                while row < group_end:
                    yield Record(row, None, f"row {row}: {reason}")
                    row += 1
            row = group_end


def _record(row: int, record_id: Any, text: str | None, text_field: str) -> Record:
    if record_id is None:
        record_id = row
    elif not isinstance(record_id, int | str) or isinstance(record_id, bool):
        record_id = str(record_id)  # dates, decimals, ...: kept readable, and JSON-ready
    if text is None:
        return Record(record_id, None, f"row {row}: no '{text_field}' value")
    return Record(record_id, text)


# --- output ----------------------------------------------------------------------------------------


def parts_dir(path: Path) -> Path:
    return path.with_name(path.name + PARTS_SUFFIX)


def output_schema(int_ids: bool, merged_parts: list[str] | None = None) -> Any:
    pa = _pyarrow()
    fields = [pa.field("id", pa.int64() if int_ids else pa.string())]
    json_columns = []
    for name in DETECTION_FIELDS:
        if name == "ai_probability":
            fields.append(pa.field(name, pa.float64()))
        else:
            fields.append(pa.field(name, pa.string()))
            if name not in _PLAIN_STRING_FIELDS:
                json_columns.append(name)
    fields.append(pa.field("error", pa.string()))
    metadata = {JSON_COLUMNS_KEY: json.dumps(json_columns).encode()}
    if merged_parts is not None:
        metadata[MERGED_PARTS_KEY] = json.dumps(merged_parts).encode()
    return pa.schema(fields, metadata=metadata)


def existing_id_type(path: Path) -> bool | None:
    """Whether an existing output has integer ids (None when there is no output yet)."""
    if not path.exists():
        return None
    pa = _pyarrow()
    schema = _metadata(path).schema.to_arrow_schema()
    if "id" not in schema.names:
        raise InputError(f"{path}: exists but is not a kodetect batch output (no 'id' column)")
    return bool(pa.types.is_integer(schema.field("id").type))


def recover(path: Path) -> None:
    """Before resuming: drop leftovers of an interrupted run that hold no acknowledged rows."""
    folder = parts_dir(path)
    _remove(path.with_name(path.name + ".tmp"))
    if not folder.is_dir():
        return
    merged = set(_merged_parts(path)) if path.exists() else set()
    for item in sorted(folder.iterdir()):
        if item.suffix == ".tmp" or item.name in merged:
            _remove(item)  # an unfinished part, or one already merged into `path`
        elif item.suffix == ".parquet":
            try:
                _metadata(item)
            except InputError:
                _remove(item)


def finished_ids(path: Path) -> Iterator[Any]:
    """Ids in an existing output and its complete parts (call `recover` first)."""
    import pyarrow.parquet as pq

    for file in [path, *_part_files(path)]:
        if not file.exists():
            continue
        with pq.ParquetFile(file) as handle:
            for batch in handle.iter_batches(batch_size=65536, columns=["id"]):
                yield from batch.column(0).to_pylist()


class ParquetSink:
    """Writes output rows to checkpointed parts; `close` merges them into the output file."""

    def __init__(self, path: Path, int_ids: bool, keep_existing: bool,
                 part_rows: int | None = None, row_group_rows: int | None = None) -> None:
        _pyarrow()
        self.path = path
        self.int_ids = int_ids
        self.keep_existing = keep_existing
        self.part_rows = part_rows or PART_ROWS
        self.row_group_rows = row_group_rows or ROW_GROUP_ROWS
        self.schema = output_schema(int_ids)
        self.folder = parts_dir(path)
        # Unique per run, ordered by start time: parts of earlier runs are never overwritten.
        self._run = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}"
        self._part_index = 0
        self._buffer: list[dict[str, Any]] = []
        self._writer: Any = None
        self._part_tmp: Path | None = None
        self._part_rows_written = 0
        if not keep_existing:
            _remove(path)
            if self.folder.is_dir():
                for item in self.folder.iterdir():
                    _remove(item)
        self.folder.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self.row_group_rows:
            self._flush()

    def close(self) -> None:
        """Finish the open part, merge everything into the output file, delete the parts."""
        self._flush()
        self._close_part()
        parts = _part_files(self.path)
        sources = ([self.path] if self.keep_existing and self.path.exists() else []) + parts
        tmp = self.path.with_name(self.path.name + ".tmp")
        _copy_row_groups(sources, tmp, output_schema(self.int_ids, [p.name for p in parts]))
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        for part in parts:
            _remove(part)
        try:
            self.folder.rmdir()
        except OSError:
            pass

    def _flush(self) -> None:
        if not self._buffer:
            return
        pa = _pyarrow()
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([self._parquet_row(row) for row in self._buffer], schema=self.schema)
        self._buffer = []
        if self._writer is None:
            self._part_tmp = self.folder / f"part-{self._run}-{self._part_index:05d}.tmp"
            self._writer = pq.ParquetWriter(self._part_tmp, self.schema)
        self._writer.write_table(table, row_group_size=self.row_group_rows)
        self._part_rows_written += table.num_rows
        if self._part_rows_written >= self.part_rows:
            self._close_part()

    def _close_part(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        assert self._part_tmp is not None
        _fsync(self._part_tmp)
        os.replace(self._part_tmp, self._part_tmp.with_suffix(".parquet"))
        _fsync_dir(self.folder)
        self._part_index += 1
        self._part_rows_written = 0

    def _parquet_row(self, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": output_id(row["id"], self.int_ids), "error": row.get("error")}
        for name in DETECTION_FIELDS:
            value = row.get(name)
            if value is None or name == "ai_probability" or name in _PLAIN_STRING_FIELDS:
                out[name] = value
            else:
                out[name] = json.dumps(value, ensure_ascii=False)
        return out


def output_id(row_id: Any, int_ids: bool) -> Any:
    """An id as the output's id column stores it."""
    if int_ids:
        if isinstance(row_id, int) and not isinstance(row_id, bool):
            return row_id
        raise InputError(f"id {row_id!r} is not a whole number, but the output's id column is")
    return row_id if isinstance(row_id, str) else json.dumps(row_id, ensure_ascii=False)


def _copy_row_groups(sources: list[Path], target: Path, schema: Any) -> None:
    import pyarrow.parquet as pq

    with pq.ParquetWriter(target, schema) as writer:
        for source in sources:
            with pq.ParquetFile(source) as handle:
                for group in range(handle.num_row_groups):
                    table = handle.read_row_group(group).replace_schema_metadata(schema.metadata)
                    writer.write_table(table)
    _fsync(target)


def _merged_parts(path: Path) -> list[str]:
    metadata = _metadata(path).schema.to_arrow_schema().metadata or {}
    try:
        return list(json.loads(metadata.get(MERGED_PARTS_KEY, b"[]")))
    except ValueError:
        return []


def _part_files(path: Path) -> list[Path]:
    folder = parts_dir(path)
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:
        pass  # not every platform can open a folder to sync it


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
