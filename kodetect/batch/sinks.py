"""Where batch rows go, chosen by the output's name: `-` (stdout) or a file, JSONL, or Parquet.

`plan_output` runs before any scoring: it reads which ids a previous run finished (for `--resume`) and
decides the id type of Parquet output, without creating or changing the output. `OutputPlan.open()`
then creates the sink.
"""

from __future__ import annotations

import contextlib
import json
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from kodetect.batch.parquet import PARQUET_SUFFIXES
from kodetect.batch.records import IdKind
from kodetect.batch.rows import id_key
from kodetect.errors import InputError


def open_output(path: str, append: bool = False) -> AbstractContextManager[TextIO]:
    """A text file to write, or standard output for '-' (which leaving the block leaves open)."""
    if path == "-":
        return contextlib.nullcontext(sys.stdout)
    try:
        return Path(path).open("a" if append else "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from exc


class Sink(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class JsonlSink:
    """One JSON object per line; each row is a whole line, so an interruption cuts at most one line."""

    def __init__(self, output: str, append: bool) -> None:
        self._context = open_output(output, append=append)
        self._handle: TextIO = self._context.__enter__()

    def write(self, row: dict[str, Any]) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._context.__exit__(None, None, None)


@dataclass
class OutputPlan:
    output: str
    parquet: bool
    resume: bool
    done: set[str] = field(default_factory=set)
    int_ids: bool = False

    def key(self, row_id: Any) -> str:
        """The id as it will be stored, in JSON form: what `done` holds."""
        return output_key(row_id, self.parquet, self.int_ids)

    def open(self) -> Sink:
        if self.parquet:
            from kodetect.batch.parquet import ParquetSink

            return ParquetSink(Path(self.output), self.int_ids, keep_existing=self.resume)
        return JsonlSink(self.output, append=self.resume and self.output != "-")


def output_key(row_id: Any, parquet: bool, int_ids: bool) -> str:
    """An input id as the output stores it, in JSON form (Parquet stores ids in one typed column)."""
    if parquet:
        from kodetect.batch.parquet import output_id

        return id_key(output_id(row_id, int_ids))
    return id_key(row_id)


def is_parquet(output: str) -> bool:
    return output != "-" and Path(output).suffix.lower() in PARQUET_SUFFIXES


def plan_output(output: str, resume: bool, id_kind: IdKind) -> OutputPlan:
    """Check the output and, when resuming, read the ids it already has."""
    if not is_parquet(output):
        done = finished_jsonl_ids(Path(output)) if resume and output != "-" else set()
        return OutputPlan(output, parquet=False, resume=bool(done), done=done)

    from kodetect.batch import parquet

    path = Path(output)
    if not path.parent.is_dir():
        raise InputError(f"{output}: cannot write (no folder {path.parent})")
    int_ids = id_kind == "int"
    plan = OutputPlan(output, parquet=True, resume=resume, int_ids=int_ids)
    if not resume:
        return plan
    parquet.recover(path)
    existing = parquet.existing_id_type(path)
    if existing is not None:
        if existing and not int_ids:
            raise InputError(f"{output}: has whole-number ids but INPUT's ids may be text; "
                             "resume into the output the same input started, or write a new file")
        plan.int_ids = existing
    plan.done = {id_key(row_id) for row_id in parquet.finished_ids(path)}
    return plan


def finished_jsonl_ids(path: Path) -> set[str]:
    """Ids already written to a JSONL output; a last line cut short by an interruption is removed."""
    if not path.exists():
        return set()
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        cut = _last_newline_end(handle, size)
    if cut != size:
        with path.open("r+b") as handle:
            handle.truncate(cut)
    done = set()
    with path.open("rb") as handle:
        for line in handle:
            try:
                done.add(id_key(json.loads(line)["id"]))
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                continue
    return done


def _last_newline_end(handle: Any, size: int, block: int = 1 << 16) -> int:
    """The offset just past the file's last newline (0 when it has none), reading from the end."""
    end = size
    while end > 0:
        start = max(0, end - block)
        handle.seek(start)
        chunk = handle.read(end - start)
        index = chunk.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        end = start
    return 0
