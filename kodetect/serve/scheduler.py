"""The waiting room between the event loop and the workers: admission, turn order and deadlines.

A request is a flow of one or more texts (a batch is one flow of up to 100). Flows take turns, one text
each (round robin), so a single check arriving behind a batch of 100 waits for one text of it, not for
all of them. A request is admitted while its expected wait is within the budget (`admission.admit`),
refused with `Overloaded` beyond it, and answered with `TimedOut` when its deadline passes (its texts
still waiting are dropped).

The event loop admits and awaits; the pool's threads (`workers.WorkerPool`) take texts and hand back
results. One lock guards the state; results reach the loop through `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from kodetect.serve.admission import Admission, ServiceRate, admit, expected_wait
from kodetect.serve.failures import Overloaded, ServingError, TimedOut


@dataclass(frozen=True)
class Work:
    """One text to score, as a route asks for it: the job a worker runs and what its cost depends on."""

    job: Any
    mode: str
    chars: int
    observe: bool = True  # whether its time teaches the rate (not for files: extraction costs differ)
    # What a worker must have loaded for it (e.g. mode and thresholds); None: whatever it starts with.
    needs: Hashable | None = None


@dataclass(eq=False)
class Flow:
    """One request's texts, and where its answer goes."""

    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[None]
    outcomes: list[Any]
    remaining: int
    cancelled: bool = False


@dataclass(eq=False)
class Task:
    """One text of a flow, queued or running."""

    work: Work
    cost_s: float
    flow: Flow
    index: int
    started: float = field(default=0.0)
    attempts: int = 0  # times handed to a worker that died before taking it

    @property
    def job(self) -> Any:
        return self.work.job


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Scheduler:
    """Admits requests, orders their texts fairly and hands them to the workers one at a time."""

    def __init__(self, workers: int, budget_s: float, timeout_s: float, max_waiting: int | None = None,
                 rate: ServiceRate | None = None, cold_start_s: float = 0.0) -> None:
        self.workers = workers
        self.budget_s = budget_s
        self.timeout_s = timeout_s
        self.max_waiting = max_waiting
        self.rate = rate or ServiceRate()
        self.ready = 0  # workers able to take a text now; the pool keeps it up to date
        # What some ready worker has loaded (the pool keeps it up to date); a request needing anything
        # else also waits for a worker to load it, up to `cold_start_s` more.
        self.warm: frozenset[Hashable] = frozenset()
        self.cold_start_s = cold_start_s
        self._lock = threading.Condition()
        self._flows: OrderedDict[Flow, deque[Task]] = OrderedDict()
        self._running: dict[Task, float] = {}
        self._closed = False

    # --- the event loop's side --------------------------------------------------------------------------

    async def run(self, works: list[Work]) -> list[Any]:
        """Each work's result, or the exception it ended with, in order.

        Raises `Overloaded` when not admitted and `TimedOut` when the answer is not there in time: the
        server's timeout plus the expected time of the request's own texts (a batch of 100 texts in deep
        mode legitimately takes minutes), plus the time to load a model no worker has loaded yet.
        """
        if not works:
            return []
        loop = asyncio.get_running_loop()
        flow = Flow(loop, loop.create_future(), [None] * len(works), len(works))
        own_s = self._enqueue(flow, works)
        cold = any(work.needs is not None and work.needs not in self.warm for work in works)
        deadline = self.timeout_s + own_s + (self.cold_start_s if cold else 0.0)
        try:
            await asyncio.wait_for(asyncio.shield(flow.done), deadline)
        except TimeoutError:
            raise TimedOut(deadline) from None
        finally:
            if not flow.done.done():
                self.cancel(flow)
        return flow.outcomes

    def _enqueue(self, flow: Flow, works: list[Work]) -> float:
        with self._lock:
            if self._closed:
                raise ServingError("the server is shutting down")
            decision = admit(self._queued_s(), self._running_s(), len(self._running), self._capacity(),
                             self.budget_s)
            if decision.admitted and self.max_waiting is not None and len(self._flows) >= self.max_waiting:
                # The operator's hard cap on waiting requests (--queue-size), whatever the budget says.
                decision = Admission(False, decision.expected_wait_s, max(1, round(decision.expected_wait_s)))
            if not decision.admitted:
                raise Overloaded(decision.expected_wait_s, decision.retry_after_s)
            tasks = deque(Task(work, self.rate.cost(work.mode, work.chars), flow, index)
                          for index, work in enumerate(works))
            self._flows[flow] = tasks
            self._lock.notify(len(tasks))
            return sum(task.cost_s for task in tasks)

    def cancel(self, flow: Flow) -> None:
        """Drop the flow's texts still waiting; results of its running ones will be ignored."""
        with self._lock:
            flow.cancelled = True
            self._flows.pop(flow, None)

    def _capacity(self) -> int:
        # While a worker restarts only the others serve; a server with none ready still counts one, so
        # the estimate stays finite (the replacement is seconds away).
        return max(1, min(self.ready, self.workers))

    def _queued_s(self) -> float:
        # Round robin: a new flow waits for one text of each flow already waiting.
        return sum(tasks[0].cost_s for tasks in self._flows.values())

    def _running_s(self) -> float:
        return sum(task.cost_s for task in self._running)

    # --- the workers' side ------------------------------------------------------------------------------

    def take(self, timeout_s: float | None = None) -> Task | None:
        """The next text in turn, waiting up to `timeout_s` for one; None when there is none or once closed."""
        with self._lock:
            if not self._flows and not self._closed:
                self._lock.wait(timeout_s)
            if self._closed or not self._flows:
                return None
            flow, tasks = self._flows.popitem(last=False)
            task = tasks.popleft()
            if tasks:
                self._flows[flow] = tasks  # back of the line: the other flows take their turn first
            task.started = time.monotonic()
            self._running[task] = task.started
            return task

    def requeue(self, task: Task) -> None:
        """Put back a text that never reached a worker (it died while idle), at the front of the line."""
        with self._lock:
            self._running.pop(task, None)
            if task.flow.cancelled or self._closed:
                return
            tasks = self._flows.setdefault(task.flow, deque())
            tasks.appendleft(task)
            self._flows.move_to_end(task.flow, last=False)
            self._lock.notify()

    def finish(self, task: Task, outcome: Any, seconds: float, observe: bool = True) -> None:
        """Record a text's result (or the exception it ended with) and answer its request when complete;
        its time teaches the rate unless `observe` is False (e.g. it included loading a model)."""
        with self._lock:
            self._running.pop(task, None)
            if observe and task.work.observe and not isinstance(outcome, BaseException):
                self.rate.observe(task.work.mode, task.work.chars, seconds)
            flow = task.flow
            flow.outcomes[task.index] = outcome
            flow.remaining -= 1
            complete = flow.remaining == 0 and not flow.cancelled
        if complete:
            _wake(flow)

    def close(self) -> None:
        """Wake the workers' threads to stop, and answer every waiting request that it cannot be served."""
        with self._lock:
            self._closed = True
            waiting = list(self._flows)
            self._flows.clear()
            for flow in waiting:
                flow.outcomes = [ServingError("the server is shutting down")] * len(flow.outcomes)
            self._lock.notify_all()
        for flow in waiting:
            _wake(flow)

    def reopen(self) -> None:
        with self._lock:
            self._closed = False

    def status(self) -> dict[str, Any]:
        with self._lock:
            queued_s, running_s, busy = self._queued_s(), self._running_s(), len(self._running)
            return {
                "workers": self.workers,
                "workers_ready": self.ready,
                "busy": busy,
                "waiting_requests": len(self._flows),
                "waiting_texts": sum(len(tasks) for tasks in self._flows.values()),
                "expected_wait_s": round(expected_wait(queued_s, running_s, busy, self._capacity()), 3),
                "budget_s": self.budget_s,
                "seconds_per_1000_chars": {mode: round(s, 4) for mode, s in self.rate.per_thousand_chars().items()},
            }


def _wake(flow: Flow) -> None:
    try:
        flow.loop.call_soon_threadsafe(_resolve, flow.done)
    except RuntimeError:
        pass  # its event loop is closed: nobody is waiting any more
