"""The HTTP API and the web page.

One Detector per (mode, threshold mode), loaded once and shared by every request. Scoring is CPU-bound,
so it runs in a small thread pool while the event loop keeps answering; requests beyond `queue_size`
get 503 with Retry-After at once, because a client waiting minutes in an unbounded queue is worse than
one told to come back.
"""

import dataclasses
import threading
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator

from kodetect import __version__
from kodetect.detection import Detection
from kodetect.detector import DEFAULT_MAX_CHARS, DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES, Detector
from kodetect.documents import (
    DEFAULT_LIMITS,
    DocumentTooLarge,
    UnreadableDocument,
    UnsupportedFormat,
    extract_text,
)
from kodetect.errors import InputError, ModelError
from kodetect.serve.store import FeedbackStore, default_db_path
from kodetect.text.segment import get_kiwi

STATIC_DIR = Path(__file__).parent / "static"
VERSION_HEADER = "X-Kodetect-Model-Version"
# One document takes ~40 ms, so a full queue drains in well under this many seconds.
RETRY_AFTER_S = 2
# Multipart framing and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_CHUNK = 64 * 1024
UPLOAD_PATH = "/v1/detect/file"

T = TypeVar("T")


@dataclass(frozen=True)
class ServerSettings:
    mode: str = MODES[0]
    threshold_mode: str = DEFAULT_THRESHOLD_MODE
    max_text_chars: int = DEFAULT_MAX_CHARS
    max_file_bytes: int = 10 * 1024 * 1024
    max_batch_texts: int = 100
    queue_size: int = 8  # scoring jobs running or waiting; more get 503
    workers: int = 1  # threads scoring at once (Kiwi analysis is serialised inside one process anyway)
    db_path: Path = field(default_factory=default_db_path)
    store_text: bool = False  # privacy by default: only the SHA-256 of each text is kept
    model_path: str | Path | None = None  # None: the packaged model


# --- request and response models (they are the OpenAPI documentation) -------------------------------------


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value


class ScoringOptions(BaseModel):
    """Options every scoring request shares; each falls back to the server's setting."""

    mode: str | None = Field(None, description=f"Scoring mode: {', '.join(MODES)}. Default: the server's.")
    threshold_mode: str | None = Field(
        None,
        description="Decision thresholds: 'low-fpr' (at most 1% of human validation texts called AI) or "
        "'balanced' (more AI caught, more false accusations). Default: the server's.",
    )

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str | None) -> str | None:
        return _check_choice("mode", value, MODES)

    @field_validator("threshold_mode")
    @classmethod
    def _threshold_mode(cls, value: str | None) -> str | None:
        return _check_choice("threshold_mode", value, THRESHOLD_MODES)


class DetectRequest(ScoringOptions):
    text: str = Field(description="The Korean text to check (plain text).")


class BatchRequest(ScoringOptions):
    texts: list[str] = Field(description="Texts to check, in order; at most the server's max_batch_texts.")


class FeedbackRequest(BaseModel):
    detection_id: str = Field(description="The detection_id returned with a detection.")
    label: Literal["human", "ai"] = Field(description="Who really wrote the text.")
    comment: str | None = Field(None, max_length=2000, description="Optional remark.")


class SentenceOut(BaseModel):
    start: int = Field(description="Offset (Unicode code points) of the sentence in the submitted or extracted text.")
    end: int = Field(description="End offset, exclusive.")
    text: str
    ai_probability: float | None = Field(description="Probability for the sentence with one neighbour each side.")


class EvidenceOut(BaseModel):
    name: str
    value: float = Field(description="The signal's value on this text.")
    direction: Literal["ai", "human", "neutral"] = Field(description="Which way the signal pushes the verdict.")
    contribution: float = Field(description="Additive share of the log-odds relative to an average training text.")
    description: str


class NormalizationOut(BaseModel):
    tampering: dict[str, int] = Field(description="Edits typical of evasion that were undone, with counts.")
    formatting: dict[str, int] = Field(description="Layout set aside before analysis (markdown, emoji).")


class ModelRef(BaseModel):
    name: str
    version: str


class AttributionOut(BaseModel):
    family: str = Field(description="The model family the text most resembles (gpt, claude, google, qwen, llama, "
                        "mistral, solar, exaone, korean, other), or 'unknown' when no family is likely enough. "
                        "A resemblance in style, not proof of which model wrote the text.")
    probabilities: dict[str, float] = Field(description="Probability of every family, most likely first.")


class DetectionResponse(BaseModel):
    ai_probability: float | None = Field(description="Calibrated probability of AI authorship; null on abstention.")
    verdict: Literal["ai", "human", "uncertain", "insufficient", "unsupported-language"]
    mode: str
    threshold_mode: str
    sentences: list[SentenceOut]
    evidence: list[EvidenceOut]
    normalization: NormalizationOut
    model: ModelRef
    attribution: AttributionOut | None = Field(
        description="Most similar model family, for 'ai' and 'uncertain' verdicts only; null otherwise.")
    detection_id: str = Field(description="Identifier to send feedback about this detection.")
    model_version: str = Field(description="Version of the model that answered.")


class DocumentInfo(BaseModel):
    format: str = Field(description="What the content really is: txt, docx, pdf, hwpx or hwp.")
    pages: int | None = Field(description="Page count (PDF only).")
    warnings: list[str]


class FileDetectionResponse(DetectionResponse):
    extracted_text: str = Field(description="The text extracted from the file; sentence offsets index it.")
    document: DocumentInfo


class BatchError(BaseModel):
    error: str = Field(description="Why this text could not be checked.")


class BatchResponse(BaseModel):
    results: list[DetectionResponse | BatchError] = Field(description="One item per input text, in order.")


class FeedbackResponse(BaseModel):
    status: Literal["stored"]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model_version: str


class ModelResponse(BaseModel):
    name: str
    version: str
    description: str | None = None
    trained_at: str | None = None
    default_threshold_mode: str
    thresholds: dict[str, dict[str, float]] = Field(description="Per threshold mode: AI and human probability cuts.")
    validation: dict[str, Any] = Field(description="Held-out validation: AUROC, TPR at 1%/5% FPR, FPR/TPR per mode.")
    training_set: dict[str, Any] = Field(description="Number of training texts per source and label.")


# --- scoring ----------------------------------------------------------------------------------------------


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

    def get(self, mode: str | None = None, threshold_mode: str | None = None) -> Detector:
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


def _detection_dict(detection: Detection, detection_id: str) -> dict[str, Any]:
    return {**detection.to_dict(), "detection_id": detection_id, "model_version": detection.model.version}


def _too_long(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"the text has {len(text):,} characters; the limit is {limit:,} (split it into parts)"
    return None


_INPUT_ERROR_STATUS: list[tuple[type[InputError], int]] = [
    (UnsupportedFormat, 415),
    (DocumentTooLarge, 413),
    (UnreadableDocument, 422),
    (InputError, 422),
]


def _status_for(error: InputError) -> int:
    return next(status for kind, status in _INPUT_ERROR_STATUS if isinstance(error, kind))


# --- the application --------------------------------------------------------------------------------------


def create_app(settings: ServerSettings | None = None, detector: Detector | None = None) -> FastAPI:
    """Build the app. The model loads here, once; `detector` lets a caller share one already loaded."""
    settings = settings or ServerSettings()
    detectors = Detectors(settings, detector)
    # Kiwi loads lazily (~1.8 s); load it now so the first visitor does not pay for it.
    get_kiwi()
    store = FeedbackStore(settings.db_path, store_text=settings.store_text)
    queue = ScoringQueue(settings.queue_size, settings.workers)
    model_version = detectors.default.model_info.version
    limits = dataclasses.replace(DEFAULT_LIMITS, max_input_bytes=settings.max_file_bytes,
                                 max_chars=settings.max_text_chars)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        queue.reset()
        yield

    app = FastAPI(
        title="kodetect",
        version=__version__,
        description="Offline detector of AI-generated Korean text: calibrated probability, verdict, sentence "
        "scores and evidence. No detector should be the sole basis for accusing a person of using AI.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.queue = queue
    app.state.detectors = detectors

    @app.middleware("http")
    async def guard_and_label(request: Request, call_next):
        # Refuse an oversized upload from its declared length, before the multipart parser spools it.
        if request.url.path == UPLOAD_PATH:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > settings.max_file_bytes + MULTIPART_OVERHEAD:
                limit_mib = settings.max_file_bytes / 2**20
                message = f"the upload is larger than {limit_mib:g} MiB, the most one check accepts"
                response = JSONResponse({"detail": message}, status_code=413)
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        response.headers[VERSION_HEADER] = model_version
        return response

    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=_status_for(error))

    @app.exception_handler(ModelError)
    async def model_error(request: Request, error: ModelError) -> JSONResponse:
        # A mode this server cannot load (e.g. deep mode without its model package): the service
        # is up, that mode is not available here.
        return JSONResponse({"detail": str(error)}, status_code=503)

    def detect_and_record(text: str, mode: str | None, threshold_mode: str | None) -> dict[str, Any]:
        detection = score_text(detectors.get(mode, threshold_mode), text)
        detection_id = str(uuid.uuid4())
        store.record_detection(detection_id, text, detection)
        return _detection_dict(detection, detection_id)

    def extract_and_detect(data: bytes, filename: str, mode: str | None, threshold_mode: str | None) -> dict:
        document = extract_text(data, filename, limits)
        result = detect_and_record(document.text, mode, threshold_mode)
        info = {"format": document.format, "pages": document.pages, "warnings": document.warnings}
        return {**result, "extracted_text": document.text, "document": info}

    def detect_many(texts: list[str], mode: str | None, threshold_mode: str | None) -> list[dict[str, Any]]:
        detector = detectors.get(mode, threshold_mode)
        results: list[dict[str, Any]] = []
        recorded: list[tuple[str, str, Detection]] = []
        for text in texts:
            problem = _too_long(text, settings.max_text_chars)
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
            results.append(_detection_dict(detection, detection_id))
        store.record_detections(recorded)
        return results

    @app.post("/v1/detect", response_model=DetectionResponse, tags=["detection"],
              responses={413: {"description": "Text too long"}, 422: {"description": "Empty or invalid text"},
                         503: {"description": "Busy; retry after the Retry-After seconds"}})
    async def detect(body: DetectRequest) -> dict[str, Any]:
        """Check one text: probability, verdict, sentence scores and evidence."""
        problem = _too_long(body.text, settings.max_text_chars)
        if problem:
            raise HTTPException(status_code=413, detail=problem)
        return await queue.run(detect_and_record, body.text, body.mode, body.threshold_mode)

    @app.post(UPLOAD_PATH, response_model=FileDetectionResponse, tags=["detection"],
              responses={413: {"description": "File or text too large"}, 415: {"description": "Unsupported format"},
                         422: {"description": "Unreadable document"}, 503: {"description": "Busy"}})
    async def detect_file(
        file: Annotated[UploadFile, File(description="A .txt, .docx, .pdf, .hwpx or .hwp file.")],
        mode: Annotated[str | None, Form(description="Scoring mode.")] = None,
        threshold_mode: Annotated[str | None, Form(description="'low-fpr' or 'balanced'.")] = None,
    ) -> dict[str, Any]:
        """Extract the text of a document and check it."""
        try:
            _check_choice("mode", mode, MODES)
            _check_choice("threshold_mode", threshold_mode, THRESHOLD_MODES)
        except ValueError as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        filename = file.filename or "upload"
        data = await _read_bounded(file, filename, settings.max_file_bytes)
        return await queue.run(extract_and_detect, data, filename, mode, threshold_mode)

    @app.post("/v1/batch", response_model=BatchResponse, tags=["detection"],
              responses={413: {"description": "Too many texts"}, 503: {"description": "Busy"}})
    async def batch(body: BatchRequest) -> dict[str, Any]:
        """Check several texts; a text that cannot be checked gets an error item instead of failing the rest."""
        if len(body.texts) > settings.max_batch_texts:
            raise HTTPException(status_code=413, detail=f"{len(body.texts)} texts; "
                                f"the limit is {settings.max_batch_texts} per request")
        return {"results": await queue.run(detect_many, body.texts, body.mode, body.threshold_mode)}

    @app.post("/v1/feedback", response_model=FeedbackResponse, status_code=201, tags=["feedback"],
              responses={404: {"description": "Unknown detection_id"}})
    async def feedback(body: FeedbackRequest) -> dict[str, str]:
        """Say who really wrote a checked text; used to measure and recalibrate the model."""
        stored = await anyio.to_thread.run_sync(store.add_feedback, body.detection_id, body.label, body.comment)
        if not stored:
            raise HTTPException(status_code=404, detail=f"no detection with id {body.detection_id!r}")
        return {"status": "stored"}

    @app.get("/healthz", response_model=HealthResponse, tags=["service"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "model_version": model_version}

    @app.get("/v1/model", response_model=ModelResponse, tags=["service"])
    async def model() -> dict[str, Any]:
        """The answering model: version, thresholds, validation summary and training data."""
        return model_summary(detectors.default)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


async def _read_bounded(file: UploadFile, filename: str, limit: int) -> bytes:
    """Read an upload in chunks, refusing it as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(UPLOAD_CHUNK):
        size += len(chunk)
        if size > limit:
            raise DocumentTooLarge(f"{filename}: the file is larger than {limit / 2**20:g} MiB, "
                                   "the most one check accepts")
        chunks.append(chunk)
    return b"".join(chunks)


def model_summary(detector: Detector) -> dict[str, Any]:
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
    }

