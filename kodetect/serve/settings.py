"""How a server is set up: limits, the worker pool, the queue's latency budget, the feedback store."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from kodetect.detector import DEFAULT_MAX_CHARS, DEFAULT_THRESHOLD_MODE, MODES
from kodetect.serve.store import default_db_path


@dataclass(frozen=True)
class ServerSettings:
    mode: str = MODES[0]
    threshold_mode: str = DEFAULT_THRESHOLD_MODE
    max_text_chars: int = DEFAULT_MAX_CHARS
    max_file_bytes: int = 10 * 1024 * 1024
    max_batch_texts: int = 100
    max_body_bytes: int = 16 * 1024 * 1024  # any request body but an upload, refused before it is parsed
    # Requests waiting at most, whatever the budget says; None: only the budget limits the queue.
    queue_size: int | None = None
    # Scoring processes, each with its own model; None: one per core; 0: score in the server process.
    workers: int | None = None
    queue_budget_s: float = 10.0  # admit while the expected wait is at most this; beyond it 503 + Retry-After
    request_timeout_s: float = 60.0  # 504 when a request's answer takes longer (plus its own texts' time)
    db_path: Path = field(default_factory=default_db_path)
    store_text: bool = False  # privacy by default: only the SHA-256 of each text is kept
    model_path: str | Path | None = None  # None: the packaged model
    # A profile (by name, in the profile folder) for requests that name neither a profile nor a threshold
    # mode, in the profile's mode.
    profile: str | None = None

    def worker_count(self) -> int:
        """Worker processes to start: `workers`, or one per core this process may use."""
        return self.workers if self.workers is not None else available_cores()


def available_cores(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup CPU quota.

    In a container limited to 2 CPUs on a 64-core host, affinity alone says 64, and 64 workers of
    ~350 MB each would not fit the container's memory either.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return max(1, cores)
