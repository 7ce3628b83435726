"""Load test of `kodetect serve` on loopback: concurrency levels × worker counts, and a worker killed mid-run.

    python bench/report/serve_load.py [--workers 1,2] [--concurrency 1,4,16,64] [--requests 1000]
        [--chars 1000] [--mode fast] [--kill-worker-after SECONDS] [--out bench/results/serve_load.md]

Every row starts its own server (`python -m kodetect serve --workers W`, a free port, a temporary
database), waits until it answers, warms it up, then sends --requests POST /v1/detect with Korean texts of
exactly --chars characters (../shared/data/dev, or the bundled examples when the data is absent) from
--concurrency client threads, each on one keep-alive connection. Any response other than 200 counts as
a failure: 503 with Retry-After (the queue's "busy") is reported as "rejected", a 503 with code
`worker_restarted` as "failed: worker killed", every other status or transport error as "other errors".
Reported per row: served, rejected, errors, p50/p95/max latency of the
200s, throughput (served per second of the run), and the resident memory (RSS) summed over the server
process and all its workers, after warm-up and at the end. CPU seconds per served request are split
into the server process (HTTP, queue, database) and its workers (scoring).

With --kill-worker-after S, one worker process is sent SIGKILL S seconds into each run; the row then also
says which requests failed and how long the pool took to be back to full size (/v1/queue).

The client runs on the same machine and takes CPU from the server: with 2 cores, its share shows in
the numbers. Results go to --out (Markdown, with the command, date and machine load) and stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- texts ----------------------------------------------------------------------------------------------


def make_texts(n: int, chars: int, seed: int = 0) -> tuple[list[str], str]:
    """n texts of exactly `chars` characters, and where they come from."""
    from kodetect.eval.data import data_dir

    rng = random.Random(seed)
    directory = data_dir()
    pool: list[str] = []
    if directory is not None:
        for name in ("human.jsonl", "ai.jsonl"):
            with open(directory / "dev" / name, encoding="utf-8") as handle:
                pool.extend(t for t in (json.loads(line)["text"] for line in handle) if len(t) >= chars)
    if pool:
        rng.shuffle(pool)
        texts = [pool[i % len(pool)][:chars] for i in range(n)]
        return texts, f"../shared/data/dev texts of at least {chars:,} characters"
    corpus = "\n\n".join(p.read_text("utf-8").strip() for p in sorted((ROOT / "examples").glob("*.txt")))
    corpus = (corpus + "\n\n") * (chars // max(1, len(corpus)) + 2)
    starts = [rng.randrange(0, len(corpus) - chars) for _ in range(n)]
    return [corpus[s:s + chars] for s in starts], "windows of examples/*.txt"


# --- the server and its processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the state on; the name may contain spaces


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0


def busy_cpu_s() -> float:
    """CPU seconds all processes of the machine have used so far (every core), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_cpu_s(server_pid: int) -> float:
    """CPU seconds of this load test (client threads) and of the server with its live children."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime + sum(cpu_s(p) for p in [server_pid, *descendants(server_pid)])


def tree_rss_mib(pid: int) -> float:
    return sum(rss_mib(p) for p in [pid, *descendants(pid)])


def worker_pids(pid: int) -> list[int]:
    """The server's scoring workers: its children started by multiprocessing's spawn, not its resource tracker."""
    pids = []
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            pids.append(child)
    return pids


class Server:
    def __init__(self, workers: int, mode: str, extra: list[str], folder: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "kodetect", "serve", "--port", str(self.port), "--workers", str(workers),
                   "--mode", mode, "--db", str(folder / f"db-{self.port}.sqlite"), *extra]
        self.workers = workers
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode(errors='replace')[-2000:]}")
            try:
                if self.get("/healthz", 1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer within {timeout_s:.0f} s")

    def queue(self) -> dict:
        return json.loads(self.get("/v1/queue")[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process.stderr.close()


# --- the client -----------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # first few non-200 answers, verbatim
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, seconds: float, detail: str | None) -> None:
        with self.lock:
            self.statuses[key] += 1
            if key == "200":
                self.latencies.append(seconds)
            elif detail is not None and len(self.failures) < 5:
                self.failures.append(detail)


def post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, dict[str, str], bytes]:
    connection.request("POST", "/v1/detect", body=body, headers={"Content-Type": "application/json"})
    reply = connection.getresponse()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()


def client_thread(port: int, bodies: list[bytes], next_index, outcomes: Outcomes, timeout_s: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    while (index := next_index()) is not None:
        started = time.perf_counter()
        try:
            status, headers, payload = post(connection, bodies[index])
        except (OSError, http.client.HTTPException) as error:
            outcomes.add(f"error {type(error).__name__}", time.perf_counter() - started, repr(error))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
            continue
        seconds = time.perf_counter() - started
        if status == 200:
            outcomes.add("200", seconds, None)
        else:
            key = str(status)
            if status == 503 and b"worker_restarted" in payload:
                key = "503 worker stopped"
            elif status == 503 and "retry-after" in headers:
                key = "503 Retry-After"
            outcomes.add(key, seconds, f"{status} {payload.decode(errors='replace')[:200]}")
    connection.close()


def counter(limit: int):
    lock, state = threading.Lock(), {"next": 0}

    def next_index() -> int | None:
        with lock:
            if state["next"] >= limit:
                return None
            state["next"] += 1
            return state["next"] - 1

    return next_index


# --- one row: a fresh server, warmed up, loaded ---------------------------------------------------------


@dataclass
class Row:
    workers: int
    concurrency: int
    requests: int
    outcomes: Outcomes
    wall_s: float
    rss_start: float
    rss_end: float
    server_cpu_s: float
    worker_cpu_s: float | None  # None when a worker was killed (its CPU time went with it)
    load_before: float
    others_cores: float  # cores used on average by processes outside this test while it ran
    kill: str = ""

    @property
    def served(self) -> int:
        return self.outcomes.statuses.get("200", 0)

    @property
    def rejected(self) -> int:
        return self.outcomes.statuses.get("503 Retry-After", 0)

    @property
    def crashed(self) -> int:
        return self.outcomes.statuses.get("503 worker stopped", 0)

    @property
    def errors(self) -> int:
        return sum(self.outcomes.statuses.values()) - self.served - self.rejected - self.crashed

    @property
    def throughput(self) -> float:
        return self.served / self.wall_s if self.wall_s else 0.0

    def latency_ms(self, q: float) -> float:
        ordered = sorted(self.outcomes.latencies)
        if not ordered:
            return float("nan")
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def kill_one_worker(server: Server, after_s: float, report: list[str]) -> None:
    time.sleep(after_s)
    pids = worker_pids(server.process.pid)
    if not pids:
        report.append("no worker process found to kill")
        return
    victim = pids[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    while time.monotonic() - killed_at < 120:
        current = worker_pids(server.process.pid)
        try:
            ready = server.queue()["workers_ready"]
        except (OSError, ValueError, KeyError):
            ready = -1
        if victim not in current and len(current) == server.workers and ready == server.workers:
            report.append(f"SIGKILL to worker pid {victim} {after_s:g} s into the run; a replacement process "
                          f"was running at once and the pool was back to {server.workers} ready workers "
                          f"{time.monotonic() - killed_at:.1f} s after the kill")
            return
        time.sleep(0.1)
    report.append(f"SIGKILL to worker pid {victim}; the pool was NOT back to full size within 120 s")


def run_row(args: argparse.Namespace, texts: list[str], workers: int, concurrency: int, folder: Path) -> Row:
    load_before = os.getloadavg()[0]
    server = Server(workers, args.mode, args.server_args.split(), folder)
    try:
        server.wait_ready(args.start_timeout)
        pid = server.process.pid
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=args.request_timeout)
        for text in texts[: args.warmup]:
            post(warm, json.dumps({"text": text}).encode())
        warm.close()
        workers_before = {p: cpu_s(p) for p in worker_pids(pid)}
        rss_start, server_cpu = tree_rss_mib(pid), cpu_s(pid)
        bodies = [json.dumps({"text": text}).encode() for text in texts[: args.requests]]
        outcomes, next_index, kill_report = Outcomes(), counter(len(bodies)), []
        threads = [threading.Thread(target=client_thread, args=(server.port, bodies, next_index, outcomes,
                                                                args.request_timeout)) for _ in range(concurrency)]
        if args.kill_worker_after is not None:
            threads.append(threading.Thread(target=kill_one_worker, args=(server, args.kill_worker_after, kill_report)))
        busy_before, own_before = busy_cpu_s(), own_cpu_s(pid)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads[:concurrency]:
            thread.join()
        wall = time.perf_counter() - started
        others = max(0.0, (busy_cpu_s() - busy_before) - (own_cpu_s(pid) - own_before)) / wall
        for thread in threads[concurrency:]:
            thread.join()
        rss_end, server_cpu = tree_rss_mib(pid), cpu_s(pid) - server_cpu
        workers_after = {p: cpu_s(p) for p in worker_pids(pid)}
        worker_cpu = (sum(workers_after.values()) - sum(workers_before.values())
                      if workers_after.keys() == workers_before.keys() else None)
    finally:
        server.stop()
    return Row(workers, concurrency, len(bodies), outcomes, wall, rss_start, rss_end, server_cpu, worker_cpu,
               load_before, others, "; ".join(kill_report))


# --- the report -----------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None or value != value else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> list[str]:
    header = ["workers", "concurrency", "requests", "served (200)", "rejected (503 + Retry-After)",
              "failed: worker killed", "other errors",
              "p50 (ms)", "p95 (ms)", "max (ms)", "served/s", "RSS start (MiB)", "RSS end (MiB)", "RSS growth",
              "server CPU ms/request", "workers' CPU ms/request", "load avg before", "other processes (cores)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        per = 1000 / r.served if r.served else float("nan")
        growth = f"{(r.rss_end - r.rss_start) / r.rss_start * 100:+.1f}%" if r.rss_start else "–"
        cells = [r.workers, r.concurrency, r.requests, r.served, r.rejected, r.crashed, r.errors, fmt(r.latency_ms(50)),
                 fmt(r.latency_ms(95)), fmt(r.latency_ms(100)), fmt(r.throughput, 1), fmt(r.rss_start),
                 fmt(r.rss_end), growth, fmt(r.server_cpu_s * per, 1),
                 fmt(r.worker_cpu_s * per if r.worker_cpu_s is not None else None, 1), f"{r.load_before:.2f}",
                 f"{r.others_cores:.2f}"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines


def findings(rows: list[Row]) -> list[str]:
    lines = []
    by = {(r.workers, r.concurrency): r for r in rows}
    for concurrency in sorted({r.concurrency for r in rows}):
        one, two = by.get((1, concurrency)), by.get((2, concurrency))
        if one and two and one.throughput:
            lines.append(f"- concurrency {concurrency}: 2 workers serve {two.throughput:.1f}/s, 1 worker "
                         f"{one.throughput:.1f}/s: **{two.throughput / one.throughput:.2f}×**")
    for r in rows:
        if r.errors or r.rejected or r.crashed:
            total = r.served + r.rejected + r.crashed + r.errors
            lines.append(f"- {r.workers} worker(s), concurrency {r.concurrency}: {r.rejected} rejected "
                         f"({100 * r.rejected / total:.1f}%), {r.crashed} failed with the killed worker, "
                         f"{r.errors} other errors"
                         + (f"; first answers: {'; '.join(f'`{f}`' for f in r.outcomes.failures[:3])}"
                            if r.outcomes.failures else ""))
        if r.kill:
            lines.append(f"- {r.workers} worker(s), concurrency {r.concurrency}: {r.kill}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part.strip()]

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=numbers, default=[1, 2], help="worker counts, comma-separated (default 1,2)")
    parser.add_argument("--concurrency", type=numbers, default=[1, 4, 16, 64],
                        help="client threads, comma-separated (default 1,4,16,64)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per row (default 1000)")
    parser.add_argument("--chars", type=int, default=1000, help="characters per text (default 1000)")
    parser.add_argument("--mode", default="fast", help="the server's mode (default fast)")
    parser.add_argument("--warmup", type=int, default=10, help="requests before each measured run (default 10)")
    parser.add_argument("--kill-worker-after", type=float, default=None, metavar="SECONDS",
                        help="SIGKILL one worker this many seconds into each run")
    parser.add_argument("--server-args", default="", help="more arguments for `kodetect serve`")
    parser.add_argument("--start-timeout", type=float, default=300.0, help="seconds a server may take to start")
    parser.add_argument("--request-timeout", type=float, default=120.0, help="client timeout per request, seconds")
    parser.add_argument("--title", default=None, help="heading of the results (default: from the mode)")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python bench/report/serve_load.py " + " ".join(sys.argv[1:] if argv is None else argv)
    texts, source = make_texts(args.requests + args.warmup, args.chars)
    texts = texts[args.warmup:] + texts[: args.warmup]  # the warm-up texts are not the measured ones
    load_start, date = os.getloadavg(), datetime.now().strftime("%Y-%m-%d %H:%M")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kodetect-load-") as tmp:
        for workers in args.workers:
            for concurrency in args.concurrency:
                row = run_row(args, texts, workers, concurrency, Path(tmp))
                print("\n".join(table([row])[2:]), flush=True)
                rows.append(row)
    load_end = os.getloadavg()
    title = args.title or f"`kodetect serve` under load: {args.mode} mode, {args.chars:,}-character texts"
    lines = [
        f"# {title}", "",
        f"Command: `{command.strip()}`  ",
        f"Date: {date}; {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average before the run {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} (1/5/15 min), "
        f"after {load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f}", "",
        f"Texts: {source}, cut to {args.chars:,} characters; {args.requests:,} requests per row after "
        f"{args.warmup} warm-up requests, each row on a fresh server. Latency is measured by the client "
        "(queueing included); RSS is summed over the server process and all its children. \"Other processes\" "
        "is the CPU that processes outside this test used while a row ran, in cores (from /proc/stat): with 2 "
        "cores, anything well above 0 took CPU from the server and makes its numbers lower than on an idle "
        "machine.", "",
        *table(rows), "", *findings(rows),
    ]
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, "utf-8")
    return 1 if any(r.errors or (r.crashed and not r.kill) for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
