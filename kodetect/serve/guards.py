"""What a request must be before any route parses it: the right content type, and not too many bytes.

An ASGI middleware rather than a route dependency, because FastAPI reads and parses the body before
dependencies run: a 50 MB JSON body would be in memory, and a text/plain body would come back as a
422 full of pydantic internals. The byte cap holds for a declared Content-Length (refused at once) and
for a chunked body (counted as it arrives, refused as soon as it passes the cap).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kodetect.serve.errors import BodyTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestGuard:
    """Refuses (415) a JSON route's body of another content type and (413) any body over its path's limit.

    `json_paths`: routes that take JSON; `limits`: bytes per path, `default_limit` for the others.
    """

    def __init__(self, app: ASGIApp, json_paths: frozenset[str], limits: dict[str, int], default_limit: int) -> None:
        self.app = app
        self.json_paths = json_paths
        self.limits = limits
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if path in self.json_paths:
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                await _refuse(send, 415, "unsupported_media_type",
                              f"send the request body as JSON (Content-Type: application/json), not "
                              f"{media or 'a body without a Content-Type'}")
                return
        limit = self.limits.get(path, self.default_limit)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, "too_large", _too_large(limit))
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read outside a route (no handler saw it): refuse here, unless an answer already began.
            if not started:
                await _refuse(send, 413, "too_large", _too_large(limit))


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit / 2**20:g} MiB, the most this route accepts"


async def _refuse(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
