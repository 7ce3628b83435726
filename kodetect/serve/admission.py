"""Whether a request may wait: its expected wait against the latency budget, from the measured rate.

A person pressing 검사하기 will wait ten seconds for an answer, but not a minute, and a client told
"busy" at once can come back; so a request is admitted while the work ahead of it, spread over the
workers, is expected to take at most the budget, and refused beyond that with the seconds after which
the queue is expected to be back under the budget. The rule is a pure function (`admit`); the rate it
needs is measured while serving (`ServiceRate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A text's fixed cost (segmenting, the heads, the response) counted as this many characters more.
OVERHEAD_CHARS = 250
# Seconds per character before anything is measured, on the slow side of a 2-core machine: fast mode
# ~35 ms and deep mode ~2 s for a 1,000-character text. The measured rate replaces them within seconds.
PRIOR_SECONDS_PER_CHAR = {"fast": 3e-5, "deep": 1.6e-3}
# Weight of each new measurement: the estimate follows a change of load within ~10 texts, yet one
# unusually slow text moves it little.
EWMA_WEIGHT = 0.1


@dataclass(frozen=True)
class Admission:
    admitted: bool
    expected_wait_s: float
    retry_after_s: int  # whole seconds for the Retry-After header; 0 when admitted


def expected_wait(queued_s: float, running_s: float, busy: int, workers: int) -> float:
    """Seconds until a new request's first text starts: the work queued ahead of it plus the rest of the
    running texts (half of each, on average), shared by the workers; nothing while a worker is idle."""
    workers = max(1, workers)
    if busy < workers and queued_s <= 0:
        return 0.0
    return (queued_s + running_s / 2) / workers


def admit(queued_s: float, running_s: float, busy: int, workers: int, budget_s: float) -> Admission:
    """Admit while the expected wait is at most `budget_s`; otherwise say when to retry (at least 1 s)."""
    wait = expected_wait(queued_s, running_s, busy, workers)
    if wait <= budget_s:
        return Admission(True, wait, 0)
    return Admission(False, wait, max(1, math.ceil(wait - budget_s)))


class ServiceRate:
    """Seconds per character of text, per mode: an exponentially weighted mean of measured texts.

    Per character rather than per text because texts run from a line to 200,000 characters; a queue
    of long ones must look longer than a queue of short ones. Not thread-safe: its owner holds a lock.
    """

    def __init__(self, priors: dict[str, float] | None = None, weight: float = EWMA_WEIGHT) -> None:
        self._rates = dict(PRIOR_SECONDS_PER_CHAR if priors is None else priors)
        self._default = max(self._rates.values(), default=PRIOR_SECONDS_PER_CHAR["fast"])
        self._weight = weight

    def cost(self, mode: str, chars: int) -> float:
        """Expected seconds for one text of `chars` characters in `mode`."""
        return self._rates.get(mode, self._default) * (chars + OVERHEAD_CHARS)

    def observe(self, mode: str, chars: int, seconds: float) -> None:
        if seconds < 0 or not math.isfinite(seconds):
            return
        measured = seconds / (chars + OVERHEAD_CHARS)
        previous = self._rates.get(mode, self._default)
        self._rates[mode] = previous + self._weight * (measured - previous)

    def per_thousand_chars(self) -> dict[str, float]:
        """Seconds per 1,000-character text, per mode: for the queue's status."""
        return {mode: self.cost(mode, 1000) for mode in sorted(self._rates)}
