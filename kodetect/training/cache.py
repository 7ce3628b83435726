"""On-disk JSONL caches of per-text results (features, LM scores), read incrementally.

A cache file only grows: each line is one entry `{"k": key, ...}`, appended by whichever process
computed it. Retraining protocols look texts up dozens of times per run, so rereading a file of
tens of MB on every call cost minutes; a `JsonlCache` remembers how far it has read and reads only
the lines appended since (by this process or another).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


class JsonlCache:
    def __init__(self, path: Path, value: Callable[[dict], Any]) -> None:
        self.path = path
        self._value = value
        self._offset = 0
        self._entries: dict[str, Any] = {}

    def entries(self) -> dict[str, Any]:
        """Every entry of the file by key, after reading what was appended since the last call.

        A last line without its newline (an interrupted or still-running writer) is left for the
        next call; a line that is not JSON is skipped. A file that shrank was replaced: reread it.
        """
        if not self.path.exists():
            self._offset, self._entries = 0, {}
            return self._entries
        size = self.path.stat().st_size
        if size < self._offset:
            self._offset, self._entries = 0, {}
        if size > self._offset:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                for line in handle:
                    if not line.endswith(b"\n"):
                        break
                    self._offset += len(line)
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    self._entries[entry["k"]] = self._value(entry)
        return self._entries


_caches: dict[tuple[Path, str], JsonlCache] = {}


def shared_cache(path: Path, name: str, value: Callable[[dict], Any]) -> JsonlCache:
    """The process's one reader of `path` (`name` tells apart readers that keep different values)."""
    key = (path.resolve(), name)
    if key not in _caches:
        _caches[key] = JsonlCache(path, value)
    return _caches[key]
