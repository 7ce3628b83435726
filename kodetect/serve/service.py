"""What the server does for a request once HTTP is out of the way: queue, score, record, summarise.

Scoring is CPU-bound, so it runs in a pool of worker processes (`workers.py`), each with its own
detectors (`scoring.py`); the event loop only admits, waits and answers. Requests wait their turn in a
queue bounded by a latency budget (`scheduler.py`): a client waiting a few seconds is better served
than one told to come back, and one told to come back is better served than one waiting minutes.
Detections are recorded here, in the server process, so the feedback store has one writer. A request
may name a profile (thresholds fitted to its owner's writing); the worker applies it to its mode's model.
"""

from __future__ import annotations

import uuid
from typing import Any

from kodetect.batch.local import worker_threads
from kodetect.detection import Detection
from kodetect.detector import Detector, model_identity
from kodetect.errors import InputError, KodetectError
from kodetect.profiles import Profile, list_profiles
from kodetect.profiles.store import load_named
from kodetect.serve.failures import ServingError
from kodetect.serve.recorder import Recorder
from kodetect.serve.scheduler import Scheduler, Work
from kodetect.serve.scoring import (
    Detectors,
    FileJob,
    ScoredFile,
    ScoredText,
    TextJob,
    WorkerInfo,
    load_worker,
    run_job,
    score_text,
)
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

    async def detect(self, text: str, mode: str | None, threshold_mode: str | None,
                     profile: str | None = None) -> dict[str, Any]:
        [outcome] = await self.scheduler.run([self._work(text, mode, threshold_mode, profile)])
        scored: ScoredText = _unwrap(outcome)
        detection_id = str(uuid.uuid4())
        await self.recorder.record([(detection_id, text, scored.detection)])
        return _detection_dict(scored, detection_id)

    async def detect_document(self, data: bytes, filename: str, mode: str | None,
                              threshold_mode: str | None, profile: str | None = None) -> dict[str, Any]:
        chars = min(self.settings.max_text_chars, int(len(data) * FILE_CHARS_PER_BYTE))
        mode = self._mode(mode, threshold_mode, profile)
        work = Work(FileJob(data, filename, mode, threshold_mode, profile), mode, chars, observe=False,
                    needs=self._needs(mode, threshold_mode))
        [outcome] = await self.scheduler.run([work])
        scored: ScoredFile = _unwrap(outcome)
        document = scored.document
        detection_id = str(uuid.uuid4())
        await self.recorder.record([(detection_id, document.text, scored.detection)])
        info = {"format": document.format, "pages": document.pages, "warnings": document.warnings}
        return {**_detection_dict(scored, detection_id), "extracted_text": document.text, "document": info}

    async def detect_many(self, texts: list[str], mode: str | None, threshold_mode: str | None,
                          profile: str | None = None) -> list[dict[str, Any]]:
        """One result per text: its detection, or `{"error": ...}` when it cannot be checked.

        Each text is queued on its own, so the workers share a batch and single checks take turns with it.
        """
        problems = [too_long(text, self.settings.max_text_chars) for text in texts]
        works = [self._work(text, mode, threshold_mode, profile)
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
                    scored: ScoredText = _unwrap(outcome)
            if problem is not None:
                results.append({"error": problem})
                continue
            detection_id = str(uuid.uuid4())
            recorded.append((detection_id, text, scored.detection))
            results.append(_detection_dict(scored, detection_id))
        await self.recorder.record(recorded)
        return results

    def model_summary(self) -> dict[str, Any]:
        """The answering model: version, thresholds, validation summary and training data."""
        return self._summary

    def queue_status(self) -> dict[str, Any]:
        return {**self.scheduler.status(), "worker_restarts": self.pool.restarts}

    def profiles(self) -> dict[str, Any]:
        """The profiles a request may name, each with whether it fits the model of its mode here."""
        entries = []
        for listed in list_profiles():
            if listed.profile is not None:
                entries.append(self._profile_entry(listed.profile))
        return {"default": self.settings.profile, "profiles": entries}

    def _profile_entry(self, profile: Profile) -> dict[str, Any]:
        try:
            installed = model_identity(profile.mode, self.settings.model_path)
            problem = None if installed == profile.model else (
                f"fitted for model {profile.model.version}; this server runs {installed.version}: re-create it")
        except KodetectError as exc:
            problem = str(exc)
        fit = profile.fit
        return {"name": profile.name, "description": profile.description, "mode": profile.mode,
                "model_version": profile.model.version, "created_at": profile.created_at,
                "human_texts": fit.human.texts, "target_fpr": fit.target_fpr, "fpr_bound": fit.fpr_bound,
                "usable": problem is None, "problem": problem}

    def _mode(self, mode: str | None, threshold_mode: str | None, profile: str | None) -> str:
        """The mode a request runs in: its own, else its profile's (the server's profile's when it names
        neither a profile nor a threshold mode), else the server's. Known here so the request waits for a
        worker that has that mode's model; a profile that cannot be read is reported by the worker."""
        if mode is not None:
            return mode
        name = profile if profile is not None else (self.settings.profile if threshold_mode is None else None)
        if name is not None:
            try:
                return load_named(name).mode
            except KodetectError:
                pass
        return self.settings.mode

    def _needs(self, mode: str, threshold_mode: str | None) -> tuple[str, str]:
        return mode, threshold_mode or self.settings.threshold_mode

    def _work(self, text: str, mode: str | None, threshold_mode: str | None, profile: str | None) -> Work:
        resolved = self._mode(mode, threshold_mode, profile)
        return Work(TextJob(text, resolved, threshold_mode, profile), resolved, len(text),
                    needs=self._needs(resolved, threshold_mode))


def _unwrap(outcome: Any) -> Any:
    """A worker's result, or the exception it ended with raised here."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _detection_dict(scored: ScoredText, detection_id: str) -> dict[str, Any]:
    detection = scored.detection
    return {**detection.to_dict(), "detection_id": detection_id, "model_version": detection.model.version,
            "placement": scored.placement}
