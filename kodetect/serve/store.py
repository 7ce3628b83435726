"""Detections and the feedback people give on them, in one SQLite file.

Privacy by default: a detection keeps the SHA-256 of the text, and the text itself only when the
operator opts in (`store_text`). WAL lets `kodetect feedback export` read while the server writes.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kodetect.detection import Detection

LABELS = ("human", "ai")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS detections (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    text TEXT,
    ai_probability REAL,
    verdict TEXT NOT NULL,
    threshold_mode TEXT NOT NULL,
    model_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    detection_id TEXT NOT NULL REFERENCES detections(id),
    label TEXT NOT NULL CHECK (label IN ('human', 'ai')),
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_detection ON feedback(detection_id);
"""

_EXPORT_QUERY = """
SELECT f.id, f.detection_id, f.label, f.comment, f.created_at,
       d.created_at, d.text_sha256, d.text, d.ai_probability, d.verdict, d.threshold_mode, d.model_version
FROM feedback f JOIN detections d ON d.id = f.detection_id
ORDER BY f.id
"""
_EXPORT_FIELDS = (
    "feedback_id", "detection_id", "label", "comment", "created_at",
    "detection_created_at", "text_sha256", "text", "ai_probability", "verdict", "threshold_mode", "model_version",
)


def default_db_path() -> Path:
    override = os.environ.get("KODETECT_DB")
    if override:
        return Path(override)
    return Path.home() / ".local" / "share" / "kodetect" / "feedback.sqlite"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _connect(path: Path) -> sqlite3.Connection:
    # check_same_thread=False: scoring threads write through one connection, serialised by FeedbackStore's lock.
    connection = sqlite3.connect(path, check_same_thread=False, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL on every commit, not only feedback: an acknowledged detection_id must still exist after a
    # kill -9 or power loss, or the feedback a person sends on it would be refused.
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


class FeedbackStore:
    """Thread-safe access to the detections/feedback database at `path` (created with its folder)."""

    def __init__(self, path: str | Path, store_text: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.store_text = store_text
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = _connect(self.path)
        with self._lock, self._connection:
            self._connection.executescript(_SCHEMA)

    def record_detection(self, detection_id: str, text: str, detection: Detection) -> None:
        self.record_detections([(detection_id, text, detection)])

    def record_detections(self, rows: list[tuple[str, str, Detection]]) -> None:
        """Store several detections in one transaction (one fsync for a whole batch)."""
        created = _now()
        values = [
            (
                detection_id, created, text_sha256(text), text if self.store_text else None,
                detection.ai_probability, detection.verdict, detection.threshold_mode, detection.model.version,
            )
            for detection_id, text, detection in rows
        ]
        with self._lock, self._connection:
            self._connection.executemany("INSERT INTO detections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)

    def add_feedback(self, detection_id: str, label: str, comment: str | None = None) -> bool:
        """Store a label for a detection; False when no such detection was recorded."""
        if label not in LABELS:
            raise ValueError(f"label must be one of {', '.join(LABELS)}, got {label!r}")
        with self._lock, self._connection:
            known = self._connection.execute("SELECT 1 FROM detections WHERE id = ?", (detection_id,)).fetchone()
            if known is None:
                return False
            self._connection.execute(
                "INSERT INTO feedback (detection_id, label, comment, created_at) VALUES (?, ?, ?, ?)",
                (detection_id, label, comment, _now()),
            )
        return True

    def export_feedback(self) -> Iterator[dict[str, Any]]:
        """Every feedback row with its detection, oldest first, read lazily on a connection of its own."""
        return export_feedback(self.path)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def export_feedback(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read the feedback of the database at `path` without taking the writer's lock (WAL readers don't block)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no feedback database at {path}")
    return _export_rows(path)


def _export_rows(path: Path) -> Iterator[dict[str, Any]]:
    # A URI with mode=ro never creates a file and never writes, so exporting cannot alter the database.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for row in connection.execute(_EXPORT_QUERY):
            yield dict(zip(_EXPORT_FIELDS, row, strict=True))
    finally:
        connection.close()
