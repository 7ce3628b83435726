"""The server's recorder: concurrent requests' detections are committed (together) before they are
answered, and a failing commit reaches every request that waited on it."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from kodetect.detection import Detection, ModelInfo, NormalizationReport
from kodetect.serve.recorder import Recorder
from kodetect.serve.store import FeedbackStore


def detection() -> Detection:
    return Detection(0.7, "uncertain", "fast", "low-fpr", [], [], NormalizationReport(), ModelInfo("m", "1.0"))


def test_concurrent_requests_are_all_committed_before_they_return(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite")
    recorder = Recorder(store)

    async def requests():
        await asyncio.gather(*(recorder.record([(f"id-{i}", f"text {i}", detection())]) for i in range(20)))
        await recorder.record([])  # nothing to write: returns at once
        with sqlite3.connect(tmp_path / "db.sqlite") as connection:
            return connection.execute("SELECT count(*) FROM detections").fetchone()[0]

    try:
        assert asyncio.run(requests()) == 20
    finally:
        recorder.close()
        store.close()


def test_a_failed_commit_fails_the_requests_that_waited(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite")
    recorder = Recorder(store)

    async def duplicate():
        await recorder.record([("same", "a", detection())])
        await recorder.record([("same", "b", detection())])  # the id is the primary key

    try:
        with pytest.raises(sqlite3.IntegrityError):
            asyncio.run(duplicate())
    finally:
        recorder.close()
        store.close()
