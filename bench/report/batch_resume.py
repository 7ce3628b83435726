"""Ctrl-C and `--resume` on a 20,000-document JSONL, and peak memory for 2,000 vs 20,000 documents.

    python bench/report/batch_resume.py [--rows 20000] [--small-rows 2000] [--workers 2] [--interrupt-at 1000]

1. Writes a JSONL of --rows short documents (a few sentences of ../shared/data/dev, or of the bundled
   examples, each with at least 60 Hangul characters) to a temporary folder, never into the repository.
2. Starts `kodetect batch ... --progress` as a subprocess, sends SIGINT (what Ctrl-C sends) once the
   output has --interrupt-at rows, and checks the partial output: whole lines, no id twice.
3. Reruns it with `--resume` and checks that every input id is in the output exactly once.
4. The same with Parquet output (`-o out.parquet`) on the first --parquet-rows documents.
5. Scores the first --small-rows documents from scratch, for the memory comparison.

Peak memory is sampled every 0.25 s with psutil over the command and its worker processes: the peak RSS
of the main process, of the largest worker, and of all of them together.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report.markdown import write_results  # noqa: E402

HANGUL = re.compile(r"[가-힣]")


def short_documents(n: int) -> list[str]:
    from kodetect.eval.data import data_dir

    texts: list[str] = []
    directory = data_dir()
    if directory is not None:
        for name in ("human.jsonl", "ai.jsonl"):
            with open(directory / "dev" / name, encoding="utf-8") as handle:
                texts += [json.loads(line)["text"] for line in handle]
    else:
        texts = [(ROOT / "examples" / name).read_text("utf-8") for name in ("human_essay.txt", "ai_generated.txt")]
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?다])\s+", t) if 10 <= len(s.strip()) <= 200]
    docs, i = [], 0
    while len(docs) < n:
        doc = ""
        while len(HANGUL.findall(doc)) < 60:
            doc = f"{doc} {sentences[i % len(sentences)]}".strip()
            i += 1
        docs.append(doc)
    return docs


@dataclass
class Memory:
    """Peak RSS per process of a command's process tree, sampled."""

    root_pid: int
    peaks: dict[int, int] = field(default_factory=dict)
    total_peak: int = 0

    def sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.root_pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for proc in processes:
            try:
                rss = proc.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), rss)
        self.total_peak = max(self.total_peak, total)

    def summary(self) -> dict[str, float]:
        main = self.peaks.get(self.root_pid, 0)
        workers = [v for k, v in self.peaks.items() if k != self.root_pid]
        return {"main_mb": main / 2**20, "worker_mb": max(workers, default=0) / 2**20,
                "total_mb": self.total_peak / 2**20}


@dataclass
class Result:
    command: list[str]
    returncode: int
    seconds: float
    stderr: str
    memory: dict[str, float]

    @property
    def last_progress(self) -> str:
        frames = [f.strip() for f in re.split(r"[\r\n]", self.stderr) if "doc/s" in f or "s/doc" in f]
        return frames[-1] if frames else "(no progress bar)"

    @property
    def message(self) -> str:
        lines = [line for line in self.stderr.replace("\r", "\n").splitlines() if line.startswith(("scored", "inter"))]
        return lines[-1] if lines else self.stderr.strip().splitlines()[-1]


def run(command: list[str], interrupt_at: int | None = None) -> Result:
    """Run `command`; with `interrupt_at`, send SIGINT once its progress bar shows that many documents."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".stderr") as errors:
        started = time.perf_counter()
        # Ctrl-C's default action, even when this script was started in the background (where the shell
        # makes SIGINT ignored, and children inherit that).
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, text=True, cwd=ROOT, env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        memory = Memory(proc.pid)
        sent = False
        while proc.poll() is None:
            memory.sample()
            if interrupt_at is not None and not sent and progress_count(Path(errors.name)) >= interrupt_at:
                proc.send_signal(signal.SIGINT)
                sent = True
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        errors.seek(0)
        return Result(command, proc.returncode, seconds, errors.read(), memory.summary())


def progress_count(stderr: Path) -> int:
    """Documents done according to the last progress bar frame ("  1234/20000 [...]")."""
    with open(stderr, "rb") as handle:
        handle.seek(max(0, handle.seek(0, 2) - 4096))
        frames = re.findall(rb"(\d+)/\d+ \[", handle.read())
    return int(frames[-1]) if frames else 0


def output_ids(path: Path) -> list:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path, columns=["id"]).column("id").to_pylist()
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def batch_command(source: Path, out: Path, workers: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kodetect", "batch", str(source), "-o", str(out), "--workers", str(workers),
            "--progress", *extra]


def show(result: Result) -> str:
    m = result.memory
    return (f"exit {result.returncode} after {result.seconds:.1f} s; `{result.message}`; "
            f"peak RSS main {m['main_mb']:.0f} MB, largest worker {m['worker_mb']:.0f} MB, "
            f"all processes {m['total_mb']:.0f} MB")


def interrupt_and_resume(source: Path, out: Path, n: int, workers: int, interrupt_at: int,
                         report: list[str], title: str) -> tuple[Result, Result]:
    expected = [f"doc-{i:06d}" for i in range(n)]
    first = run(batch_command(source, out, workers), interrupt_at=interrupt_at)
    partial = output_ids(out)
    print(f"{title}, interrupted: {show(first)}; {len(partial)} rows saved", flush=True)
    second = run(batch_command(source, out, workers, "--resume"))
    ids = output_ids(out)
    print(f"{title}, resumed: {show(second)}", flush=True)
    once = sorted(ids) == expected
    report += [
        f"## {title}", "",
        f"1. `kodetect batch {source.name} -o {out.name} --workers {workers} --progress`, SIGINT once the progress "
        f"bar showed {interrupt_at} documents: {show(first)}.",
        f"   - last progress bar frame before the interruption: `{first.last_progress}`",
        f"   - partial output: {len(partial)} rows, {len(set(partial))} distinct ids, every one an input id: "
        f"{set(partial) <= set(expected)}",
        f"2. The same with `--resume`: {show(second)}.",
        f"   - last progress bar frame: `{second.last_progress}`",
        f"3. Output: {len(ids)} rows for {n} input documents; every id exactly once: **{once}**", "",
    ]
    if first.returncode != 130 or not once or len(partial) != len(set(partial)):
        raise SystemExit(f"{title}: the interrupt/resume check failed; see {first.stderr[-1000:]}")
    return first, second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small-rows", type=int, default=2_000)
    parser.add_argument("--parquet-rows", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interrupt-at", type=int, default=1_000, help="rows in the output before SIGINT")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "batch_resume.md")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    report = ["# `kodetect batch`: Ctrl-C, `--resume`, and memory as the input grows", "",
              f"Command: `python bench/report/batch_resume.py {' '.join(sys.argv[1:])}`".rstrip() + "  ",
              f"Date: {time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; load average before the run "
              f"{load_before:.2f}", ""]
    with tempfile.TemporaryDirectory(prefix="kodetect-resume-") as tmp:
        docs = short_documents(args.rows)
        big, small = Path(tmp) / f"in-{args.rows}.jsonl", Path(tmp) / f"in-{args.small_rows}.jsonl"
        for path, n in ((big, args.rows), (small, args.small_rows)):
            with open(path, "w", encoding="utf-8") as handle:
                for i, doc in enumerate(docs[:n]):
                    handle.write(json.dumps({"id": f"doc-{i:06d}", "text": doc}, ensure_ascii=False) + "\n")
        lengths = sorted(len(d) for d in docs)
        report += [f"Input: {args.rows:,} short documents (median {lengths[len(lengths) // 2]} characters, at "
                   "least 60 Hangul characters each: a few sentences of ../shared/data/dev), JSONL, in a "
                   "temporary folder. Short, so that many documents fit in the time this shared machine allows.", ""]

        _, resumed = interrupt_and_resume(big, Path(tmp) / "out.jsonl", args.rows, args.workers,
                                          args.interrupt_at, report, f"JSONL output, {args.rows:,} documents")
        if args.parquet_rows:
            part = Path(tmp) / f"in-{args.parquet_rows}.jsonl"
            with open(big, encoding="utf-8") as source, open(part, "w", encoding="utf-8") as target:
                for _, line in zip(range(args.parquet_rows), source, strict=False):
                    target.write(line)
            interrupt_and_resume(part, Path(tmp) / "out.parquet", args.parquet_rows, args.workers,
                                 args.parquet_rows // 3, report, f"Parquet output, {args.parquet_rows:,} documents")

        fresh = run(batch_command(small, Path(tmp) / "small.jsonl", args.workers))
        print(f"{args.small_rows} rows from scratch: {show(fresh)}", flush=True)
        a, b = fresh.memory, resumed.memory
        report += [
            f"## Peak memory: {args.small_rows:,} vs {args.rows:,} documents", "",
            f"Peak RSS sampled every 0.25 s (psutil), `--workers {args.workers}`:", "",
            "| run | documents read | main process (MB) | largest worker (MB) | all processes (MB) |",
            "|---|---|---|---|---|",
            f"| from scratch | {args.small_rows:,} | {a['main_mb']:.0f} | {a['worker_mb']:.0f} | {a['total_mb']:.0f} |",
            f"| `--resume` run above | {args.rows:,} | {b['main_mb']:.0f} | {b['worker_mb']:.0f} | "
            f"{b['total_mb']:.0f} |", "",
            f"Ratio of the main process's peak, {args.rows:,} / {args.small_rows:,} documents: "
            f"**{b['main_mb'] / a['main_mb']:.2f}**; of the whole tree: **{b['total_mb'] / a['total_mb']:.2f}**. "
            "(The resumed run also holds the set of ids already done, a few dozen bytes per id.)", "",
        ]
    load_after = os.getloadavg()[0]
    report += ["## Conditions", "",
               f"Load average before {load_before:.2f}, after {load_after:.2f} on {os.cpu_count()} cores; this "
               f"benchmark ran at nice {os.nice(0)}. " +
               ("Other jobs shared the CPU, so the times are longer than on an idle machine; memory and correctness "
                "do not depend on that." if max(load_before, load_after) > 1.0 else "The machine was otherwise idle."),
               ""]
    write_results(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
