"""Deep-mode latency and memory on this machine, against the bare language-model forward pass.

    python bench/experiments/deep_speed.py [--docs 20] [--chars 1000] [--threads 2] [--out bench/results/deep_speed.md]

For each document: the transformer body alone (the floor no implementation can beat with this
model), the full LM scoring pass (body + output projection onto the token support + per-token
statistics), and `Detector(mode="deep").detect` (normalisation, Kiwi, features, sentence windows,
evidence). Overheads are reported as ratios to the bare forward pass. Each measurement runs in a
fresh subprocess so peak RSS and cold start are those of a user's process; one run scores a
100,000-character text to show memory stays bounded.

Result: bench/results/deep_speed.md (the README's deep-mode latency quotes it). The report's speed
section (bench/report/speed.py) measures deep mode's latency and floor on every full run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.experiments.fast_speed import documents  # noqa: E402


def _measure(kind: str, n_docs: int, chars: int, threads: int) -> dict:
    from kodetect import Detector

    started = time.perf_counter()
    detector = Detector(mode="deep", threads=threads)
    docs = documents(n_docs, chars)
    detector.detect(docs[0])
    load_and_first = time.perf_counter() - started
    lm = detector._lm
    body, scoring, detect = [], [], []
    tokens = []
    for doc in docs:
        ids = lm.tokenizer(doc, add_special_tokens=False)["input_ids"]
        tokens.append(len(ids))
        t = time.perf_counter()
        lm.forward_only(ids)
        body.append(time.perf_counter() - t)
        t = time.perf_counter()
        lm.text_stats(doc)
        scoring.append(time.perf_counter() - t)
        t = time.perf_counter()
        detector.detect(doc)
        detect.append(time.perf_counter() - t)
    return {
        "kind": kind,
        "docs": n_docs,
        "chars": chars,
        "tokens_median": statistics.median(tokens),
        "load_and_first_s": load_and_first,
        "body_p50": statistics.median(body),
        "scoring_p50": statistics.median(scoring),
        "detect_p50": statistics.median(detect),
        "detect_p95": sorted(detect)[min(len(detect) - 1, int(0.95 * len(detect)))],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _long_text(threads: int) -> dict:
    from kodetect import Detector

    text = "".join(documents(200, 1000))[:100_000]
    detector = Detector(mode="deep", threads=threads)
    t = time.perf_counter()
    result = detector.detect(text)
    return {"kind": "long", "chars": len(text), "seconds": time.perf_counter() - t, "sentences": len(result.sentences),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(argv: list[str]) -> dict:
    output = subprocess.run([sys.executable, __file__, *argv], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", choices=("docs", "long"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "docs":
        print(json.dumps(_measure("docs", args.docs, args.chars, args.threads)))
        return 0
    if args.child == "long":
        print(json.dumps(_long_text(args.threads)))
        return 0

    common = ["--threads", str(args.threads)]
    example = ROOT / "examples" / "ai_generated.txt"
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kodetect", "check", "--mode", "deep", str(example)], check=True,
                       capture_output=True)
        cold.append(time.perf_counter() - t)
    rows = [_child(["--child", "docs", "--docs", str(args.docs), "--chars", str(chars), *common])
            for chars in (300, args.chars, 5000)]
    long = _child(["--child", "long", *common])
    lines = [
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} by `python bench/experiments/deep_speed.py "
        f"{' '.join(sys.argv[1:])}` ({args.threads} threads, Gemma 3 270M fp32 on CPU).",
        "",
        "| document | tokens (median) | bare forward p50 | LM scoring p50 | deep detect p50 | detect p95 "
        "| detect / forward | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['chars']:,} chars x {r['docs']} | {r['tokens_median']:.0f} | {r['body_p50']:.2f} s "
            f"| {r['scoring_p50']:.2f} s | {r['detect_p50']:.2f} s | {r['detect_p95']:.2f} s "
            f"| {r['detect_p50'] / r['body_p50']:.2f}x | {r['peak_rss_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"Cold start, `kodetect check --mode deep` on the example (process start to printed result, median of 3): "
        f"{statistics.median(cold):.1f} s.",
        f"A {long['chars']:,}-character text ({long['sentences']} sentences): {long['seconds']:.1f} s, "
        f"peak RSS {long['peak_rss_mb']:.0f} MB.",
    ]
    report = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
