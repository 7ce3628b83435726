"""Stand-ins for the server's worker code, importable in a spawned worker process (like batch_fakes.py).

`load_fake`/`run_fake` replace the whole worker: jobs are ("echo", value), ("fail", message),
("hold", path): write the worker's pid to `path` and block until killed, so a test can kill the worker
that holds a request, and ("meet", folder): write the pid there and wait until two workers have, so a
batch that was not split across workers never finishes.

`load_holding_worker` is the real worker (the packaged model) except that a text starting with
"HOLD:<path>" is held like the "hold" job.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from kodetect.errors import InputError
from kodetect.serve import scoring

HOLD = "HOLD:"


def load_fake(name: str) -> tuple[str, str]:
    return name, f"fake-{name}"


def run_fake(state: str, job: tuple[str, Any]) -> Any:
    kind, value = job
    if kind == "echo":
        return value
    if kind == "fail":
        raise InputError(value)
    if kind == "hold":
        hold(Path(value))
    if kind == "meet":
        folder = Path(value)
        (folder / f"{os.getpid()}.pid").write_text("")
        wait_for(lambda: len(list(folder.glob("*.pid"))) >= 2, 60, "a second worker")
        return os.getpid()
    raise ValueError(f"unknown fake job {kind!r}")


def hold(marker: Path) -> None:
    partial = marker.with_suffix(".tmp")
    partial.write_text(str(os.getpid()))
    partial.replace(marker)  # whole or absent, never half-written
    time.sleep(600)


def load_holding_worker(*args: Any) -> Any:
    real = scoring.score_text

    def score_or_hold(detector, text):
        if text.startswith(HOLD):
            hold(Path(text[len(HOLD):].split("\n", 1)[0]))
        return real(detector, text)

    scoring.score_text = score_or_hold
    return scoring.load_worker(*args)


def wait_for(condition, timeout_s: float = 120.0, what: str = "condition") -> None:
    """Poll until `condition()` holds; fails the test after `timeout_s` (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.05)
