"""What the server does for a request once HTTP is out of the way: score, record, summarise.

One Detector per (mode, threshold mode), loaded once and shared by every request; a request naming a
profile gets that detector with the profile's thresholds (the model is not loaded again). Scoring is CPU-bound,
so it runs in a small thread pool while the event loop keeps answering; requests beyond `queue_size`
get 503 with Retry-After at once, because a client waiting minutes in an unbounded queue is worse than
one told to come back.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import HTTPException

from kodetect.detection import Detection
from kodetect.detector import DEFAULT_MAX_CHARS, DEFAULT_THRESHOLD_MODE, MODES, Detector, model_identity
from kodetect.documents import DEFAULT_LIMITS, extract_text
from kodetect.errors import InputError, KodetectError
from kodetect.explain.catalog import signal_map
from kodetect.explain.placement import histogram, placement
from kodetect.model.artifact import Reference
from kodetect.profiles import Profile, list_profiles
from kodetect.profiles.store import load_named
from kodetect.serve.store import FeedbackStore, default_db_path

# One document takes ~40 ms, so a full queue drains in well under this many seconds.
RETRY_AFTER_S = 2

T = TypeVar("T")


@dataclass(frozen=True)
class ServerSettings:
    mode: str = MODES[0]
    threshold_mode: str = DEFAULT_THRESHOLD_MODE
    max_text_chars: int = DEFAULT_MAX_CHARS
    max_file_bytes: int = 10 * 1024 * 1024
    max_batch_texts: int = 100
    max_body_bytes: int = 16 * 1024 * 1024  # any request body but an upload, refused before it is parsed
    queue_size: int = 8  # scoring jobs running or waiting; more get 503
    workers: int = 1  # threads scoring at once (Kiwi analysis is serialised inside one process anyway)
    db_path: Path = field(default_factory=default_db_path)
    store_text: bool = False  # privacy by default: only the SHA-256 of each text is kept
    model_path: str | Path | None = None  # None: the packaged model
    # A profile (by name, in the profile folder) for requests that name neither a profile nor a threshold
    # mode, in the profile's mode.
    profile: str | None = None


def score_text(detector: Detector, text: str) -> Detection:
    """The CPU-bound step, kept apart so tests can replace it."""
    return detector.detect(text)


class Detectors:
    """One Detector per (mode, threshold mode), created on first use; all share Kiwi and the process."""

    def __init__(self, settings: ServerSettings, default: Detector | None = None) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.default = default or self._load(settings.mode, settings.threshold_mode)
        self._cache = {(self.default.mode, self.default.threshold_mode): self.default}

    def get(self, mode: str | None = None, threshold_mode: str | None = None,
            profile: str | None = None) -> Detector:
        """The detector for a request's options. A profile is looked up by name only (never a path a
        client chose) and read at each request, so a re-created profile is used without a restart."""
        if profile is not None and threshold_mode is not None:
            raise InputError("a profile brings its own thresholds: give threshold_mode or profile, not both")
        chosen = self._profile(mode, threshold_mode, profile)
        if chosen is not None:
            chosen.check_mode(mode or chosen.mode)  # before loading another mode's model for nothing
            return self._get(mode or chosen.mode, None).with_profile(chosen)
        return self._get(mode, threshold_mode)

    def _profile(self, mode: str | None, threshold_mode: str | None, profile: str | None) -> Profile | None:
        if profile is not None:
            return load_named(profile)
        default = self._settings.profile
        if default is None or threshold_mode is not None:
            return None
        chosen = load_named(default)
        # The server's profile is the default of its own mode; a request in another mode gets that mode's.
        return chosen if mode in (None, chosen.mode) else None

    def _get(self, mode: str | None, threshold_mode: str | None) -> Detector:
        key = (mode or self.default.mode, threshold_mode or self.default.threshold_mode)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._load(*key)
            return self._cache[key]

    def _load(self, mode: str, threshold_mode: str) -> Detector:
        return Detector(mode=mode, threshold_mode=threshold_mode, model_path=self._settings.model_path,
                        max_chars=self._settings.max_text_chars)


class ScoringQueue:
    """Admits at most `size` jobs (running or waiting) and runs them on at most `workers` threads."""

    def __init__(self, size: int, workers: int) -> None:
        self.size = size
        self.workers = workers
        self.active = 0
        self._limiter: anyio.CapacityLimiter | None = None

    def reset(self) -> None:
        # A limiter belongs to one event loop; a new lifespan (a new loop) needs a new one.
        self._limiter = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        # No lock needed: the check and the increment run on the event loop without an await between them.
        if self.active >= self.size:
            raise HTTPException(
                status_code=503,
                detail="the server is busy checking other texts; try again in a few seconds",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        self.active += 1
        try:
            if self._limiter is None:
                self._limiter = anyio.CapacityLimiter(self.workers)
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
        finally:
            self.active -= 1


def too_long(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"the text has {len(text):,} characters; the limit is {limit:,} (split it into parts)"
    return None


class DetectionService:
    """The server's state: shared detectors, the scoring queue and the feedback store.

    Its `detect*` methods are the blocking work of one request; routes run them through `queue`.
    """

    def __init__(self, settings: ServerSettings, detector: Detector | None = None) -> None:
        self.settings = settings
        self.detectors = Detectors(settings, detector)
        self.store = FeedbackStore(settings.db_path, store_text=settings.store_text)
        self.queue = ScoringQueue(settings.queue_size, settings.workers)
        self.model_version = self.detectors.default.model_info.version
        if settings.profile is not None:
            # A missing or stale server profile stops the start, not every request after it.
            self.detectors.get(profile=settings.profile)
        self.limits = dataclasses.replace(DEFAULT_LIMITS, max_input_bytes=settings.max_file_bytes,
                                          max_chars=settings.max_text_chars)

    def detect(self, text: str, mode: str | None, threshold_mode: str | None,
               profile: str | None = None) -> dict[str, Any]:
        detector = self.detectors.get(mode, threshold_mode, profile)
        detection = score_text(detector, text)
        detection_id = str(uuid.uuid4())
        self.store.record_detection(detection_id, text, detection)
        return _detection_dict(detection, detection_id, detector.reference)

    def detect_document(self, data: bytes, filename: str, mode: str | None,
                        threshold_mode: str | None, profile: str | None = None) -> dict[str, Any]:
        document = extract_text(data, filename, self.limits)
        result = self.detect(document.text, mode, threshold_mode, profile)
        info = {"format": document.format, "pages": document.pages, "warnings": document.warnings}
        return {**result, "extracted_text": document.text, "document": info}

    def detect_many(self, texts: list[str], mode: str | None, threshold_mode: str | None,
                    profile: str | None = None) -> list[dict[str, Any]]:
        """One result per text: its detection, or `{"error": ...}` when it cannot be checked."""
        detector = self.detectors.get(mode, threshold_mode, profile)
        results: list[dict[str, Any]] = []
        recorded: list[tuple[str, str, Detection]] = []
        for text in texts:
            problem = too_long(text, self.settings.max_text_chars)
            if problem is None:
                try:
                    detection = score_text(detector, text)
                except InputError as error:
                    problem = " ".join(str(error).split())
            if problem is not None:
                results.append({"error": problem})
                continue
            detection_id = str(uuid.uuid4())
            recorded.append((detection_id, text, detection))
            results.append(_detection_dict(detection, detection_id, detector.reference))
        self.store.record_detections(recorded)
        return results

    def model_summary(self) -> dict[str, Any]:
        """The answering model: version, thresholds, validation summary and training data."""
        detector = self.detectors.default
        card = detector.model_card
        validation = card.get("validation", {})
        keys = ("auroc", "tpr_at_1pct_fpr", "tpr_at_5pct_fpr", "expected_calibration_error", "fpr",
                "fpr_source_weighted", "tpr")
        training = card.get("training_set", {})
        return {
            "name": card.get("name", detector.model_info.name),
            "version": card.get("version", detector.model_info.version),
            "description": card.get("description"),
            "trained_at": card.get("trained_at"),
            "default_threshold_mode": detector.threshold_mode,
            "thresholds": card.get("thresholds", {}),
            "validation": {key: validation[key] for key in keys if key in validation},
            "training_set": {"n": training.get("n"), "by_group": training.get("by_group", {})},
            "signals": signal_map(detector.feature_names),
            "reference": histogram(detector.reference),
            "sentence_calibration": (None if detector.sentence_calibration is None
                                     else detector.sentence_calibration.to_dict()),
        }


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


def _detection_dict(detection: Detection, detection_id: str, reference: Reference | None = None) -> dict[str, Any]:
    where = placement(reference, detection.ai_probability)
    return {**detection.to_dict(), "detection_id": detection_id, "model_version": detection.model.version,
            "placement": None if where is None else where.to_dict()}
