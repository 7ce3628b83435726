"""Speed and memory per mode: documents/s, latency p50/p95, peak RSS, cold start, and deep mode's LM floor.

Every measurement runs in a fresh subprocess (`python -m bench.report.speed worker ...`), so peak
RSS is the process's own and nothing loaded by other sections is counted. Deep mode's floor is the
bare transformer forward pass over the same documents (in its own process, so its weights are not
counted twice); its ratio to the detector's latency is the overhead of everything else.
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

from bench.report.context import KATFISH_FILES, ROOT, Context
from bench.report.markdown import DASH, Section, table
from kodetect.eval.attacks import truncate


def speed_documents(chars: int, n: int, data: Path | None) -> list[str]:
    """`n` distinct documents of about `chars` characters: consecutive KatFish texts joined, cut at a sentence end."""
    sources: list[str] = []
    if data is not None:
        for genre in ("essay", "abstract", "poetry"):
            path = data / "katfish" / f"{genre}.jsonl"
            if path.exists():
                with open(path, encoding="utf-8") as handle:
                    sources += [json.loads(line)["text"] for line in handle if line.strip()]
    if not sources:
        sources = [(ROOT / "examples" / n).read_text("utf-8") for n in ("human_essay.txt", "ai_generated.txt")]
    docs = []
    step = max(1, len(sources) // max(1, n))
    for i in range(n):
        parts, length, j = [], 0, i * step
        while length < chars:
            parts.append(sources[j % len(sources)])
            length += len(parts[-1]) + 2
            j += 1
        docs.append(truncate("\n\n".join(parts), chars))
    return docs


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's ru_maxrss survives fork and exec, so a worker started from the (large) report process
    would report the parent's peak; the kernel's VmHWM belongs to the worker's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _worker_detect(mode: str, plan: dict[int, int], data: Path | None) -> dict:
    from kodetect import Detector

    started = time.perf_counter()
    detector = Detector(mode=mode, **({"threads": os.cpu_count() or 1} if mode != "fast" else {}))
    detector.detect(speed_documents(300, 1, data)[0])
    load = time.perf_counter() - started
    out: dict = {"load_and_first_s": load, "lengths": {}}
    for chars, n in plan.items():
        docs = speed_documents(chars, n, data)
        latencies = []
        for doc in docs:
            t = time.perf_counter()
            detector.detect(doc)
            latencies.append(time.perf_counter() - t)
        entry = {"docs": n, "detect_docs_per_s": n / sum(latencies), "p50_ms": 1000 * statistics.median(latencies),
                 "p95_ms": 1000 * _percentile(latencies, 0.95)}
        if mode == "fast":
            t = time.perf_counter()
            for _ in detector.score(docs):
                pass
            entry["score_docs_per_s"] = n / (time.perf_counter() - t)
        out["lengths"][str(chars)] = entry
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _worker_floor(plan: dict[int, int], data: Path | None) -> dict:
    """The deep-mode floor: the LM's transformer body alone, and its full scoring, on the same documents."""
    from kodetect.lm.backend import TorchCausalLM
    from kodetect.lm.support import load_support

    threads = os.cpu_count() or 1
    lm = TorchCausalLM.default(threads=threads, support=load_support())
    out: dict = {"threads": threads, "lengths": {}}
    for chars, n in plan.items():
        forward, scoring, tokens = [], [], []
        for doc in speed_documents(chars, n, data):
            ids = lm.tokenizer(doc, add_special_tokens=False)["input_ids"]
            # The same windows and allocation policy as lm.score, so the floor covers exactly the work
            # scoring cannot avoid.
            t = time.perf_counter()
            tokens.append(lm.forward_only(ids))
            forward.append(time.perf_counter() - t)
            t = time.perf_counter()
            lm.text_stats(doc)
            scoring.append(time.perf_counter() - t)
        out["lengths"][str(chars)] = {"forward_p50_ms": 1000 * statistics.median(forward),
                                      "score_p50_ms": 1000 * statistics.median(scoring),
                                      "tokens_median": statistics.median(tokens)}
    return out


def _run_worker(kind: str, mode: str, plan: dict[int, int], timeout: float) -> dict:
    command = [sys.executable, "-m", "bench.report.speed", "worker", kind, "--mode", mode,
               "--plan", ",".join(f"{c}:{n}" for c, n in plan.items())]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the {kind} worker for {mode} mode failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cold_start(mode: str, runs: int, timeout: float, data: Path | None) -> float:
    """Median wall time of `kodetect check` on one document, from process start to printed result."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(speed_documents(1000, 1, data)[0])
    # As on a user's machine, Python may cache compiled bytecode (some sandboxes disable it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    try:
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kodetect", "check", "--mode", mode, handle.name], check=True,
                           capture_output=True, env=env, cwd=ROOT, timeout=timeout)
            times.append(time.perf_counter() - t)
    finally:
        Path(handle.name).unlink()
    return statistics.median(times)


def run(ctx: Context) -> Section:
    section = Section("speed", "Speed and memory", data_files=KATFISH_FILES[:3])
    modes = ["fast"]
    if ctx.settings.deep:
        modes.append("deep")
    else:
        section.blocks.append("Deep mode not measured: deep mode not requested (--quick runs fast mode only; "
                              "use --deep).")
    measured: dict[str, dict] = {}
    for mode in modes:
        plan = ctx.settings.speed_docs[mode]
        try:
            result = _run_worker("detect", mode, plan, timeout=1800)
            result["cold_start_s"] = _cold_start(mode, ctx.settings.cold_runs[mode], timeout=600, data=ctx.data)
            if mode == "deep":
                result["floor"] = _run_worker("floor", mode, plan, timeout=1800)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            section.blocks.append(f"{mode} mode not measured: {exc}.")
            continue
        measured[mode] = result

    cores = os.cpu_count() or 1
    section.blocks.insert(0, (
        f"On this machine ({cores} CPU cores), one process, documents cut from KatFish texts at a sentence end. "
        "`detect` returns sentence scores and evidence; `score` only the document probability. Latency per "
        "document; cold start is `kodetect check` on one 1,000-character document, from process start to the "
        "printed result (median). Peak RSS is the measuring process's maximum resident memory. Deep mode's "
        "floor is the language model's transformer body alone over the same token windows (`LM forward`), and "
        "its full scoring (`LM score`, with the output layer and statistics); `detect / forward` is deep mode's "
        "latency over that floor."))
    rows = []
    for mode, result in measured.items():
        floor = result.get("floor", {}).get("lengths", {})
        for chars, entry in result["lengths"].items():
            f = floor.get(chars)
            rows.append([
                mode, int(chars), entry["docs"], f"{entry['detect_docs_per_s']:.1f}", f"{entry['p50_ms']:.0f}",
                f"{entry['p95_ms']:.0f}",
                f"{entry['score_docs_per_s']:.1f}" if "score_docs_per_s" in entry else DASH,
                f"{f['forward_p50_ms']:.0f}" if f else DASH, f"{f['score_p50_ms']:.0f}" if f else DASH,
                f"{entry['p50_ms'] / f['forward_p50_ms']:.2f}" if f else DASH,
            ])
    if rows:
        section.blocks.append(table(["mode", "chars", "docs", "detect docs/s", "p50 ms", "p95 ms", "score docs/s",
                                     "LM forward p50 ms", "LM score p50 ms", "detect / forward"], rows))
        section.blocks.append(table(
            ["mode", "load + first result (s)", "cold start, kodetect check (s)", "peak RSS (MB)"],
            [[m, f"{r['load_and_first_s']:.2f}", f"{r['cold_start_s']:.2f}", f"{r['peak_rss_mb']:.0f}"]
             for m, r in measured.items()],
        ))
    section.models += [f"packaged {m} model" for m in measured]
    section.facts = {m: {"docs_per_s_1000": r["lengths"].get("1000", {}).get("detect_docs_per_s"),
                         "p50_ms_1000": r["lengths"].get("1000", {}).get("p50_ms"),
                         "cold_start_s": r["cold_start_s"], "peak_rss_mb": r["peak_rss_mb"]}
                     for m, r in measured.items()}
    return section


def _plan(text: str) -> dict[int, int]:
    return {int(c): int(n) for c, n in (part.split(":") for part in text.split(","))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="speed worker (run by `python -m bench`)")
    parser.add_argument("role", choices=["worker"])
    parser.add_argument("kind", choices=["detect", "floor"])
    parser.add_argument("--mode", default="fast")
    parser.add_argument("--plan", type=_plan, required=True, help="chars:docs,chars:docs")
    args = parser.parse_args(argv)
    from kodetect.eval.data import data_dir

    result = _worker_detect(args.mode, args.plan, data_dir()) if args.kind == "detect" else _worker_floor(
        args.plan, data_dir())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
