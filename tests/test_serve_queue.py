"""The server's queue without processes: the admission rule, the measured rate, turn order, deadlines."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from kodetect.cli.serve_cmd import worker_count
from kodetect.serve.admission import OVERHEAD_CHARS, ServiceRate, admit, expected_wait
from kodetect.serve.failures import Overloaded, ServingError, TimedOut
from kodetect.serve.scheduler import Scheduler, Work
from kodetect.serve.settings import ServerSettings, available_cores

# --- the admission rule ---------------------------------------------------------------------------------


def test_an_idle_worker_means_no_wait():
    assert expected_wait(queued_s=0, running_s=5, busy=1, workers=2) == 0
    decision = admit(queued_s=0, running_s=0, busy=0, workers=1, budget_s=0)
    assert decision.admitted and decision.expected_wait_s == 0 and decision.retry_after_s == 0


def test_admits_while_the_expected_wait_is_within_the_budget():
    # 18 s queued and 2 s running (half left on average) over 2 workers: 9.5 s.
    decision = admit(queued_s=18, running_s=2, busy=2, workers=2, budget_s=10)
    assert decision.admitted
    assert decision.expected_wait_s == pytest.approx(9.5)
    assert decision.retry_after_s == 0


def test_refuses_over_the_budget_and_says_when_to_retry():
    # 30 s queued + 1 s of running work left, over 2 workers: 15.5 s, 5.5 s over the budget.
    decision = admit(queued_s=30, running_s=2, busy=2, workers=2, budget_s=10)
    assert not decision.admitted
    assert decision.expected_wait_s == pytest.approx(15.5)
    assert decision.retry_after_s == 6


def test_retry_after_is_at_least_one_second():
    decision = admit(queued_s=10.2, running_s=0, busy=1, workers=1, budget_s=10)
    assert not decision.admitted and decision.retry_after_s == 1


def test_more_workers_admit_more():
    assert not admit(queued_s=15, running_s=0, busy=1, workers=1, budget_s=10).admitted
    assert admit(queued_s=15, running_s=0, busy=2, workers=2, budget_s=10).admitted


# --- the measured rate ----------------------------------------------------------------------------------


def test_cost_grows_with_the_text_and_differs_by_mode():
    rate = ServiceRate({"fast": 1e-5, "deep": 1e-3})
    assert rate.cost("fast", 1000) == pytest.approx(1e-5 * (1000 + OVERHEAD_CHARS))
    assert rate.cost("fast", 10_000) > rate.cost("fast", 1000)
    assert rate.cost("deep", 1000) == pytest.approx(100 * rate.cost("fast", 1000))
    assert rate.cost("unknown", 1000) == rate.cost("deep", 1000)  # the slowest guess for a mode not seen


def test_measurements_move_the_rate_towards_them():
    rate = ServiceRate({"fast": 1e-5}, weight=0.5)
    rate.observe("fast", 1000 - OVERHEAD_CHARS, 0.03)  # 3e-5 s per character
    assert rate.cost("fast", 1000 - OVERHEAD_CHARS) == pytest.approx(0.02)
    for _ in range(30):
        rate.observe("fast", 1000 - OVERHEAD_CHARS, 0.03)
    assert rate.cost("fast", 1000 - OVERHEAD_CHARS) == pytest.approx(0.03)
    rate.observe("fast", 1000, float("nan"))
    assert rate.cost("fast", 1000 - OVERHEAD_CHARS) == pytest.approx(0.03)


# --- the scheduler: turns, refusals, deadlines ----------------------------------------------------------


def work(value: str, chars: int = 1000) -> Work:
    return Work(("echo", value), "fast", chars)


def scheduler(**options) -> Scheduler:
    settings = {"workers": 1, "budget_s": 10.0, "timeout_s": 30.0, **options}
    made = Scheduler(**settings)
    made.ready = made.workers
    return made


def serve_in_turn(queue: Scheduler, count: int) -> list[str]:
    """Play a worker: take `count` texts in turn and answer each with its own value."""
    order = []
    for _ in range(count):
        task = queue.take(0)
        assert task is not None
        order.append(task.job[1])
        queue.finish(task, task.job[1], 0.01)
    return order


def test_a_batch_takes_turns_with_single_checks():
    async def scenario():
        queue = scheduler()
        batch = asyncio.create_task(queue.run([work(f"batch-{i}") for i in range(4)]))
        await asyncio.sleep(0)  # the batch is queued first
        single = asyncio.create_task(queue.run([work("single")]))
        await asyncio.sleep(0)
        order = serve_in_turn(queue, 5)
        return order, await batch, await single

    order, batch, single = asyncio.run(scenario())
    assert order == ["batch-0", "single", "batch-1", "batch-2", "batch-3"]
    assert batch == ["batch-0", "batch-1", "batch-2", "batch-3"]  # answers in the request's order
    assert single == ["single"]


def test_a_batch_is_split_into_one_text_per_turn():
    async def scenario():
        queue = scheduler(workers=2)
        batch = asyncio.create_task(queue.run([work("a"), work("b"), work("c")]))
        await asyncio.sleep(0)
        first, second = queue.take(0), queue.take(0)  # two workers hold two texts of one batch at once
        assert queue.status()["busy"] == 2 and queue.status()["waiting_texts"] == 1
        for task in (second, first):
            queue.finish(task, task.job[1].upper(), 0.01)
        serve_in_turn(queue, 1)
        return await batch

    assert asyncio.run(scenario()) == ["A", "B", "c"]


def test_errors_come_back_per_text():
    async def scenario():
        queue = scheduler()
        batch = asyncio.create_task(queue.run([work("a"), work("b")]))
        await asyncio.sleep(0)
        task = queue.take(0)
        queue.finish(task, ValueError("broken"), 0.01)
        serve_in_turn(queue, 1)
        return await batch

    first, second = asyncio.run(scenario())
    assert isinstance(first, ValueError) and second == "b"


def test_over_the_budget_is_refused_with_retry_after():
    async def scenario():
        queue = scheduler(budget_s=0.0)  # any wait is too long
        running = asyncio.create_task(queue.run([work("first")]))
        await asyncio.sleep(0)
        task = queue.take(0)  # the only worker is busy now
        with pytest.raises(Overloaded) as refused:
            await queue.run([work("second")])
        queue.finish(task, "first", 0.01)
        return refused.value, await running

    refused, first = asyncio.run(scenario())
    assert refused.status == 503 and refused.retry_after_s >= 1
    assert refused.headers() == {"Retry-After": str(refused.retry_after_s)}
    assert "busy" in str(refused)
    assert first == ["first"]


def test_queue_size_caps_the_waiting_requests():
    async def scenario():
        queue = scheduler(max_waiting=1)
        waiting = asyncio.create_task(queue.run([work("first")]))
        await asyncio.sleep(0)
        with pytest.raises(Overloaded):
            await queue.run([work("second")])
        serve_in_turn(queue, 1)
        return await waiting

    assert asyncio.run(scenario()) == ["first"]


def test_a_request_past_its_deadline_times_out_and_leaves_the_queue():
    async def scenario():
        queue = scheduler(timeout_s=0.05)  # and no worker ever takes the text
        with pytest.raises(TimedOut) as late:
            await queue.run([work("never"), work("served")])
        return queue, late.value

    queue, late = asyncio.run(scenario())
    assert late.status == 504 and "did not finish" in str(late)
    status = queue.status()
    assert status["waiting_requests"] == 0 and status["waiting_texts"] == 0
    assert queue.take(0) is None


def test_closing_answers_waiting_requests():
    async def scenario():
        queue = scheduler()
        waiting = asyncio.create_task(queue.run([work("a")]))
        await asyncio.sleep(0)
        queue.close()
        [outcome] = await waiting
        with pytest.raises(ServingError):
            await queue.run([work("b")])
        return outcome

    outcome = asyncio.run(scenario())
    assert isinstance(outcome, ServingError) and outcome.status == 503


def test_a_request_with_nothing_to_score_is_not_queued():
    assert asyncio.run(scheduler(budget_s=0.0).run([])) == []


def test_a_request_for_a_model_no_worker_has_loaded_may_wait_for_it_to_load():
    async def scenario():
        queue = scheduler(timeout_s=0.05, cold_start_s=60.0)
        queue.warm = frozenset({("fast", "low-fpr")})
        cold = asyncio.create_task(queue.run([Work(("echo", "deep"), "deep", 1000, needs=("deep", "low-fpr"))]))
        await asyncio.sleep(0.5)  # well past the deadline of a request whose model is loaded
        assert not cold.done()
        serve_in_turn(queue, 1)
        return await cold

    assert asyncio.run(scenario()) == ["deep"]


# --- how many workers -----------------------------------------------------------------------------------


def test_auto_workers_follow_the_cores_and_a_container_quota(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("max 100000\n")
    cores = available_cores(cpu_max)
    assert cores >= 1 and ServerSettings().worker_count() == available_cores()
    cpu_max.write_text("150000 100000\n")  # 1.5 CPUs: two workers, one of them part-time
    assert available_cores(cpu_max) == min(cores, 2)
    assert available_cores(tmp_path / "absent") == cores
    assert ServerSettings(workers=3).worker_count() == 3 and ServerSettings(workers=0).worker_count() == 0


def test_the_workers_option_takes_a_number_or_auto():
    assert worker_count("auto") is None and worker_count("2") == 2 and worker_count("0") == 0
    with pytest.raises(argparse.ArgumentTypeError):
        worker_count("two")
