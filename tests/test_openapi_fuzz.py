"""Schema-driven fuzzing of the HTTP API: no request the OpenAPI schema allows (or nearly allows) gets a 5xx.

503 is the one allowed 5xx: it is the documented backpressure answer. Runs in-process against the
ASGI app (no socket), at most 30 examples per operation. Needs schemathesis (not a project
dependency; tested with 4.32.5), and skips without it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis (pip install schemathesis==4.32.5)")

from hypothesis import HealthCheck, settings  # noqa: E402

from kodetect.serve.app import ServerSettings, create_app  # noqa: E402

_DB_DIR = tempfile.TemporaryDirectory(prefix="kodetect-fuzz-")
APP = create_app(ServerSettings(db_path=Path(_DB_DIR.name) / "feedback.sqlite", max_batch_texts=10))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500 or response.status_code == 503, (
        f"{case.method} {case.path} -> {response.status_code}: {response.text[:500]}"
    )
    if response.status_code == 200:
        assert response.headers.get("x-kodetect-model-version")
