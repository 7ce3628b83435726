"""Why the server could not answer a request it understood: overloaded, out of time, or a worker died.

Each carries its HTTP status, its error code (`errors.CODES`) and, where waiting helps, the seconds for
`Retry-After`; the app turns them into JSON (`{"detail": ..., "code": ...}`) like every other error.
Kept apart from HTTP so the queue and the pool can raise them and a batch can turn one into an error
item for a single text.
"""

from __future__ import annotations

# After a worker died its replacement loads the model: a few seconds.
RESTART_RETRY_AFTER_S = 5


class ServingError(Exception):
    """A request the server understood but could not answer now."""

    status: int = 503
    code: str = "busy"
    retry_after_s: int | None = None

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class Overloaded(ServingError):
    """The expected wait is over the server's budget: come back after `retry_after_s`."""

    def __init__(self, expected_wait_s: float, retry_after_s: int) -> None:
        self.expected_wait_s = expected_wait_s
        self.retry_after_s = retry_after_s
        super().__init__(f"the server is busy: the checks already waiting would take about {expected_wait_s:.0f} s; "
                         f"try again in {retry_after_s} s")


class TimedOut(ServingError):
    """The request did not get its answer within the server's time limit."""

    status = 504
    code = "timeout"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the check did not finish within {seconds:.0f} s; the server is very busy or the "
                         "text is very long: try again later, or split the text")


class WorkerCrashed(ServingError):
    """The worker process scoring this request died (killed, out of memory); a new one is starting."""

    code = "worker_restarted"
    retry_after_s = RESTART_RETRY_AFTER_S

    def __init__(self, detail: str = "") -> None:
        reason = f" ({detail})" if detail else ""
        super().__init__(f"the worker process checking this text stopped unexpectedly{reason}; it is being "
                         "restarted: please try again")


class JobTimedOut(ServingError):
    """One text ran so long in its worker that the worker was stopped (and replaced) to free the core."""

    status = 504
    code = "timeout"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"checking this text took longer than {seconds:.0f} s and was stopped; split the text "
                         "into parts and try again")
