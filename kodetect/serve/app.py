"""The HTTP API and the web page, assembled: state, middleware, error handlers, routes, static files.

What a request does lives in `service.py` (scoring, queue, feedback store), the routes in `routes.py`,
the request and response models in `schemas.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kodetect.detector import Detector
from kodetect.errors import InputError, ModelError
from kodetect.serve.errors import BodyTooLarge, http_error, input_error, model_error, validation_error
from kodetect.serve.guards import RequestGuard
from kodetect.serve.routes import JSON_PATHS, STATIC_DIR, UPLOAD_PATH, router
from kodetect.serve.service import DetectionService, ServerSettings
from kodetect.text.segment import get_kiwi
from kodetect.version import __version__

__all__ = ["ServerSettings", "create_app"]

VERSION_HEADER = "X-Kodetect-Model-Version"
# Multipart framing and the small form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
DESCRIPTION = ("Offline detector of AI-generated Korean text: calibrated probability, verdict, sentence scores and "
               "evidence. No detector should be the sole basis for accusing a person of using AI. Errors are "
               "`{\"detail\": ..., \"code\": ...}`; the code (busy, deep_unavailable, too_large, unsupported_format, "
               "unsupported_media_type, unreadable, invalid_input, invalid_request, not_found) says which problem.")


def create_app(settings: ServerSettings | None = None, detector: Detector | None = None) -> FastAPI:
    """Build the app. The model loads here, once; `detector` lets a caller share one already loaded."""
    settings = settings or ServerSettings()
    service = DetectionService(settings, detector)
    # Kiwi loads lazily (~1.8 s); load it now so the first visitor does not pay for it.
    get_kiwi()
    # The API's own /docs page reads /openapi.json; FastAPI's Swagger UI and ReDoc load from a CDN.
    app = FastAPI(title="kodetect", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.settings = settings
    limits = {UPLOAD_PATH: settings.max_file_bytes + MULTIPART_OVERHEAD}
    app.add_middleware(RequestGuard, json_paths=JSON_PATHS, limits=limits, default_limit=settings.max_body_bytes)
    app.middleware("http")(label)  # outermost, so refusals carry the model version too
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(ModelError, model_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(BodyTooLarge, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # A scoring limiter belongs to one event loop; a new lifespan (a new loop) needs a new one.
    app.state.service.queue.reset()
    yield


async def label(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Name the answering model on every response."""
    service: DetectionService = request.app.state.service
    response = await call_next(request)
    response.headers[VERSION_HEADER] = service.model_version
    return response
