"""Detections into the feedback store from one thread, the rows of every request waiting in one transaction.

Each commit is durable (synchronous=FULL: an fsync) before its requests are answered, so a detection_id a
client received always exists. Under load many requests finish at once; committing them together costs
one fsync instead of one each, and no thread hop per request.
"""

from __future__ import annotations

import asyncio
import queue
import threading

from kodetect.detection import Detection
from kodetect.serve.store import FeedbackStore

Rows = list[tuple[str, str, Detection]]
_Pending = tuple[Rows, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class Recorder:
    def __init__(self, store: FeedbackStore) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def record(self, rows: Rows) -> None:
        """Return once `rows` are committed; raise what the store raised."""
        if not rows:
            return
        self._ensure_thread()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((rows, loop, done))
        await done

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(10)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kodetect-recorder", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            pending = [first]
            stop = False
            while not self._queue.empty():
                item = self._queue.get()
                if item is None:
                    stop = True
                    break
                pending.append(item)
            try:
                self.store.record_detections([row for rows, _, _ in pending for row in rows])
                error: BaseException | None = None
            except Exception as failure:  # noqa: BLE001 - every waiting request hears it
                error = failure
            for _, loop, done in pending:
                _settle(loop, done, error)
            if stop:
                return


def _settle(loop: asyncio.AbstractEventLoop, done: asyncio.Future[None], error: BaseException | None) -> None:
    def settle() -> None:
        if done.done():
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:
        pass  # that request's event loop is gone
