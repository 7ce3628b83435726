"""Fast-mode speed and memory on this machine.

    python bench/experiments/fast_speed.py [--docs 200] [--chars 1000]

Documents are cut from the bundled examples and, when ../shared/data is present, from KatFish
essays, to about --chars characters each. Reports documents/s through `Detector.detect` (with
sentence scores and evidence) and through `Detector.score` (document probability only), latency
p50/p95, peak RSS of the process, the cold start of `kodetect check` on one document (process
start to printed result, median of 5, bytecode caching on), and `kodetect batch` throughput with 1 and 2 workers.

Result: bench/results/speed.txt (its printout, saved by hand when fast mode was tuned). Superseded by the
report's speed section (bench/report/speed.py, every mode on every run) and by
bench/report/batch_throughput.py; kept because bench/experiments/deep_speed.py cuts its documents the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kodetect import Detector
from kodetect.eval.data import data_dir

ROOT = Path(__file__).resolve().parents[2]


def documents(n: int, chars: int) -> list[str]:
    sources = [(ROOT / "examples" / name).read_text("utf-8") for name in ("human_essay.txt", "ai_generated.txt")]
    directory = data_dir()
    if directory is not None:
        with open(directory / "katfish" / "essay.jsonl", encoding="utf-8") as handle:
            sources += [json.loads(line)["text"] for line in handle]
    long_sources = [s for s in sources if len(s) >= chars] or ["".join(sources)]
    return [long_sources[i % len(long_sources)][:chars] for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--batch-docs", type=int, default=1000)
    args = parser.parse_args()

    started = time.perf_counter()
    detector = Detector()
    detector.detect(documents(1, args.chars)[0])
    warm_up = time.perf_counter() - started

    docs = documents(args.docs, args.chars)
    latencies = []
    t0 = time.perf_counter()
    for doc in docs:
        t = time.perf_counter()
        detector.detect(doc)
        latencies.append(time.perf_counter() - t)
    detect_rate = len(docs) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in detector.score(docs):
        pass
    score_rate = len(docs) / (time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(docs[0])
    cold = []
    # As on a user's machine, Python may cache compiled bytecode (this sandbox disables it by default).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kodetect", "check", handle.name], check=True, capture_output=True,
                       env=env)
        cold.append(time.perf_counter() - t)
    Path(handle.name).unlink()

    batch_rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "docs.jsonl"
        with open(source, "w", encoding="utf-8") as out:
            for i, doc in enumerate(documents(args.batch_docs, args.chars)):
                out.write(json.dumps({"id": i, "text": doc}, ensure_ascii=False) + "\n")
        for workers in (1, 2):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kodetect", "batch", str(source), "-o", str(Path(tmp) / "out.jsonl"),
                            "--workers", str(workers)], check=True, capture_output=True)
            batch_rates[workers] = args.batch_docs / (time.perf_counter() - t)

    latencies.sort()
    print(f"documents: {len(docs)} x {args.chars} characters")
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies))]
    print(f"detect (with sentences + evidence): {detect_rate:.1f} docs/s, "
          f"p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms")
    print(f"score (document probability only): {score_rate:.1f} docs/s")
    print(f"in-process load + first result: {warm_up:.2f} s; peak RSS {peak_mb:.0f} MB")
    print(f"kodetect check cold start (median of 5): {statistics.median(cold):.2f} s")
    for workers, rate in batch_rates.items():
        print(f"kodetect batch, {args.batch_docs} docs, --workers {workers}: {rate:.1f} docs/s "
              "(wall clock, start-up included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
