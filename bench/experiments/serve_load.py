"""Load test of `kodetect serve` on loopback.

    python bench/experiments/serve_load.py [--requests 1000] [--concurrency 16] [--max-seconds 600]

Starts its own server (subprocess, free port, temporary database), warms it up, then sends
--requests POST /v1/detect with Korean texts of ~300-1000 characters cut from examples/*.txt from
--concurrency threads. 200 and 503 (backpressure) are allowed; any other status or a transport error
is a failure. Reports status counts, p50/p95 latency of the 200s, throughput, and the server's RSS
after warm-up and at the end. Exits 1 on failures; stops after --max-seconds whatever happens.

Result: printed only; no run is kept in the repository (rerun it against the server you deploy).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def make_texts(n: int, seed: int = 0) -> list[str]:
    """n texts of 300-1000 characters, cut at random offsets from the examples joined in a loop."""
    corpus = "\n\n".join(p.read_text("utf-8").strip() for p in sorted((ROOT / "examples").glob("*.txt")))
    corpus = corpus + "\n\n" + corpus  # so a 1000-char window fits from any start
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        length = rng.randint(300, 1000)
        start = rng.randrange(0, max(1, len(corpus) - length))
        texts.append(corpus[start:start + length])
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="hard stop for the whole run")
    parser.add_argument("--server-args", default="", help="extra arguments for `kodetect serve`, e.g. '--workers 2'")
    args = parser.parse_args(argv)
    began = time.monotonic()

    def time_left() -> float:
        return args.max_seconds - (time.monotonic() - began)

    texts = make_texts(args.requests)
    with tempfile.TemporaryDirectory(prefix="kodetect-load-") as tmp:
        port = free_port()
        command = [sys.executable, "-m", "kodetect", "serve", "--port", str(port), "--db", str(Path(tmp) / "db.sqlite"),
                   *args.server_args.split()]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            return run(args, url, server, texts, time_left)
        finally:
            server.kill()
            server.wait(timeout=10)


def run(args, url: str, server: subprocess.Popen, texts: list[str], time_left) -> int:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    with httpx.Client(base_url=url, timeout=60, limits=limits, trust_env=False) as client:
        while True:
            if server.poll() is not None:
                print(f"server exited with {server.returncode} before answering", file=sys.stderr)
                return 1
            try:
                if client.get("/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time_left() < args.max_seconds - 60:
                print("server did not start within 60 s", file=sys.stderr)
                return 1
            time.sleep(0.2)
        for text in texts[: args.warmup]:
            client.post("/v1/detect", json={"text": text})
        rss_start = rss_mib(server.pid)

        statuses: Counter[str] = Counter()
        latencies: list[float] = []
        lock = threading.Lock()
        stop = threading.Event()

        def one(text: str) -> None:
            if stop.is_set() or time_left() <= 0:
                with lock:
                    statuses["not sent (time limit)"] += 1
                return
            t0 = time.perf_counter()
            try:
                reply = client.post("/v1/detect", json={"text": text}, timeout=max(1.0, min(60.0, time_left())))
                key = str(reply.status_code)
                ok = reply.status_code == 200 and "ai_probability" in reply.json()
            except (httpx.HTTPError, ValueError) as error:
                key, ok = f"error {type(error).__name__}", False
            elapsed = time.perf_counter() - t0
            with lock:
                statuses[key] += 1
                if ok:
                    latencies.append(elapsed)

        t_start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            futures = [pool.submit(one, text) for text in texts]
            for future in futures:
                future.result(timeout=max(0.1, time_left() + 70))
        wall = time.perf_counter() - t_start
        rss_end = rss_mib(server.pid) if server.poll() is None else float("nan")

    ok = statuses.get("200", 0)
    failures = {k: v for k, v in statuses.items() if k not in ("200", "503")}
    print(f"server: {url}  requests: {len(texts)}  concurrency: {args.concurrency}  warm-up: {args.warmup}")
    print("status counts: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    if latencies:
        print(f"latency of 200s: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
              f"mean {statistics.mean(latencies) * 1000:.0f} ms")
    print(f"throughput: {ok / wall:.1f} scored docs/s, {sum(statuses.values()) / wall:.1f} responses/s "
          f"over {wall:.1f} s")
    print(f"server RSS: {rss_start:.0f} MiB after warm-up, {rss_end:.0f} MiB at the end "
          f"({(rss_end - rss_start) / rss_start * 100:+.1f}%)")
    if failures:
        print(f"FAIL: {sum(failures.values())} responses other than 200/503: {failures}", file=sys.stderr)
        return 1
    print("OK: no failures other than 503 backpressure")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
