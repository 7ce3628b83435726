"""Error responses a page or a client can act on: `{"detail": <one English line>, "code": <machine word>}`.

The status says the class of problem, the code says which one, so the page can show it in its own
language: a 503 `busy` (the queue is full: try again, with Retry-After) is not a 503 `deep_unavailable`
(this server lacks `pip install 'kodetect[deep]'`: trying again will not help).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kodetect.documents import DocumentTooLarge, UnreadableDocument, UnsupportedFormat
from kodetect.errors import ExtraMissing, InputError
from kodetect.serve.failures import ServingError

# code: what the page says; each is documented in the OpenAPI description of the routes that return it.
CODES = {
    "busy": "the scoring queue is full; retry after Retry-After seconds",
    "worker_restarted": "the worker scoring the text stopped and is being replaced; retry after Retry-After seconds",
    "timeout": "no answer within the server's time limit; retry later or split the text",
    "deep_unavailable": "deep mode is not installed on this server (pip install 'kodetect[deep]')",
    "model_unavailable": "the requested model cannot be loaded on this server",
    "too_large": "the text, file, batch or request body is over a limit",
    "unsupported_format": "the file is not .txt, .docx, .pdf, .hwp or .hwpx",
    "unsupported_media_type": "the request body is not of the content type the route takes",
    "unreadable": "the document is damaged, protected or has no text layer",
    "invalid_input": "the text cannot be checked (e.g. empty)",
    "invalid_request": "the request does not match the API (missing field, unknown option)",
    "not_found": "no such resource",
    "http_error": "another HTTP error",
}
_STATUS_CODES = {503: "busy", 413: "too_large", 415: "unsupported_media_type", 404: "not_found",
                 405: "http_error", 422: "invalid_request"}
_INPUT_ERRORS: list[tuple[type[InputError], int, str]] = [
    (UnsupportedFormat, 415, "unsupported_format"),
    (DocumentTooLarge, 413, "too_large"),
    (UnreadableDocument, 422, "unreadable"),
    (InputError, 422, "invalid_input"),
]


class BodyTooLarge(StarletteHTTPException):
    """Raised while a body is read, as soon as it passes its route's byte limit; FastAPI passes HTTP
    exceptions from body reading through, so it reaches `http_error` as a 413."""

    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit / 2**20:g} MiB, the most this route accepts")


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": " ".join(detail.split()), "code": code, **extra}, status_code=status,
                        headers=headers)


async def input_error(request: Request, error: Exception) -> JSONResponse:
    status, code = next((s, c) for kind, s, c in _INPUT_ERRORS if isinstance(error, kind))
    return error_response(status, code, str(error))


async def model_error(request: Request, error: Exception) -> JSONResponse:
    # A mode this server cannot load: the service is up, that mode is not available here.
    if isinstance(error, ExtraMissing):
        return error_response(503, f"{error.extra}_unavailable", str(error),
                              install=f"pip install 'kodetect[{error.extra}]'")
    return error_response(503, "model_unavailable", str(error))


async def serving_error(request: Request, error: Exception) -> JSONResponse:
    # Busy (503 + Retry-After), a worker that died (503 + Retry-After) or out of time (504).
    assert isinstance(error, ServingError)
    return error_response(error.status, error.code, str(error), error.headers())


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = getattr(error, "code", None) or _STATUS_CODES.get(error.status_code, "http_error")
    return error_response(error.status_code, code, str(error.detail), dict(error.headers or {}))


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    """One readable line per problem ("text: field required") instead of pydantic's internals."""
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body", "query", "form"))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return error_response(422, "invalid_request", "; ".join(problems) or "invalid request")
