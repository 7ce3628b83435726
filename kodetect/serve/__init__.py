"""`kodetect serve`: the HTTP API and web page; scoring runs in worker processes (see service.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kodetect.serve.app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: a worker process imports kodetect.serve.scoring and needs no web framework.
    if name in __all__:
        from kodetect.serve import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
