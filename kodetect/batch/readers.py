"""Input readers for `kodetect batch`: JSONL, CSV, Parquet, or a folder of documents, one record at a time.

`open_records` checks that the input as a whole is usable and raises `InputError` if not; problems
with single rows come back as records carrying an error, so one bad row never stops a batch. Nothing
reads the whole input into memory: JSONL and CSV are read line by line, Parquet by row batches
(`kodetect.batch.parquet`), folders file by file.
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from kodetect.batch.parquet import PARQUET_SUFFIXES
from kodetect.batch.records import Part, Record, RecordSource, contiguous_slices
from kodetect.errors import InputError
from kodetect.text.decode import decode_bytes, looks_binary, read_text_file

__all__ = ["Record", "RecordSource", "open_records"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
_CHUNK = 1 << 20
# Texts may be up to 200k characters, past the csv module's default field limit of 128 KiB.
_CSV_FIELD_LIMIT = 2**31 - 1


def open_records(path: str | Path, text_field: str = "text", id_field: str = "id") -> RecordSource:
    """Validate the input and return a lazy stream of its records."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        files = _text_files(path)
        if not files:
            raise InputError(f"{path}: folder contains no .txt, .docx, .pdf, .hwp or .hwpx files")
        return RecordSource.from_parts(functools.partial(_folder_parts, path, tuple(files)), len(files), "text")
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES or _starts_like_a_document(path):
        # One document: one record, its id the file's name, read as a folder's files are.
        return RecordSource.single(functools.partial(_folder_records, path.parent, (path,)), 1, "text")
    if suffix in JSONL_SUFFIXES:
        _check_jsonl(path)
        part = functools.partial(_jsonl_records, path, text_field, id_field)
        return RecordSource.single(part, _count_jsonl(path), "any")
    if suffix in CSV_SUFFIXES:
        encoding = _sniff_encoding(path)
        header = _check_csv_header(path, encoding, text_field)
        part = functools.partial(_csv_records, path, encoding, text_field, id_field)
        return RecordSource.single(part, _count_csv(path, encoding), "text" if id_field in header else "int")
    if suffix in PARQUET_SUFFIXES:
        from kodetect.batch.parquet import open_parquet

        return open_parquet(path, text_field, id_field)
    raise InputError(f"{path}: unsupported input; expected a .jsonl, .csv or .parquet file, a document "
                     "(.txt, .docx, .pdf, .hwp, .hwpx) or a folder of documents")


DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf", ".hwp", ".hwpx")


def _starts_like_a_document(path: Path) -> bool:
    """A .docx, .pdf, .hwp or .hwpx under another name (`report`, `essay.hwp.bak`), told by its content.

    Parquet, JSONL and CSV inputs are never taken for one; a ZIP that is neither Word nor Hangul (.xlsx)
    is not one either, and is refused as an unsupported input."""
    if path.suffix.lower() in (*JSONL_SUFFIXES, *CSV_SUFFIXES, *PARQUET_SUFFIXES) or not path.is_file():
        return False
    from kodetect.documents import DEFAULT_LIMITS
    from kodetect.documents.sniff import content_format

    if path.stat().st_size > DEFAULT_LIMITS.max_input_bytes:
        return False
    with _open_binary(path) as fh:
        data = fh.read()
    try:
        return content_format(data, path.name) != "txt"
    except InputError:
        return False


def _text_files(folder: Path) -> list[Path]:
    # Hidden folders (.git, .ipynb_checkpoints) hold copies and metadata, not inputs.
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _folder_parts(folder: Path, files: tuple[Path, ...], parts: int) -> list[Part]:
    return [functools.partial(_folder_records, folder, files[s.start:s.stop])
            for s in contiguous_slices(len(files), parts)]


def _folder_records(folder: Path, files: tuple[Path, ...] | list[Path]) -> Iterator[Record]:
    from kodetect.documents import DEFAULT_LIMITS, extract_by_content, extract_text

    for file in files:
        record_id = file.relative_to(folder).as_posix()
        try:
            if file.suffix.lower() == ".txt":
                yield Record(record_id, read_text_file(file))
                continue
            size = file.stat().st_size
            if size > DEFAULT_LIMITS.max_input_bytes:
                raise InputError(f"{file}: {size / 2**20:.1f} MiB; documents are limited to "
                                 f"{DEFAULT_LIMITS.max_input_bytes // 2**20} MiB")
            data = file.read_bytes()
            if file.suffix.lower() in DOCUMENT_SUFFIXES:
                yield Record(record_id, extract_text(data, file.name).text)
            else:
                yield Record(record_id, extract_by_content(data, file.name).text)
        except InputError as exc:
            yield Record(record_id, None, str(exc))
        except OSError as exc:
            yield Record(record_id, None, f"{file}: cannot read ({exc.strerror})")


def _check_jsonl(path: Path) -> None:
    with _open_binary(path) as fh:
        head = fh.read(8192)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: JSONL must be UTF-8, not UTF-16")
    if looks_binary(head):
        raise InputError(f"{path}: looks like a binary file, not JSONL")


def _count_jsonl(path: Path) -> int:
    """Rows in a JSONL file (non-blank lines), counted in one quick pass for the progress bar's ETA."""
    with _open_binary(path) as fh:
        return sum(1 for raw in fh if raw.strip())


def _jsonl_records(path: Path, text_field: str, id_field: str) -> Iterator[Record]:
    row = 0
    with _open_binary(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            record = _jsonl_record(raw, lineno, row, text_field, id_field)
            row += 1
            yield record


def _jsonl_record(raw: bytes, lineno: int, row: int, text_field: str, id_field: str) -> Record:
    where = f"line {lineno}"
    try:
        obj = json.loads(decode_bytes(raw, source=where))
    except InputError as exc:
        return Record(row, None, str(exc))
    except json.JSONDecodeError as exc:
        return Record(row, None, f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(obj, dict):
        return Record(row, None, f"{where}: expected a JSON object, got {type(obj).__name__}")
    record_id = obj.get(id_field)
    if record_id is None:
        record_id = row
    if text_field not in obj:
        return Record(record_id, None, f"{where}: no '{text_field}' field")
    text = obj[text_field]
    if not isinstance(text, str):
        return Record(record_id, None, f"{where}: field '{text_field}' is not a string")
    return Record(record_id, text)


def _sniff_encoding(path: Path) -> str:
    """Pick UTF-8 or CP949 by decoding the whole file in chunks, so rows can then be streamed."""
    with _open_binary(path) as fh:
        head = fh.read(8192)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if looks_binary(head):
        raise InputError(f"{path}: looks like a binary file, not CSV")
    for encoding in ("utf-8-sig", "cp949"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with _open_binary(path) as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputError(f"{path}: cannot decode the text; save it as UTF-8 or CP949 (EUC-KR)")


def _check_csv_header(path: Path, encoding: str, text_field: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as fh:
        try:
            header = next(csv.reader(fh), None)
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read the CSV header ({exc})") from exc
    if not header:
        raise InputError(f"{path}: empty CSV; a header row is required")
    if text_field not in header:
        columns = ", ".join(header)
        raise InputError(f"{path}: no '{text_field}' column in the header (columns: {columns})")
    return header


def _count_csv(path: Path, encoding: str) -> int:
    """Data rows of a CSV file (quoted line breaks included), for the progress bar's ETA."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # the header
        rows = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return rows
            except csv.Error:
                rows += 1  # `_csv_records` turns it into an error row
                continue
            rows += bool(values)  # like csv.DictReader, blank lines are not rows


def _csv_records(path: Path, encoding: str, text_field: str, id_field: str) -> Iterator[Record]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        row = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The reader moves past the bad line, so the rest of the file can still be read.
                yield Record(row, None, f"row {row}: malformed CSV ({exc})")
                row += 1
                continue
            record_id = values.get(id_field)
            if record_id is None:
                record_id = row
            text = values.get(text_field)
            if text is None:
                yield Record(record_id, None, f"row {row}: no '{text_field}' value")
            else:
                yield Record(record_id, text)
            row += 1


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
