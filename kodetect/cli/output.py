"""Where commands write their results: a file, or standard output for '-'."""

from __future__ import annotations

import contextlib
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TextIO

from kodetect.errors import InputError


def open_output(path: str, append: bool = False) -> AbstractContextManager[TextIO]:
    if path == "-":
        # Leaving the block must not close the real stdout.
        return contextlib.nullcontext(sys.stdout)
    try:
        return Path(path).open("a" if append else "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from exc
