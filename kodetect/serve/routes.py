"""The API's routes. Each takes what it needs as a dependency (`Service`, the app's `DetectionService`),
checks the request, and hands the scoring to the service's queue of workers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse

from kodetect.detector import MODES, THRESHOLD_MODES
from kodetect.documents import DocumentTooLarge
from kodetect.serve.schemas import (
    BatchRequest,
    BatchResponse,
    DetectionResponse,
    DetectRequest,
    FeedbackRequest,
    FeedbackResponse,
    FileDetectionResponse,
    HealthResponse,
    ModelResponse,
    ProfilesResponse,
    QueueResponse,
    check_choice,
    check_profile_name,
)
from kodetect.serve.service import DetectionService, too_long

STATIC_DIR = Path(__file__).parent / "static"
UPLOAD_PATH = "/v1/detect/file"
# Routes whose body is JSON: anything else is refused with 415 before it is parsed (serve/guards.py).
JSON_PATHS = frozenset({"/v1/detect", "/v1/batch", "/v1/feedback"})
UPLOAD_CHUNK = 64 * 1024
# What any scoring route may answer besides its own errors: the queue's refusals.
QUEUED: dict[int | str, dict[str, Any]] = {
    503: {"description": "busy: retry after the Retry-After seconds; worker_restarted: retry; deep_unavailable "
                         "or model_unavailable: the mode cannot run on this server"},
    504: {"description": "timeout: no answer within the server's time limit"},
}


async def _service(request: Request) -> DetectionService:
    # async: FastAPI would run a plain function in a thread, a hop per request for an attribute lookup.
    return request.app.state.service


Service = Annotated[DetectionService, Depends(_service)]
router = APIRouter()


@router.post("/v1/detect", response_model=DetectionResponse, tags=["detection"],
             responses={413: {"description": "Text or body too long (code too_large)"},
                        415: {"description": "Body is not JSON (code unsupported_media_type)"},
                        422: {"description": "Empty or invalid text (invalid_input, invalid_request)"},
                        **QUEUED})
async def detect(body: DetectRequest, service: Service) -> dict[str, Any]:
    """Check one text: probability, verdict, sentence scores and evidence."""
    problem = too_long(body.text, service.settings.max_text_chars)
    if problem:
        raise HTTPException(status_code=413, detail=problem)
    return await service.detect(body.text, body.mode, body.threshold_mode, body.profile)


@router.post(UPLOAD_PATH, response_model=FileDetectionResponse, tags=["detection"],
             responses={413: {"description": "File or text too large"}, 415: {"description": "Unsupported format"},
                        422: {"description": "Unreadable document"}, **QUEUED})
async def detect_file(
    file: Annotated[UploadFile, File(description="A .txt, .docx, .pdf, .hwpx or .hwp file.")],
    service: Service,
    mode: Annotated[str | None, Form(description="Scoring mode.")] = None,
    threshold_mode: Annotated[str | None, Form(description="'low-fpr' or 'balanced'.")] = None,
    profile: Annotated[str | None, Form(description="Name of a profile on the server, instead of a threshold "
                                                    "mode.")] = None,
) -> dict[str, Any]:
    """Extract the text of a document and check it."""
    try:
        check_choice("mode", mode, MODES)
        check_choice("threshold_mode", threshold_mode, THRESHOLD_MODES)
        if profile is not None:
            check_profile_name(profile)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from error
    filename = file.filename or "upload"
    data = await _read_bounded(file, filename, service.settings.max_file_bytes)
    return await service.detect_document(data, filename, mode, threshold_mode, profile)


@router.post("/v1/batch", response_model=BatchResponse, tags=["detection"],
             responses={413: {"description": "Too many texts"}, **QUEUED})
async def batch(body: BatchRequest, service: Service) -> dict[str, Any]:
    """Check several texts; a text that cannot be checked gets an error item instead of failing the rest."""
    limit = service.settings.max_batch_texts
    if len(body.texts) > limit:
        raise HTTPException(status_code=413, detail=f"{len(body.texts)} texts; the limit is {limit} per request")
    return {"results": await service.detect_many(body.texts, body.mode, body.threshold_mode, body.profile)}


@router.post("/v1/feedback", response_model=FeedbackResponse, status_code=201, tags=["feedback"],
             responses={404: {"description": "Unknown detection_id"}})
async def feedback(body: FeedbackRequest, service: Service) -> dict[str, str]:
    """Say who really wrote a checked text; used to measure and recalibrate the model."""
    stored = await anyio.to_thread.run_sync(service.store.add_feedback, body.detection_id, body.label, body.comment)
    if not stored:
        raise HTTPException(status_code=404, detail=f"no detection with id {body.detection_id!r}")
    return {"status": "stored"}


@router.get("/healthz", response_model=HealthResponse, tags=["service"])
async def healthz(service: Service) -> dict[str, str]:
    return {"status": "ok", "model_version": service.model_version}


@router.get("/v1/model", response_model=ModelResponse, tags=["service"])
async def model(service: Service) -> dict[str, Any]:
    """The answering model: version, thresholds, validation summary and training data."""
    return service.model_summary()


@router.get("/v1/profiles", response_model=ProfilesResponse, tags=["service"])
async def profiles(service: Service) -> dict[str, Any]:
    """The profiles requests may name (`kodetect profile create` on the server), and which fit its models."""
    return await anyio.to_thread.run_sync(service.profiles)


@router.get("/v1/queue", response_model=QueueResponse, tags=["service"])
async def queue(service: Service) -> dict[str, Any]:
    """The scoring queue now: workers, texts waiting, the expected wait and the measured rate."""
    return service.queue_status()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    """The web page (its assets are mounted at /static by the app)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


@router.get("/docs", include_in_schema=False)
async def docs() -> FileResponse:
    """The API's documentation, read from /openapi.json by a page that loads nothing from elsewhere."""
    return FileResponse(STATIC_DIR / "docs.html", media_type="text/html; charset=utf-8")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")


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
