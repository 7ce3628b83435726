"""Optional packages (pyarrow, Ray): imported on demand, with a one-line fix when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from kodetect.errors import InputError


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module`, or raise an `InputError` (exit code 2) naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise InputError(f"{purpose} needs {module.split('.')[0]}, which is not installed: "
                         f"pip install 'kodetect[{extra}]' ({exc})") from exc
