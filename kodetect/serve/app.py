"""The HTTP API and the web page, assembled: state, middleware, error handlers, routes, static files.

What a request does lives in `service.py` (queue, workers, feedback store), the routes in `routes.py`,
the request and response models in `schemas.py`, the error bodies in `errors.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kodetect.detector import Detector
from kodetect.errors import InputError, ModelError
from kodetect.serve.errors import (
    BodyTooLarge,
    http_error,
    input_error,
    model_error,
    serving_error,
    validation_error,
)
from kodetect.serve.failures import ServingError
from kodetect.serve.guards import RequestGuard
from kodetect.serve.routes import JSON_PATHS, STATIC_DIR, UPLOAD_PATH, router
from kodetect.serve.service import DetectionService, ServerSettings
from kodetect.version import __version__

__all__ = ["ServerSettings", "create_app"]

VERSION_HEADER = "X-Kodetect-Model-Version"
# Multipart framing and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
DESCRIPTION = ("Offline detector of AI-generated Korean text: calibrated probability, verdict, sentence scores and "
               "evidence. No detector should be the sole basis for accusing a person of using AI. Errors are "
               "`{\"detail\": ..., \"code\": ...}`; the code (busy, worker_restarted, timeout, deep_unavailable, "
               "too_large, unsupported_format, unsupported_media_type, unreadable, invalid_input, invalid_request, "
               "not_found) says which problem.")


def create_app(settings: ServerSettings | None = None, detector: Detector | None = None) -> FastAPI:
    """Build the app. The workers start here and load their model (warmed up, so the first visitor does
    not wait for it); `detector` lets a caller share one already loaded, scored in this process."""
    settings = settings or ServerSettings()
    service = DetectionService(settings, detector)
    # The API's own /docs page reads /openapi.json; FastAPI's Swagger UI and ReDoc load from a CDN.
    app = FastAPI(title="kodetect", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.settings = settings
    limits = {UPLOAD_PATH: settings.max_file_bytes + MULTIPART_OVERHEAD}
    app.add_middleware(RequestGuard, json_paths=JSON_PATHS, limits=limits, default_limit=settings.max_body_bytes)
    app.add_middleware(Label)  # outermost, so refusals carry the model version too
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(ModelError, model_error)
    app.add_exception_handler(ServingError, serving_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(BodyTooLarge, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
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


class Label:
    """Name the answering model on every response.

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

        await self.app(scope, receive, send_labelled)
