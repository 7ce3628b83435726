"""Throughput of `kodetect batch`: local process pool vs Ray (local), 1 and 2 workers, fast and deep mode.

    python bench/report/batch_throughput.py [--docs 5000] [--deep-docs 100] [--chars 1000] [--modes fast,deep]

Documents are texts of ../shared/data/dev (human and AI, alternating), or the bundled examples when
the data is absent, cut to about --chars characters; the input JSONL is written to a temporary folder,
never into the repository. Every configuration runs `kodetect batch` as a subprocess on the same input
and reports:

- wall docs/s: documents / wall time of the whole command (model loading and Ray start-up included);
- steady docs/s: documents scored after the first output row, divided by the time after it (the output
  file is polled every 0.2 s), i.e. the rate once everything has started;
- start-up: seconds until the first output row;
- CPU s per doc: user + system CPU time of the command and all its processes (pool workers, Ray's
  raylet, actors and read tasks; sampled each second with psutil), start-up included, per document.
  Unlike the rates, it hardly changes when another job shares the CPU.

Ray's overhead is the ratio of Ray's time (and CPU) to the local pool's for the same number of
workers. The nodes needed for 10 million documents a day are estimated twice for an assumed node size
(--node-cores, one worker per core): from the 1-worker CPU cost, and from the 1-worker wall-clock rate
with the measured 1→2 worker scaling; the arithmetic is printed in the results.

Deep mode is skipped, with the reason, when `Detector(mode="deep")` cannot be built; it runs on
--deep-docs documents because it is about 1-2 s per document on this CPU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report.markdown import write_results  # noqa: E402

DAY = 86_400
TARGET_PER_DAY = 10_000_000


@dataclass
class Run:
    mode: str
    engine: str
    workers: int
    docs: int
    wall_s: float
    startup_s: float
    steady_rate: float | None
    failed: int
    cpu_s: float | None  # user + system CPU seconds of the command and all its descendants

    @property
    def cpu_per_doc(self) -> float | None:
        return self.cpu_s / self.docs if self.cpu_s else None

    @property
    def wall_rate(self) -> float:
        return self.docs / self.wall_s


def documents(n: int, chars: int) -> list[str]:
    from kodetect.eval.data import data_dir

    pools: list[list[str]] = []
    directory = data_dir()
    if directory is not None:
        for name in ("human.jsonl", "ai.jsonl"):
            with open(directory / "dev" / name, encoding="utf-8") as handle:
                pools.append([t for t in (json.loads(line)["text"] for line in handle) if len(t) >= 200])
    if not pools:
        pools = [[(ROOT / "examples" / name).read_text("utf-8")] for name in ("human_essay.txt", "ai_generated.txt")]
    return [pools[i % len(pools)][(i // len(pools)) % len(pools[i % len(pools)])][:chars] for i in range(n)]


def write_input(path: Path, docs: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i, doc in enumerate(docs):
            out.write(json.dumps({"id": f"doc-{i:06d}", "text": doc}, ensure_ascii=False) + "\n")


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


class TreeCpu:
    """CPU time of a process and its descendants, sampled (a process that ends between two samples loses
    at most one interval); None when psutil is not installed."""

    def __init__(self, pid: int) -> None:
        try:
            import psutil
        except ImportError:
            self.root = None
            return
        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.seen: dict[tuple[int, float], float] = {}

    def sample(self) -> None:
        if self.root is None:
            return
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except self.psutil.Error:
            return
        for proc in processes:
            try:
                times = proc.cpu_times()
                self.seen[(proc.pid, proc.create_time())] = times.user + times.system
            except self.psutil.Error:
                continue

    def total(self) -> float | None:
        return sum(self.seen.values()) if self.root is not None else None


def run_batch(source: Path, out: Path, docs: int, mode: str, engine: str, workers: int) -> Run:
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "kodetect", "batch", str(source), "-o", str(out), "--workers", str(workers),
               "--mode", mode, "--engine", engine, "--no-progress"]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True, cwd=ROOT)
        cpu = TreeCpu(proc.pid)
        first_at, first_rows, ticks = None, 0, 0
        while proc.poll() is None:
            time.sleep(0.2)
            ticks += 1
            if ticks % 5 == 0:
                cpu.sample()
            if first_at is None:
                rows = count_lines(out)
                if rows:
                    first_at, first_rows = time.perf_counter(), rows
        errors.seek(0)
        stderr = errors.read()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}: {stderr[-2000:]}")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == docs and len({r["id"] for r in rows}) == docs, "every document exactly once"
    failed = sum("error" in r for r in rows)
    steady = None
    if first_at is not None and started + wall - first_at > 1.0:
        steady = (docs - first_rows) / (started + wall - first_at)
    startup = (first_at - started) if first_at is not None else wall
    return Run(mode, engine, workers, docs, wall, startup, steady, failed, cpu.total())


def mode_available(mode: str) -> str | None:
    """None when `Detector(mode=mode)` builds, else the reason it does not."""
    code = f"from kodetect import Detector; Detector(mode={mode!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {proc.returncode}"


def machine_note() -> str:
    load = os.getloadavg()
    cores = os.cpu_count()
    return (f"{platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}; "
            f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)")


def estimate(runs: list[Run], node_cores: int) -> list[str]:
    """Nodes for TARGET_PER_DAY documents a day, from the CPU cost and from the wall-clock rate."""
    by = {(r.engine, r.workers): r for r in runs}
    lines = [f"- needed: {TARGET_PER_DAY:,} docs / {DAY:,} s = {TARGET_PER_DAY / DAY:.1f} docs/s, around the clock"]
    for engine in ("local", "ray"):
        one, two = by.get((engine, 1)), by.get((engine, 2))
        if one is None:
            continue
        if one.cpu_per_doc:
            per_core = 1 / one.cpu_per_doc
            per_node_day = per_core * node_cores * DAY
            lines.append(
                f"- {engine}, from the CPU cost (1 worker, all processes, start-up included): 1 / "
                f"{one.cpu_per_doc:.4f} CPU-s per doc = {per_core:.1f} docs/s per core × {node_cores} cores = "
                f"{per_core * node_cores:.1f} docs/s per node × {DAY:,} s = {per_node_day:,.0f} docs/day; "
                f"{TARGET_PER_DAY:,} / {per_node_day:,.0f} = {TARGET_PER_DAY / per_node_day:.2f} → "
                f"**{math.ceil(TARGET_PER_DAY / per_node_day)} node(s)**")
        if one.steady_rate is not None:
            efficiency = 1.0
            if two is not None and two.steady_rate is not None:
                efficiency = min(1.0, two.steady_rate / (2 * one.steady_rate))
            per_node_s = one.steady_rate * node_cores * efficiency
            per_node_day = per_node_s * DAY
            lines.append(
                f"- {engine}, from the wall-clock rate on this shared machine (pessimistic): {one.steady_rate:.2f} "
                f"docs/s per worker × {node_cores} workers × {efficiency:.2f} scaling efficiency (measured 1→2 "
                f"workers) = {per_node_s:.1f} docs/s per node × {DAY:,} s = {per_node_day:,.0f} docs/day; "
                f"{TARGET_PER_DAY:,} / {per_node_day:,.0f} = {TARGET_PER_DAY / per_node_day:.2f} → "
                f"**{math.ceil(TARGET_PER_DAY / per_node_day)} node(s)**")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents for fast mode (default 5000)")
    parser.add_argument("--deep-docs", type=int, default=100, help="documents for deep mode (default 100)")
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--modes", default="fast,deep")
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--node-cores", type=int, default=16, help="cores per node assumed for the estimate")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "batch_throughput.md")
    args = parser.parse_args()
    engines = args.engines.split(",")
    workers = [int(w) for w in args.workers.split(",")]

    report = ["# `kodetect batch` throughput: local pool vs Ray (local)", "",
              f"Command: `python bench/report/batch_throughput.py {' '.join(sys.argv[1:])}`".rstrip() + "  ",
              f"Date: {time.strftime('%Y-%m-%d %H:%M')}; machine: {os.cpu_count()} cores "
              f"(load average at the start {os.getloadavg()[0]:.2f})", ""]
    started_load = os.getloadavg()[0]
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kodetect-bench-") as tmp:
        for mode in args.modes.split(","):
            reason = mode_available(mode)
            if reason is not None:
                skipped.append(f"- {mode} mode skipped: `Detector(mode={mode!r})` failed: {reason}")
                print(skipped[-1], flush=True)
                continue
            n = args.docs if mode == "fast" else args.deep_docs
            source = Path(tmp) / f"{mode}-{n}.jsonl"
            write_input(source, documents(n, args.chars))
            runs = []
            for engine in engines:
                for w in workers:
                    print(f"{mode} {engine} --workers {w}: {n} docs ...", flush=True)
                    run = run_batch(source, Path(tmp) / "out.jsonl", n, mode, engine, w)
                    steady = f"{run.steady_rate:.2f}" if run.steady_rate else "n/a"
                    cpu = f"{run.cpu_per_doc:.4f}" if run.cpu_per_doc else "n/a"
                    print(f"  wall {run.wall_s:.1f} s = {run.wall_rate:.2f} docs/s; start-up {run.startup_s:.1f} s; "
                          f"steady {steady} docs/s; {cpu} CPU s/doc; failed rows {run.failed}", flush=True)
                    runs.append(run)
            report += [f"## {mode} mode: {n} documents of up to {args.chars} characters", "",
                       "| engine | workers | wall time (s) | wall docs/s | start-up (s) | steady docs/s "
                       "| CPU s per doc | error rows |",
                       "|---|---|---|---|---|---|---|---|"]
            for r in runs:
                steady = f"{r.steady_rate:.2f}" if r.steady_rate else "n/a"
                cpu = f"{r.cpu_per_doc:.4f}" if r.cpu_per_doc else "n/a"
                report.append(f"| {r.engine} | {r.workers} | {r.wall_s:.1f} | {r.wall_rate:.2f} | "
                              f"{r.startup_s:.1f} | {steady} | {cpu} | {r.failed} |")
            report.append("")
            by = {(r.engine, r.workers): r for r in runs}
            ratios = []
            for w in workers:
                local, ray = by.get(("local", w)), by.get(("ray", w))
                if local and ray:
                    line = (f"- {w} worker(s): Ray wall time / local wall time = {ray.wall_s:.1f} / {local.wall_s:.1f}"
                            f" = **{ray.wall_s / local.wall_s:.2f}×**")
                    if local.steady_rate and ray.steady_rate:
                        line += (f"; steady-state local / Ray rate = {local.steady_rate:.2f} / {ray.steady_rate:.2f}"
                                 f" = **{local.steady_rate / ray.steady_rate:.2f}×**")
                    if local.cpu_per_doc and ray.cpu_per_doc:
                        line += (f"; CPU per doc Ray / local = {ray.cpu_per_doc:.4f} / {local.cpu_per_doc:.4f}"
                                 f" = **{ray.cpu_per_doc / local.cpu_per_doc:.2f}×**")
                    ratios.append(line)
            if ratios:
                report += ["Ray's overhead (above 1 means Ray is slower):", "", *ratios, ""]
            lines = estimate(runs, args.node_cores)
            if len(lines) > 1:
                report += [f"Nodes for 10 million {mode}-mode documents a day, on paper. Assumed: a node has "
                           f"{args.node_cores} cores (this machine has {os.cpu_count()}) and runs one worker per core; "
                           "the CPU-cost estimate assumes scoring scales with cores, which the wall-clock estimate "
                           "replaces by the 1→2 worker scaling measured here:", "", *lines, ""]
    if skipped:
        report += ["## Skipped", "", *skipped, ""]
    end_load = os.getloadavg()[0]
    report += ["## Conditions", "", f"- {machine_note()}.",
               f"- Load average at the start {started_load:.2f}, at the end {end_load:.2f}; this benchmark ran at "
               f"nice {os.nice(0)}. " + ("A load above the number of workers means other jobs shared the CPU: the "
                                          "wall-clock rates are then lower than on an idle machine and vary between "
                                          "runs, while CPU seconds per document change less."
                                          if max(started_load, end_load) > 1.0 else "The machine was otherwise idle."),
               ""]
    write_results(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
