"""Records to output rows: the one place a batch row is made, whichever engine runs it.

A row is `{"id": ..., **Detection.to_dict()}`, or `{"id": ..., "error": "..."}` when the record could
not be read or scored. Any exception from one text becomes that text's error row, so a single bad
document never stops a batch of millions; only an interruption (Ctrl-C) does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from kodetect.batch.records import Record
from kodetect.errors import InputError
from kodetect.profiles import Profile

# Columns of a record batch as the Ray engine passes it between processes: the id as JSON text
# (ids may mix numbers and strings, which one Arrow column cannot), the text, and the read error.
RECORD_COLUMNS = ("id", "text", "error")
# Columns the scoring step returns: the id as JSON text, the output row as one JSON object.
ROW_COLUMNS = ("id", "row")


class TextDetector(Protocol):
    """What scores a record: a `Detector`, or a test's stand-in."""

    def detect(self, text: str) -> Any: ...


def id_key(row_id: Any) -> str:
    """An id in JSON form: the id 7 (a row number) and the string "7" stay distinct."""
    return json.dumps(row_id, ensure_ascii=False)


def score_record(detector: TextDetector, record: Record) -> dict[str, Any]:
    """The output row for one record."""
    if record.error is not None:
        return {"id": record.id, "error": record.error}
    try:
        if record.text is None or not record.text.strip():
            raise InputError("text: is empty (no text to check)")
        return {"id": record.id, **detector.detect(record.text).to_dict()}
    except InputError as exc:
        return {"id": record.id, "error": _one_line(str(exc))}
    except Exception as exc:  # one document's failure must not end the batch
        return {"id": record.id, "error": _one_line(f"could not score this text ({type(exc).__name__}: {exc})")}


def records_to_columns(records: Iterable[Record]) -> dict[str, list[Any]]:
    """Records as columns (see RECORD_COLUMNS)."""
    columns: dict[str, list[Any]] = {name: [] for name in RECORD_COLUMNS}
    for record in records:
        columns["id"].append(id_key(record.id))
        columns["text"].append(record.text)
        columns["error"].append(record.error)
    return columns


def columns_to_records(columns: Mapping[str, Sequence[Any]]) -> list[Record]:
    return [Record(json.loads(key), text, error)
            for key, text, error in zip(columns["id"], columns["text"], columns["error"], strict=True)]


def score_batch(detector: TextDetector, columns: Mapping[str, Sequence[Any]]) -> dict[str, list[str]]:
    """Score one batch of records given as columns; the output rows come back as JSON text, in order.

    This is the whole of the Ray actor's work, kept free of Ray and Arrow so it can be tested alone.
    """
    out: dict[str, list[str]] = {name: [] for name in ROW_COLUMNS}
    for record in columns_to_records(columns):
        out["id"].append(id_key(record.id))
        out["row"].append(json.dumps(score_record(detector, record), ensure_ascii=False))
    return out


class DetectorActor:
    """The model holder of Ray's actor pool: loads the Detector once, then scores batch after batch."""

    def __init__(self, mode: str, threshold_mode: str | None, profile: Profile | None = None) -> None:
        from kodetect.detector import Detector

        self.detector = Detector(mode=mode, threshold_mode=threshold_mode, profile=profile)

    def __call__(self, batch: Any) -> Any:
        """A `pyarrow.Table` with RECORD_COLUMNS in, a `pyarrow.Table` with ROW_COLUMNS out."""
        import pyarrow as pa

        scored = score_batch(self.detector, batch.to_pydict())
        return pa.table({name: pa.array(scored[name], pa.string()) for name in ROW_COLUMNS})


def _one_line(message: str) -> str:
    return " ".join(message.split())
