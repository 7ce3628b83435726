"""The HTTP API and the web page, assembled: state, middleware, error handlers, routes, static files.

What a request does lives in `service.py` (queue, workers, feedback store), the routes in `routes.py`,
the request and response models in `schemas.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kodetect.detector import Detector
from kodetect.documents import DocumentTooLarge, UnreadableDocument, UnsupportedFormat
from kodetect.errors import InputError, ModelError
from kodetect.serve.failures import ServingError
from kodetect.serve.routes import STATIC_DIR, UPLOAD_PATH, router
from kodetect.serve.service import DetectionService, ServerSettings
from kodetect.version import __version__

__all__ = ["ServerSettings", "create_app"]

VERSION_HEADER = "X-Kodetect-Model-Version"
# Multipart framing and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
DESCRIPTION = ("Offline detector of AI-generated Korean text: calibrated probability, verdict, sentence scores and "
               "evidence. No detector should be the sole basis for accusing a person of using AI.")

_INPUT_ERROR_STATUS: list[tuple[type[InputError], int]] = [
    (UnsupportedFormat, 415),
    (DocumentTooLarge, 413),
    (UnreadableDocument, 422),
    (InputError, 422),
]


def create_app(settings: ServerSettings | None = None, detector: Detector | None = None) -> FastAPI:
    """Build the app. The workers start here and load their model (warmed up, so the first visitor does
    not wait for it); `detector` lets a caller share one already loaded, scored in this process."""
    settings = settings or ServerSettings()
    service = DetectionService(settings, detector)
    app = FastAPI(title="kodetect", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.settings = settings
    app.add_middleware(GuardAndLabel)
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(ModelError, model_error)
    app.add_exception_handler(ServingError, serving_error)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: DetectionService = app.state.service
    service.start()  # again, when a server (or a test client) runs the app after a shutdown
    try:
        yield
    finally:
        # Answer what waits, and stop the workers rather than leave them to the interpreter's exit.
        service.stop()


class GuardAndLabel:
    """Refuse an oversized upload from its declared length, before the multipart parser spools it, and
    name the answering model on every response.

    Plain ASGI rather than `@app.middleware("http")`: that wraps every request in a task group and
    memory streams, a cost the server process pays per request while the workers share its cores.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service: DetectionService = scope["app"].state.service
        label = (VERSION_HEADER.lower().encode("latin-1"), service.model_version.encode("latin-1"))

        async def send_labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), label]
            await send(message)

        limit = service.settings.max_file_bytes
        declared = Headers(scope=scope).get("content-length", "") if scope["path"] == UPLOAD_PATH else ""
        if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
            message = f"the upload is larger than {limit / 2**20:g} MiB, the most one check accepts"
            await JSONResponse({"detail": message}, status_code=413)(scope, receive, send_labelled)
            return
        await self.app(scope, receive, send_labelled)


async def input_error(request: Request, error: Exception) -> JSONResponse:
    status = next(status for kind, status in _INPUT_ERROR_STATUS if isinstance(error, kind))
    return JSONResponse({"detail": str(error)}, status_code=status)


async def model_error(request: Request, error: Exception) -> JSONResponse:
    # A mode this server cannot load (e.g. deep mode without its model package): the service is up,
    # that mode is not available here.
    return JSONResponse({"detail": str(error)}, status_code=503)


async def serving_error(request: Request, error: Exception) -> JSONResponse:
    # Busy (503 + Retry-After), a worker that died (503 + Retry-After) or out of time (504).
    assert isinstance(error, ServingError)
    return JSONResponse({"detail": str(error)}, status_code=error.status, headers=error.headers())
