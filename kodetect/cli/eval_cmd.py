"""`kodetect eval`: score labelled JSONL files with the detector and report detection metrics."""

from __future__ import annotations

import argparse
import itertools
import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from kodetect.detection import Detection
from kodetect.detector import DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES, Detector
from kodetect.errors import InputError, KodetectError
from kodetect.eval.data import file_sha256, read_rows
from kodetect.eval.evaluate import FPR_BUDGETS, EvalResult, GroupResult, evaluate, percent, render_markdown

REPORT_TITLE = "kodetect evaluation"
# How many rejected rows are named in the summary and report; the JSON lists them all.
_ERRORS_NAMED = 5


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `eval` subcommand's arguments to `parser`."""
    parser.add_argument("data", nargs="+", type=Path, help="JSONL files with rows {id, text, label, ...}")
    parser.add_argument("--report", type=Path, metavar="FILE.md", help="write a markdown report here")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON here")
    parser.add_argument("--mode", choices=MODES, default="fast", help="detector mode (default: fast)")
    parser.add_argument(
        "--threshold-mode",
        choices=THRESHOLD_MODES,
        default=DEFAULT_THRESHOLD_MODE,
        help=f"threshold used for verdicts and the summary (default: {DEFAULT_THRESHOLD_MODE})",
    )
    parser.add_argument("--limit", type=_positive_int, metavar="N", help="use only the first N rows per file")


def load_rows(paths: Sequence[Path], limit: int | None = None) -> list[dict]:
    """Rows of all files in order (the first `limit` of each); InputError for an unusable file."""
    rows: list[dict] = []
    for path in paths:
        file_rows = list(itertools.islice(read_rows(path), limit))
        if not file_rows:
            raise InputError(f"{path}: no rows")
        rows.extend(file_rows)
    return rows


def score_texts(detector: Detector, texts: Sequence[str]) -> list[Detection | InputError]:
    """One Detection per text, or the InputError the detector raised for it, in input order."""
    results: list[Detection | InputError] = []
    with tqdm(total=len(texts), file=sys.stderr, unit="text", desc="scoring") as bar:
        while len(results) < len(texts):
            try:
                for detection in detector.detect(itertools.islice(texts, len(results), None)):
                    results.append(detection)
                    bar.update()
                break
            except InputError:
                # A batching detector may reject a batch before yielding its earlier texts, so the
                # next text is scored alone: either it is the bad one, or it is done and we resume.
                results.append(_score_one(detector, texts[len(results)]))
                bar.update()
    if len(results) != len(texts):
        raise RuntimeError(f"detector returned {len(results)} results for {len(texts)} texts")
    return results


def _score_one(detector: Detector, text: str) -> Detection | InputError:
    try:
        return detector.detect(text)
    except InputError as exc:
        return exc


def _command_line(args: argparse.Namespace) -> str:
    parts = ["kodetect", "eval", *map(str, args.data)]
    parts += ["--mode", args.mode, "--threshold-mode", args.threshold_mode]
    for flag, value in (("--limit", args.limit), ("--report", args.report), ("--json", args.json)):
        if value is not None:
            parts += [flag, str(value)]
    return shlex.join(parts)


def format_summary(result: EvalResult, threshold_mode: str) -> str:
    """A compact fixed-width table of every group at the chosen threshold mode."""
    header = (
        f"{'group':<40} {'human':>6} {'AI':>6} {'abst':>6} {'AUROC':>6} "
        f"{'TPR@1%':>7} {'TPR@5%':>7} {'FPR':>6} {'TPR':>6}"
    )

    def line(kind: str, g: GroupResult) -> str:
        at = g.at_threshold[threshold_mode]
        name = f"{kind}{g.name}"[:40]
        return (
            f"{name:<40} {g.n_human:>6} {g.n_ai:>6} {g.abstained_human + g.abstained_ai:>6} "
            f"{percent(g.auroc):>6} {percent(g.tpr_at_fpr[FPR_BUDGETS[0]]):>7} "
            f"{percent(g.tpr_at_fpr[FPR_BUDGETS[1]]):>7} "
            f"{percent(at.fpr):>6} {percent(at.tpr):>6}"
        )

    lines = [
        f"threshold mode {threshold_mode}: AI when probability >= {result.thresholds[threshold_mode]:.4f}; "
        "rates in %, abstained rows excluded",
        header,
        line("", result.overall),
        *(line("generator ", g) for g in result.by_generator),
        *(line("genre ", g) for g in result.by_genre),
    ]
    return "\n".join(lines)


def _write(path: Path, content: str) -> None:
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise KodetectError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def run_eval(args: argparse.Namespace) -> int:
    """Score the files, print a summary, and write the requested report files. Returns the exit code."""
    rows = load_rows(args.data, args.limit)
    detector = Detector(mode=args.mode, threshold_mode=args.threshold_mode)
    outcomes = score_texts(detector, [row["text"] for row in rows])
    scored = [(row, d) for row, d in zip(rows, outcomes, strict=True) if isinstance(d, Detection)]
    rejected = [(row, e) for row, e in zip(rows, outcomes, strict=True) if isinstance(e, InputError)]
    if not scored:
        raise InputError(f"the detector rejected every row (first: {rejected[0][1]})")

    result = evaluate(
        [row for row, _ in scored],
        [d.ai_probability for _, d in scored],
        [d.verdict for _, d in scored],
        detector.model_card["thresholds"],
    )
    model = detector.model_info
    notes = [f"Rows scored: {len(scored)}"]
    if args.limit is not None:
        notes.append(f"Only the first {args.limit} rows of each file were used")
    if rejected:
        named = ", ".join(f"{row.get('id', '?')} ({err})" for row, err in rejected[:_ERRORS_NAMED])
        more = f" and {len(rejected) - _ERRORS_NAMED} more" if len(rejected) > _ERRORS_NAMED else ""
        notes.append(f"Rows skipped because the detector rejected them: {len(rejected)}: {named}{more}")

    print(f"model {model.name} {model.version}, mode {args.mode}")
    print("\n".join(notes))
    print(format_summary(result, args.threshold_mode))

    data_files = [(str(path), file_sha256(path)) for path in args.data]
    command = _command_line(args)
    if args.report is not None:
        _write(args.report, render_markdown(result, REPORT_TITLE, command, model, data_files, notes=notes))
    if args.json is not None:
        payload = {
            "command": command,
            "model": asdict(model),
            "mode": args.mode,
            "threshold_mode": args.threshold_mode,
            "data_files": [{"path": path, "sha256": digest} for path, digest in data_files],
            "rows_scored": len(scored),
            "rejected": [{"id": row.get("id"), "error": str(err)} for row, err in rejected],
            "result": result.to_dict(),
        }
        _write(args.json, json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    return 0
