"""Worker processes: each loads its own detectors once, then scores one text at a time from the queue.

The event loop never scores. For each worker a thread in the server process takes the next text from
the `Scheduler`, sends it down that worker's pipe and waits for the answer or for the worker's death
(its sentinel). A worker that dies (SIGKILL, out of memory) therefore fails only the text it held, and
its thread starts a replacement at once; the other workers never notice. (A ProcessPoolExecutor would
not do: one dead worker breaks the whole executor, every pending future with it.)

Workers are started with "spawn": a fork of a server process that already runs threads is unsafe.
`InlineSlot` is the same interface without a process, for `--workers 0` and for a Detector handed to
`create_app` (tests, embedding): no isolation, one text at a time.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from kodetect.serve.failures import JobTimedOut, WorkerCrashed
from kodetect.serve.scheduler import Scheduler, Task

log = logging.getLogger("kodetect.serve")

# (args...) -> (state the worker keeps, info sent to the server once, e.g. the model's version)
Initializer = Callable[..., tuple[Any, Any]]
# (state, job) -> result; runs in the worker for each text
Handler = Callable[[Any, Any], Any]

# A worker loads the model and Kiwi (a few seconds; a minute for the language model on a busy machine).
START_TIMEOUT_S = 300.0
# A text may run this many times its expected time, beyond the request timeout, before its worker is
# stopped: only a pathological input gets there, and it would otherwise hold a core for good.
RUN_LIMIT_FACTOR = 3.0
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
# A job whose worker died before taking it goes to another worker, this many times at most.
MAX_HANDOVERS = 3
# An idle worker's thread looks at its process this often, so one that dies idle is replaced too.
IDLE_CHECK_S = 1.0


class WorkerUnavailable(Exception):
    """The worker died while idle: the job never reached it and can go to another worker."""


def worker_main(conn: Connection, initializer: Initializer, args: tuple[Any, ...], handler: Handler) -> None:
    """A worker process: initialise, say ready, then answer each job sent until None or the pipe closes."""
    # Ctrl-C reaches the whole process group; the server stops its workers itself, after answering.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        state, info = initializer(*args)
    except BaseException as error:  # noqa: BLE001 - whatever it is, the server must hear why
        conn.send(("failed", _portable(error)))
        return
    conn.send(("ready", info))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return  # the server is gone
        if job is None:
            return
        # Received: from here on, the worker's death is this job's failure (before, the job can go elsewhere).
        conn.send(("started", None))
        try:
            reply: tuple[str, Any] = ("ok", handler(state, job))
        except Exception as error:  # noqa: BLE001 - the job's error is the request's answer
            reply = ("error", _portable(error))
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            conn.send(("error", RuntimeError(f"the result could not be sent back: {error}")))


def _portable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling (so the server can re-raise it as is), else its text."""
    try:
        return pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to round-trip means: send the text instead
        return RuntimeError(f"{type(error).__name__}: {error}")


class Slot(Protocol):
    ready: bool

    @property
    def pid(self) -> int | None: ...

    def start(self) -> None: ...

    def alive(self) -> bool: ...

    def wait_ready(self, timeout_s: float) -> Any: ...

    def execute(self, job: Any, limit_s: float) -> Any: ...

    def stop(self) -> None: ...


class ProcessSlot:
    """One worker process and the server's end of its pipe."""

    def __init__(self, index: int, initializer: Initializer, args: tuple[Any, ...], handler: Handler) -> None:
        self.index = index
        self.ready = False
        self._target = (initializer, args, handler)
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(target=worker_main, args=(child, *self._target),
                                        name=f"kodetect-worker-{self.index}", daemon=True)
        process.start()
        child.close()  # the worker's end lives in the worker only, so its death closes the pipe
        self._process, self._conn, self.ready = process, parent, False

    def wait_ready(self, timeout_s: float) -> Any:
        try:
            status, value = self._receive(timeout_s)
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"worker {self.index} did not load its model within {timeout_s:.0f} s") from None
        if status == "failed":
            self.stop()
            raise value
        self.ready = True
        return value

    def execute(self, job: Any, limit_s: float) -> Any:
        assert self._process is not None and self._conn is not None
        if not self.ready or not self._process.is_alive():
            self.ready = False
            raise WorkerUnavailable
        try:
            self._conn.send(job)
            self._receive(limit_s, died_idle=True)  # "started"
        except (OSError, WorkerUnavailable, TimeoutError):
            self.stop()
            raise WorkerUnavailable from None
        try:
            status, value = self._receive(limit_s)
        except TimeoutError:
            log.warning("worker %d (pid %s): a text ran over %.0f s; stopping it", self.index, self.pid, limit_s)
            self.stop()
            raise JobTimedOut(limit_s) from None
        if status == "error":
            raise value
        return value

    def _receive(self, timeout_s: float, died_idle: bool = False) -> tuple[str, Any]:
        """The worker's next message; WorkerCrashed (WorkerUnavailable before it took the job) when it
        dies first, TimeoutError when neither comes."""
        assert self._process is not None and self._conn is not None
        ready = wait([self._conn, self._process.sentinel], timeout_s)
        if not ready:
            raise TimeoutError
        if self._conn in ready:  # an answer, or end of file when the worker died
            try:
                return self._conn.recv()
            except (EOFError, OSError):
                pass
        self.ready = False
        self._process.join(1)
        reason = _describe_exit(self._process.exitcode)
        log.warning("worker %d (pid %s) %s%s", self.index, self.pid, reason, " while idle" if died_idle else "")
        if died_idle:
            raise WorkerUnavailable(reason)
        raise WorkerCrashed(reason)

    def stop(self) -> None:
        """Ask the worker to finish, then make sure it is gone (it may be stuck in a long text)."""
        self.ready = False
        process, conn = self._process, self._conn
        if process is None or conn is None:
            return
        try:
            conn.send(None)
        except OSError:
            pass
        process.join(2)
        if process.is_alive():
            process.kill()
            process.join(5)
        conn.close()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class InlineSlot:
    """Scores in the server process, on the pool's thread: the same interface, without a process."""

    def __init__(self, initializer: Initializer, args: tuple[Any, ...], handler: Handler) -> None:
        self.ready = False
        self._initializer, self._args, self._handler = initializer, args, handler
        self._state: Any = None

    @property
    def pid(self) -> int | None:
        return None

    def start(self) -> None:
        pass

    def alive(self) -> bool:
        return True

    def wait_ready(self, timeout_s: float) -> Any:
        self._state, info = self._initializer(*self._args)
        self.ready = True
        return info

    def execute(self, job: Any, limit_s: float) -> Any:
        return self._handler(self._state, job)

    def stop(self) -> None:
        pass


class WorkerPool:
    """Keeps every slot running and feeding on the scheduler's texts, one thread per slot."""

    def __init__(self, scheduler: Scheduler, slots: list[Slot], start_timeout_s: float = START_TIMEOUT_S,
                 loaded_at_start: Iterable[Hashable] = ()) -> None:
        self.scheduler = scheduler
        self.slots = slots
        self.restarts = 0
        self._start_timeout_s = start_timeout_s
        # What each worker has loaded (`Work.needs`): a text needing something else may first wait for a
        # model to load, so its time limit allows for that and its time does not teach the rate.
        self._at_start = frozenset(loaded_at_start)
        self._loaded: dict[int, set[Hashable]] = {id(slot): set(self._at_start) for slot in slots}
        scheduler.cold_start_s = start_timeout_s
        self._threads: list[threading.Thread] = []
        self._closing = threading.Event()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._closing.is_set()

    def start(self) -> Any:
        """Start every worker and wait until all have loaded their model; the first one's info.

        A worker that cannot load (a missing model, deep mode without its package) fails the start with
        its own error, as loading the model in the server process did. A closed pool starts again.
        """
        self._closing.clear()
        self._threads = []
        self.scheduler.reopen()
        for slot in self.slots:
            slot.start()
        try:
            infos = [slot.wait_ready(self._start_timeout_s) for slot in self.slots]
        except BaseException:
            for slot in self.slots:
                slot.stop()
            raise
        self._count_ready()
        for slot in self.slots:
            thread = threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                      name=f"kodetect-feed-{getattr(slot, 'index', 0)}")
            thread.start()
            self._threads.append(thread)
        return infos[0]

    def close(self) -> None:
        """Refuse new texts, let the threads go and stop the workers."""
        self._closing.set()
        self.scheduler.close()
        for slot in self.slots:
            slot.stop()
        for thread in self._threads:
            thread.join(5)
        self._count_ready()

    def pids(self) -> list[int]:
        return [pid for slot in self.slots if (pid := slot.pid) is not None]

    def _count_ready(self) -> None:
        with self._lock:
            ready = [slot for slot in self.slots if slot.ready]
            self.scheduler.ready = len(ready)
            self.scheduler.warm = frozenset().union(*(self._loaded[id(slot)] for slot in ready))

    def _serve(self, slot: Slot) -> None:
        while not self._closing.is_set():
            if slot.ready and not slot.alive():
                slot.ready = False
                self._count_ready()
                log.warning("worker %s (pid %s) died while idle", getattr(slot, "index", 0), slot.pid)
            if not slot.ready and not self._revive(slot):
                return
            task = self.scheduler.take(IDLE_CHECK_S)
            if task is not None:
                self._run(slot, task)

    def _run(self, slot: Slot, task: Task) -> None:
        needs, loaded = task.work.needs, self._loaded[id(slot)]
        cold = needs is not None and needs not in loaded
        limit_s = self.scheduler.timeout_s + RUN_LIMIT_FACTOR * task.cost_s + (self._start_timeout_s if cold else 0)
        started = time.monotonic()
        try:
            outcome = slot.execute(task.job, limit_s)
        except WorkerUnavailable as idle:
            self._count_ready()
            task.attempts += 1
            if task.attempts < MAX_HANDOVERS:
                self.scheduler.requeue(task)
                return
            outcome = WorkerCrashed(str(idle))  # workers keep dying as this job reaches them: stop trying
        except Exception as error:  # noqa: BLE001 - the text's error (or the worker's death) is its answer
            outcome = error
        if cold and not isinstance(outcome, BaseException):
            loaded.add(needs)
        if cold or not slot.ready:
            self._count_ready()
        self.scheduler.finish(task, outcome, time.monotonic() - started, observe=not cold)

    def _revive(self, slot: Slot) -> bool:
        """Replace a dead worker, retrying with growing pauses; False when the pool is closing."""
        for attempt in itertools.count():
            if self._closing.is_set():
                return False
            slot.stop()
            self._loaded[id(slot)] = set(self._at_start)
            slot.start()
            try:
                slot.wait_ready(self._start_timeout_s)
            except Exception as error:  # noqa: BLE001 - keep trying: the others serve meanwhile
                pause = RESTART_BACKOFF_S[min(attempt, len(RESTART_BACKOFF_S) - 1)]
                log.error("replacement worker failed to start (%s); retrying in %.0f s", error, pause)
                self._closing.wait(pause)
                continue
            if self._closing.is_set():  # closed while this one loaded: it must not outlive the pool
                slot.stop()
                return False
            with self._lock:
                self.restarts += 1
            self._count_ready()
            log.warning("replacement worker (pid %s) is ready", slot.pid)
            return True
        return False
