"""What a worker does: load its detectors once, warm them up, then score one job at a time.

Runs in each worker process (and in the server process with `--workers 0`). No HTTP and no database
here: a job comes in as a `TextJob` or `FileJob`, a `Detection` (or a `ScoredFile`) goes back, and the
server records it and answers.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from kodetect.detection import Detection
from kodetect.detector import Detector
from kodetect.documents import DEFAULT_LIMITS, ExtractedDocument, ExtractionLimits, extract_text
from kodetect.errors import InputError
from kodetect.explain.catalog import signal_map
from kodetect.explain.placement import histogram, placement
from kodetect.profiles import Profile
from kodetect.profiles.store import load_named
from kodetect.serve.settings import ServerSettings

# Scored once at start, so Kiwi and the model's lazy parts are loaded before the first real request.
WARM_UP_TEXT = ("오늘은 날씨가 맑아서 친구들과 함께 공원에 갔다. 벚꽃이 활짝 피어 있어서 사진을 많이 찍었고, "
                "돌아오는 길에는 시장에 들러 떡볶이를 사 먹었다. 다음 주에도 다시 가 보기로 했다.")


@dataclass(frozen=True)
class TextJob:
    text: str
    mode: str | None
    threshold_mode: str | None
    profile: str | None = None


@dataclass(frozen=True)
class FileJob:
    data: bytes
    filename: str
    mode: str | None
    threshold_mode: str | None
    profile: str | None = None


@dataclass(frozen=True)
class ScoredText:
    detection: Detection
    # Where the probability falls among the model's reference texts (`Placement.to_dict()`); the
    # reference lives with the model, in the worker.
    placement: dict[str, Any] | None


@dataclass(frozen=True)
class ScoredFile(ScoredText):
    document: ExtractedDocument


@dataclass(frozen=True)
class WorkerInfo:
    """What the server learns from a worker once: the answering model, for headers and /v1/model."""

    model_version: str
    model_summary: dict[str, Any]


def score_text(detector: Detector, text: str) -> Detection:
    """The CPU-bound step, kept apart so tests can replace it."""
    return detector.detect(text)


class Detectors:
    """One Detector per (mode, threshold mode), created on first use; all share Kiwi and the process.
    A request naming a profile gets its mode's detector with the profile's thresholds (the model is not
    loaded again)."""

    def __init__(self, settings: ServerSettings, default: Detector | None = None, threads: int | None = None) -> None:
        self._settings = settings
        self._threads = threads
        self._lock = threading.Lock()
        self.default = default or self._load(settings.mode, settings.threshold_mode)
        self._cache = {(self.default.mode, self.default.threshold_mode): self.default}
        self.limits: ExtractionLimits = dataclasses.replace(
            DEFAULT_LIMITS, max_input_bytes=settings.max_file_bytes, max_chars=settings.max_text_chars)

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
                        max_chars=self._settings.max_text_chars, threads=self._threads)


def load_worker(settings: ServerSettings, threads: int | None = None,
                detector: Detector | None = None) -> tuple[Detectors, WorkerInfo]:
    """A worker's start: the default detector loaded and warmed up, and what the server needs to know."""
    detectors = Detectors(settings, detector, threads)
    if settings.profile is not None:
        # A missing or stale server profile stops the start, not every request after it.
        detectors.get(profile=settings.profile)
    score_text(detectors.default, WARM_UP_TEXT)
    info = WorkerInfo(detectors.default.model_info.version, model_summary(detectors.default))
    return detectors, info


def run_job(detectors: Detectors, job: TextJob | FileJob) -> ScoredText:
    """One job in a worker: score the text, or extract the file's text and score it."""
    if isinstance(job, FileJob):
        document = extract_text(job.data, job.filename, detectors.limits)
        detector = detectors.get(job.mode, job.threshold_mode, job.profile)
        detection = score_text(detector, document.text)
        return ScoredFile(detection, _placement(detector, detection), document)
    detector = detectors.get(job.mode, job.threshold_mode, job.profile)
    detection = score_text(detector, job.text)
    return ScoredText(detection, _placement(detector, detection))


def _placement(detector: Detector, detection: Detection) -> dict[str, Any] | None:
    where = placement(detector.reference, detection.ai_probability)
    return None if where is None else where.to_dict()


def model_summary(detector: Detector) -> dict[str, Any]:
    """The answering model: version, thresholds, validation summary and training data."""
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
