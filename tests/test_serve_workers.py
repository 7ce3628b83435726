"""The worker pool with real processes: a worker killed mid-request fails only that request and is
replaced; a batch is shared by the workers; a text over its time limit stops its worker.

Stand-in workers (serve_fakes.py) keep these fast; the last tests run the packaged model through the
HTTP API. Waits are bounded polls, never timing assertions.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path

import pytest
import serve_fakes
from fastapi.testclient import TestClient
from serve_fakes import wait_for

from kodetect.errors import InputError
from kodetect.serve import ServerSettings, create_app
from kodetect.serve import service as service_module
from kodetect.serve.failures import JobTimedOut, TimedOut, WorkerCrashed
from kodetect.serve.scheduler import Scheduler, Work
from kodetect.serve.workers import ProcessSlot, WorkerPool

KOREAN = (
    "오늘은 날씨가 맑아서 친구들과 함께 한강 공원에 자전거를 타러 갔다. 벚꽃이 활짝 피어 있어서 사진을 많이 찍었고, "
    "돌아오는 길에는 시장에 들러 떡볶이와 순대를 사 먹었다. 다음 주에도 날씨가 좋으면 다시 나가 보기로 약속했다."
)


def fake_pool(workers: int = 2, timeout_s: float = 120.0) -> WorkerPool:
    queue = Scheduler(workers=workers, budget_s=60.0, timeout_s=timeout_s)
    slots = [ProcessSlot(i, serve_fakes.load_fake, (f"w{i}",), serve_fakes.run_fake) for i in range(workers)]
    return WorkerPool(queue, slots)


@pytest.fixture
def pool():
    made = fake_pool()
    assert made.start() == "fake-w0"
    yield made
    made.close()


def run(pool: WorkerPool, *jobs) -> list:
    return asyncio.run(pool.scheduler.run([Work(job, "fast", 100) for job in jobs]))


def test_jobs_run_in_the_workers_and_errors_come_back(pool):
    assert run(pool, ("echo", 1), ("echo", 2)) == [1, 2]
    [error] = run(pool, ("fail", "the text is empty"))
    assert isinstance(error, InputError) and str(error) == "the text is empty"
    assert len(pool.pids()) == 2 and os.getpid() not in pool.pids()


def test_a_worker_killed_mid_request_fails_only_that_request_and_is_replaced(pool, tmp_path):
    marker = tmp_path / "holder.pid"

    async def scenario():
        held = asyncio.create_task(pool.scheduler.run([Work(("hold", str(marker)), "fast", 100)]))
        await asyncio.to_thread(wait_for, marker.exists, 60, "the held job")
        # The other worker keeps serving while one is stuck.
        assert await pool.scheduler.run([Work(("echo", i), "fast", 100) for i in range(4)]) == [0, 1, 2, 3]
        os.kill(int(marker.read_text()), signal.SIGKILL)
        return await held

    [outcome] = asyncio.run(scenario())
    killed = int(marker.read_text())
    assert isinstance(outcome, WorkerCrashed)
    assert outcome.status == 503 and outcome.retry_after_s
    assert "SIGKILL" in str(outcome) and "try again" in str(outcome)
    wait_for(lambda: pool.scheduler.ready == 2 and pool.restarts == 1, 120, "the replacement")
    assert killed not in pool.pids() and len(pool.pids()) == 2
    assert run(pool, *[("echo", i) for i in range(6)]) == list(range(6))


def test_a_worker_that_dies_idle_is_replaced_and_loses_nothing(pool):
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    assert run(pool, *[("echo", i) for i in range(4)]) == [0, 1, 2, 3]
    wait_for(lambda: pool.scheduler.ready == 2 and victim not in pool.pids(), 120, "the replacement")
    assert pool.restarts == 1


def test_a_batch_is_shared_by_the_workers(pool, tmp_path):
    # Each text waits until the other has started: only two workers at once can finish them.
    pids = run(pool, ("meet", str(tmp_path)), ("meet", str(tmp_path)))
    assert len(set(pids)) == 2 and set(pids) <= set(pool.pids())


def test_a_text_over_the_time_limit_times_out_and_its_worker_is_replaced(tmp_path):
    pool = fake_pool(workers=1, timeout_s=0.5)
    pool.start()
    try:
        [outcome] = asyncio.run(_held_until_timeout(pool, tmp_path / "held.pid"))
        wait_for(lambda: pool.restarts == 1 and pool.scheduler.ready == 1, 120, "the replacement")
        assert run(pool, ("echo", "after")) == ["after"]
    finally:
        pool.close()
    assert isinstance(outcome, TimedOut | JobTimedOut) and outcome.status == 504


async def _held_until_timeout(pool: WorkerPool, marker: Path) -> list:
    try:
        return await pool.scheduler.run([Work(("hold", str(marker)), "fast", 100)])
    except TimedOut as late:
        return [late]


# --- through the HTTP API, with the packaged model ------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Two real workers; a text starting with HOLD:<path> is held in its worker until killed."""
    patch = pytest.MonkeyPatch()
    patch.setattr(service_module, "load_worker", serve_fakes.load_holding_worker)
    settings = ServerSettings(db_path=tmp_path_factory.mktemp("db") / "feedback.sqlite", workers=2)
    try:
        app = create_app(settings)
    finally:
        patch.undo()
    with TestClient(app) as client:
        yield client


def test_the_api_scores_in_worker_processes(served):
    response = served.post("/v1/detect", json={"text": KOREAN})
    assert response.status_code == 200 and response.json()["verdict"] in ("ai", "human", "uncertain")
    status = served.get("/v1/queue").json()
    assert status["workers"] == 2 and status["workers_ready"] == 2
    assert status["seconds_per_1000_chars"]["fast"] > 0
    batch = served.post("/v1/batch", json={"texts": [KOREAN, " ", KOREAN]}).json()["results"]
    assert [("error" in item) for item in batch] == [False, True, False]
    assert batch[1] == {"error": "the text is empty"}


def test_killing_the_worker_of_a_request_answers_it_and_replaces_the_worker(served, tmp_path):
    pool = served.app.state.service.pool
    restarts = pool.restarts
    marker = tmp_path / "held.pid"
    answer: dict = {}
    request = threading.Thread(target=lambda: answer.update(
        response=served.post("/v1/detect", json={"text": f"{serve_fakes.HOLD}{marker}\n{KOREAN}"})))
    request.start()
    wait_for(marker.exists, 60, "the held request")
    assert served.post("/v1/detect", json={"text": KOREAN}).status_code == 200  # the other worker serves
    os.kill(int(marker.read_text()), signal.SIGKILL)
    request.join(60)
    response = answer["response"]
    assert response.status_code == 503
    assert "stopped unexpectedly" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0
    wait_for(lambda: served.get("/v1/queue").json()["workers_ready"] == 2, 120, "the replacement")
    assert pool.restarts == restarts + 1 and int(marker.read_text()) not in pool.pids()
    for _ in range(4):
        assert served.post("/v1/detect", json={"text": KOREAN}).status_code == 200


def test_a_batch_text_in_a_killed_worker_becomes_an_error_item(served, tmp_path):
    marker = tmp_path / "held.pid"
    answer: dict = {}
    texts = [KOREAN, f"{serve_fakes.HOLD}{marker}\n{KOREAN}", KOREAN]
    request = threading.Thread(target=lambda: answer.update(response=served.post("/v1/batch", json={"texts": texts})))
    request.start()
    wait_for(marker.exists, 60, "the held text")
    os.kill(int(marker.read_text()), signal.SIGKILL)
    request.join(60)
    results = answer["response"].json()["results"]
    assert answer["response"].status_code == 200
    assert "detection_id" in results[0] and "detection_id" in results[2]
    assert "stopped unexpectedly" in results[1]["error"]
    wait_for(lambda: served.get("/v1/queue").json()["workers_ready"] == 2, 120, "the replacement")
