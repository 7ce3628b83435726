"""Reading evaluation data: JSONL rows (id, text, label, generator, genre, ...) and the KatFish files.

The shared data folder is read in place and never copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from kodetect.errors import InputError

DATA_DIR_ENV = "KODETECT_DATA_DIR"
KATFISH_GENRES = ("essay", "poetry", "abstract")
# ../shared/data next to the repository root (parents[2] is the root for this file).
_DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def data_dir() -> Path | None:
    """The shared data folder ($KODETECT_DATA_DIR, else ../shared/data), or None when it is absent."""
    configured = os.environ.get(DATA_DIR_ENV)
    path = Path(configured) if configured else _DEFAULT_DATA_DIR
    return path if path.is_dir() else None


def read_rows(path: str | Path) -> Iterator[dict]:
    """Stream the rows of a JSONL file, checking that each is an object with `text` and a 0/1 `label`.

    Blank lines are skipped. Raises InputError naming the file and 1-based line of the first bad row.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror or exc})") from exc
    # Lines are decoded one by one (not through a text wrapper, which decodes ahead in chunks) so a
    # decoding error names the right line.
    with handle:
        for line_no, raw in enumerate(handle, start=1):
            where = f"{path}:{line_no}"
            try:
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{where}: not valid UTF-8") from exc
            if line.strip():
                yield _parse_row(line, where)


def _parse_row(line: str, where: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    if not isinstance(row.get("text"), str):
        raise InputError(f"{where}: row has no string field 'text'")
    label = row.get("label")
    # bool is an int subclass; `true` is not a label.
    if type(label) is not int or label not in (0, 1):
        raise InputError(f"{where}: field 'label' must be 0 (human) or 1 (AI), got {label!r}")
    return row


def _require_data_dir() -> Path:
    found = data_dir()
    if found is None:
        raise InputError(f"shared data folder not found; set {DATA_DIR_ENV} to its path")
    return found


def load_katfish(genre: str) -> list[dict]:
    """All rows of one KatFish genre (essay, poetry or abstract)."""
    if genre not in KATFISH_GENRES:
        raise ValueError(f"unknown KatFish genre {genre!r}; expected one of {', '.join(KATFISH_GENRES)}")
    return list(read_rows(_require_data_dir() / "katfish" / f"{genre}.jsonl"))


def load_katfish_splits() -> dict:
    """The paper's seeded splits: {genre: {seed: {"train"|"test_solar"|"test_qwen"|"test_llama": [ids]}}}."""
    with (_require_data_dir() / "katfish" / "splits.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def load_katfish_features() -> dict:
    """The paper's 5-dim punctuation features: {genre: {seed: {split: {id: [f1..f5]}}}}."""
    with (_require_data_dir() / "katfish" / "splits_features.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, so a report pins exactly which data it was computed on."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
