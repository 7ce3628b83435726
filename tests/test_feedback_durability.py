"""Feedback the server acknowledged (201) survives a `kill -9` of the server.

A real `kodetect serve` process on a free loopback port with its own database; a thread keeps
sending feedback while the process is killed with SIGKILL, then the database is opened and every
acknowledged row must be there. (kill -9 loses the process, not the OS page cache, so this proves
commit-before-acknowledge; `synchronous=FULL` is what covers power loss.)
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_fakes import wait_for

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8").split("\n\n")[0]
DEADLINE_S = 40
# Starting a server loads the model; on 2 busy cores (a report running beside the tests) that took over 20 s.
START_S = 60
ACKED_BEFORE_KILL = 30
MAX_FEEDBACK = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "feedback.sqlite"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kodetect", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=2, trust_env=False) as client:

            def healthy() -> bool:
                if process.poll() is not None:
                    pytest.fail(f"kodetect serve exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(healthy, START_S, "kodetect serve answering /healthz")
        yield url, db, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stderr.close()


def test_acknowledged_feedback_survives_kill_9(server):
    url, db, process = server
    start = time.monotonic()
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as client:
        response = client.post("/v1/detect", json={"text": TEXT})
        assert response.status_code == 200, response.text
        detection_id = response.json()["detection_id"]

    acknowledged: list[str] = []
    errors: list[str] = []
    enough = threading.Event()
    stop = threading.Event()

    def send_feedback() -> None:
        with httpx.Client(base_url=url, timeout=5, trust_env=False) as client:
            for i in range(MAX_FEEDBACK):
                if stop.is_set() or time.monotonic() - start > DEADLINE_S - 10:
                    break
                comment = f"durability-{i}"
                try:
                    reply = client.post("/v1/feedback", json={"detection_id": detection_id,
                                                              "label": "ai" if i % 2 else "human",
                                                              "comment": comment})
                except httpx.TransportError:
                    break  # the server is gone
                if reply.status_code == 201:
                    acknowledged.append(comment)
                else:
                    errors.append(f"{reply.status_code} {reply.text[:200]}")
                if len(acknowledged) >= ACKED_BEFORE_KILL:
                    enough.set()
        enough.set()

    sender = threading.Thread(target=send_feedback, daemon=True)
    sender.start()
    assert enough.wait(timeout=DEADLINE_S - 15), "feedback was not acknowledged in time"
    # Kill while the sender is still mid-stream: some request is in flight or about to be.
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    stop.set()
    sender.join(timeout=15)
    assert not sender.is_alive()
    assert process.returncode == -signal.SIGKILL
    assert not errors, errors
    assert len(acknowledged) >= ACKED_BEFORE_KILL

    # Opening the database replays its WAL, as the next server start would.
    connection = sqlite3.connect(db, timeout=10)
    try:
        stored = {comment for (comment,) in connection.execute(
            "SELECT comment FROM feedback WHERE detection_id = ?", (detection_id,))}
        detections = connection.execute("SELECT count(*) FROM detections WHERE id = ?", (detection_id,)).fetchone()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert detections == (1,)
    missing = [c for c in acknowledged if c not in stored]
    assert not missing, f"{len(missing)} acknowledged feedback rows lost after kill -9: {missing[:5]}"
    assert time.monotonic() - start < DEADLINE_S
