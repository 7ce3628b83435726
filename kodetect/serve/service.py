"""What the server does for a request once HTTP is out of the way: queue, score, record, summarise.

Scoring is CPU-bound, so it runs in a pool of worker processes (`workers.py`), each with its own
detectors (`scoring.py`); the event loop only admits, waits and answers. Requests wait their turn in a
queue bounded by a latency budget (`scheduler.py`): a client waiting a few seconds is better served
than one told to come back, and one told to come back is better served than one waiting minutes.
Detections are recorded here, in the server process, so the feedback store has one writer.
"""

from __future__ import annotations

import uuid
from typing import Any

from kodetect.batch.local import worker_threads
from kodetect.detection import Detection
from kodetect.detector import Detector
from kodetect.errors import InputError
from kodetect.serve.failures import ServingError
from kodetect.serve.recorder import Recorder
from kodetect.serve.scheduler import Scheduler, Work
from kodetect.serve.scoring import Detectors, FileJob, ScoredFile, TextJob, WorkerInfo, load_worker, run_job, score_text
from kodetect.serve.settings import ServerSettings
from kodetect.serve.store import FeedbackStore
from kodetect.serve.workers import InlineSlot, ProcessSlot, Slot, WorkerPool

__all__ = ["DetectionService", "Detectors", "ServerSettings", "score_text", "too_long"]

# Characters a file is guessed to hold per byte, for its place in the queue before its text is known.
FILE_CHARS_PER_BYTE = 0.5


def too_long(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"the text has {len(text):,} characters; the limit is {limit:,} (split it into parts)"
    return None


def make_pool(settings: ServerSettings, detector: Detector | None = None) -> WorkerPool:
    """Worker processes as the settings say; scoring in this process when a Detector is handed in
    (it cannot be shared with other processes) or `workers` is 0."""
    count = 0 if detector is not None else settings.worker_count()
    slots: list[Slot]
    if count == 0:
        slots = [InlineSlot(load_worker, (settings, None, detector), run_job)]
    else:
        threads = worker_threads(count)
        slots = [ProcessSlot(index, load_worker, (settings, threads), run_job) for index in range(count)]
    scheduler = Scheduler(len(slots), settings.queue_budget_s, settings.request_timeout_s, settings.queue_size)
    # Workers start with the default detector loaded; another mode or threshold mode loads on first use.
    return WorkerPool(scheduler, slots, loaded_at_start=[(settings.mode, settings.threshold_mode)])


class DetectionService:
    """The server's state: the worker pool and its queue, the answering model and the feedback store."""

    def __init__(self, settings: ServerSettings, detector: Detector | None = None) -> None:
        self.settings = settings
        self.store = FeedbackStore(settings.db_path, store_text=settings.store_text)
        self.recorder = Recorder(self.store)
        self.pool = make_pool(settings, detector)
        self.scheduler = self.pool.scheduler
        self.model_version = ""
        self._summary: dict[str, Any] = {}
        self.start()

    def start(self) -> None:
        """Start the workers, unless they run (again after `stop`); each loads its model here."""
        if self.pool.running:
            return
        info: WorkerInfo = self.pool.start()
        self.model_version = info.model_version
        self._summary = info.model_summary

    def stop(self) -> None:
        """Stop the workers; waiting requests are answered 503."""
        self.pool.close()

    def close(self) -> None:
        self.stop()
        self.recorder.close()
        self.store.close()

    async def detect(self, text: str, mode: str | None, threshold_mode: str | None) -> dict[str, Any]:
        [outcome] = await self.scheduler.run([self._work(text, mode, threshold_mode)])
        detection: Detection = _unwrap(outcome)
        detection_id = str(uuid.uuid4())
        await self.recorder.record([(detection_id, text, detection)])
        return _detection_dict(detection, detection_id)

    async def detect_document(self, data: bytes, filename: str, mode: str | None,
                              threshold_mode: str | None) -> dict[str, Any]:
        chars = min(self.settings.max_text_chars, int(len(data) * FILE_CHARS_PER_BYTE))
        work = Work(FileJob(data, filename, mode, threshold_mode), self._mode(mode), chars, observe=False,
                    needs=self._needs(mode, threshold_mode))
        [outcome] = await self.scheduler.run([work])
        scored: ScoredFile = _unwrap(outcome)
        document, detection = scored.document, scored.detection
        detection_id = str(uuid.uuid4())
        await self.recorder.record([(detection_id, document.text, detection)])
        info = {"format": document.format, "pages": document.pages, "warnings": document.warnings}
        return {**_detection_dict(detection, detection_id), "extracted_text": document.text, "document": info}

    async def detect_many(self, texts: list[str], mode: str | None, threshold_mode: str | None) -> list[dict[str, Any]]:
        """One result per text: its detection, or `{"error": ...}` when it cannot be checked.

        Each text is queued on its own, so the workers share a batch and single checks take turns with it.
        """
        problems = [too_long(text, self.settings.max_text_chars) for text in texts]
        works = [self._work(text, mode, threshold_mode)
                 for text, problem in zip(texts, problems, strict=True) if problem is None]
        outcomes = iter(await self.scheduler.run(works))
        results: list[dict[str, Any]] = []
        recorded: list[tuple[str, str, Detection]] = []
        for text, problem in zip(texts, problems, strict=True):
            if problem is None:
                outcome = next(outcomes)
                if isinstance(outcome, InputError | ServingError):
                    problem = " ".join(str(outcome).split())
                else:
                    detection: Detection = _unwrap(outcome)
            if problem is not None:
                results.append({"error": problem})
                continue
            detection_id = str(uuid.uuid4())
            recorded.append((detection_id, text, detection))
            results.append(_detection_dict(detection, detection_id))
        await self.recorder.record(recorded)
        return results

    def model_summary(self) -> dict[str, Any]:
        """The answering model: version, thresholds, validation summary and training data."""
        return self._summary

    def queue_status(self) -> dict[str, Any]:
        return {**self.scheduler.status(), "worker_restarts": self.pool.restarts}

    def _mode(self, mode: str | None) -> str:
        return mode or self.settings.mode

    def _needs(self, mode: str | None, threshold_mode: str | None) -> tuple[str, str]:
        return self._mode(mode), threshold_mode or self.settings.threshold_mode

    def _work(self, text: str, mode: str | None, threshold_mode: str | None) -> Work:
        return Work(TextJob(text, mode, threshold_mode), self._mode(mode), len(text),
                    needs=self._needs(mode, threshold_mode))


def _unwrap(outcome: Any) -> Any:
    """A worker's result, or the exception it ended with raised here."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _detection_dict(detection: Detection, detection_id: str) -> dict[str, Any]:
    return {**detection.to_dict(), "detection_id": detection_id, "model_version": detection.model.version}
