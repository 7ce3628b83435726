"""`kodetect eval`: score labelled JSONL files with the detector and report detection metrics."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from kodetect.cli.arguments import add_detector_options, detector_options, positive_int
from kodetect.detection import Detection
from kodetect.detector import Detector
from kodetect.errors import InputError, KodetectError
from kodetect.eval.attacks import ATTACKS, DESCRIPTIONS, attack_rng
from kodetect.eval.data import file_sha256, read_rows
from kodetect.eval.evaluate import FPR_BUDGETS, EvalResult, GroupResult, evaluate, percent, render_markdown

REPORT_TITLE = "kodetect evaluation"
# How many rejected rows are named in the summary and report; the JSON lists them all.
_ERRORS_NAMED = 5


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `eval` subcommand's arguments to `parser`."""
    parser.add_argument("data", nargs="+", type=Path, help="JSONL files with rows {id, text, label, ...}")
    parser.add_argument("--report", type=Path, metavar="FILE.md", help="write a markdown report here")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON here")
    add_detector_options(parser)  # --mode, --threshold-mode (verdicts and the summary), --profile
    parser.add_argument("--limit", type=positive_int, metavar="N", help="use only the first N rows per file")
    parser.add_argument(
        "--attack",
        action="append",
        metavar="NAME",
        help="also evaluate the rows after this edit (repeatable or comma-separated; 'all' for every one): "
        + ", ".join(ATTACKS),
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the attacks' random choices (default: 0)")


def parse_attacks(values: Sequence[str] | None) -> list[str]:
    """Attack names from repeated / comma-separated --attack values, in registry order, without repeats."""
    names = {name.strip() for value in values or () for name in value.split(",") if name.strip()}
    if "all" in names:
        return list(ATTACKS)
    unknown = sorted(names - set(ATTACKS))
    if unknown:
        raise InputError(f"unknown attack {', '.join(unknown)}; choose from all, {', '.join(ATTACKS)}")
    return [name for name in ATTACKS if name in names]


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


def _command_line(args: argparse.Namespace, mode: str, threshold_mode: str | None) -> str:
    parts = ["kodetect", "eval", *map(str, args.data), "--mode", mode]
    parts += ["--profile", str(args.profile)] if args.profile else ["--threshold-mode", str(threshold_mode)]
    for flag, value in (("--limit", args.limit), ("--report", args.report), ("--json", args.json)):
        if value is not None:
            parts += [flag, str(value)]
    if getattr(args, "attack", None):
        parts += ["--attack", ",".join(parse_attacks(args.attack)), "--seed", str(args.seed)]
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


def _score_rows(detector: Detector, rows: Sequence[dict], texts: Sequence[str]):
    """Evaluate the detector on `texts` (row i's text, possibly edited) against the rows' labels.

    Returns the result and the (row, error) pairs the detector rejected."""
    outcomes = score_texts(detector, texts)
    scored = [(row, d) for row, d in zip(rows, outcomes, strict=True) if isinstance(d, Detection)]
    rejected = [(row, e) for row, e in zip(rows, outcomes, strict=True) if isinstance(e, InputError)]
    if not scored:
        raise InputError(f"the detector rejected every row (first: {rejected[0][1]})")
    result = evaluate(
        [row for row, _ in scored],
        [d.ai_probability for _, d in scored],
        [d.verdict for _, d in scored],
        detector.thresholds,
    )
    return result, scored, rejected


def attacked_texts(rows: Sequence[dict], attack: str, seed: int) -> list[str]:
    """Every row's text after `attack`, human rows included: people edit their own writing too (spacing,
    commas, endings, pasting from a word processor), so an edit applied to AI text only would measure
    how the detector tells edited from unedited text rather than AI from human."""
    return [
        ATTACKS[attack](row["text"], attack_rng(seed, attack, row.get("id", index))) for index, row in enumerate(rows)
    ]


def _attack_line(name: str, result: EvalResult, clean: EvalResult, threshold_mode: str) -> dict:
    g = result.overall
    drop = clean.overall.auroc - g.auroc
    return {
        "attack": name,
        "rows_rated": g.n_human + g.n_ai - g.abstained_human - g.abstained_ai,
        "auroc": g.auroc,
        "tpr_at_1pct_fpr": g.tpr_at_fpr[FPR_BUDGETS[0]],
        "fpr": g.at_threshold[threshold_mode].fpr,
        "tpr": g.at_threshold[threshold_mode].tpr,
        "auroc_drop": drop,
    }


def format_attack_table(lines: Sequence[dict], threshold_mode: str, markdown: bool = False) -> str:
    """One row per attack: AUROC, TPR at 1% FPR, FPR/TPR at the threshold mode, AUROC drop vs clean."""
    header = ["attack", "rated", "AUROC", "TPR@1%FPR", f"FPR {threshold_mode}", f"TPR {threshold_mode}", "AUROC drop"]
    rows = [
        [
            line["attack"],
            str(line["rows_rated"]),
            percent(line["auroc"]),
            percent(line["tpr_at_1pct_fpr"]),
            percent(line["fpr"]),
            percent(line["tpr"]),
            percent(line["auroc_drop"]),
        ]
        for line in lines
    ]
    if markdown:
        return "\n".join(["| " + " | ".join(r) + " |" for r in [header, ["---"] * len(header), *rows]])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        " ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
        for r in [header, *rows]
    )


def _attack_report(lines: Sequence[dict], threshold_mode: str, seed: int) -> str:
    return "\n".join(
        [
            "## Attacks",
            "",
            f"Each attack is applied to every row, human and AI alike (seed {seed}): people edit their own "
            "writing too, so editing only the AI rows would measure edited-vs-unedited instead of AI-vs-human. "
            f"Rates in percent at threshold mode {threshold_mode}; AUROC drop is clean AUROC minus attacked "
            "AUROC, ×100; rated counts the rows given a probability (the others abstained). "
            "The model and its thresholds are those of the clean evaluation above.",
            "",
            format_attack_table(lines, threshold_mode, markdown=True),
            "",
            *(f"- `{line['attack']}`: {DESCRIPTIONS[line['attack']]}" for line in lines if line["attack"] in ATTACKS),
            "",
        ]
    )


def run_eval(args: argparse.Namespace) -> int:
    """Score the files, print a summary, and write the requested report files. Returns the exit code."""
    attacks = parse_attacks(getattr(args, "attack", None))
    seed = getattr(args, "seed", 0)
    mode, threshold_mode, profile = detector_options(args)
    rows = load_rows(args.data, args.limit)
    detector = Detector(mode=mode, threshold_mode=threshold_mode, profile=profile)
    threshold_mode = detector.threshold_mode  # `profile:NAME` with a profile
    result, scored, rejected = _score_rows(detector, rows, [row["text"] for row in rows])

    model = detector.model_info
    notes = [f"Rows scored: {len(scored)}"]
    if profile is not None:
        notes.append(f"Thresholds of profile {profile.name} ({profile.description or 'no description'}): "
                     f"{profile.promise()}")
    if args.limit is not None:
        notes.append(f"Only the first {args.limit} rows of each file were used")
    if rejected:
        named = ", ".join(f"{row.get('id', '?')} ({err})" for row, err in rejected[:_ERRORS_NAMED])
        more = f" and {len(rejected) - _ERRORS_NAMED} more" if len(rejected) > _ERRORS_NAMED else ""
        notes.append(f"Rows skipped because the detector rejected them: {len(rejected)}: {named}{more}")

    print(f"model {model.name} {model.version}, mode {mode}")
    print("\n".join(notes))
    print(format_summary(result, threshold_mode))

    attack_lines = [_attack_line("clean", result, result, threshold_mode)] if attacks else []
    attack_results = {}
    for name in attacks:
        attack_results[name], _, _ = _score_rows(detector, rows, attacked_texts(rows, name, seed))
        attack_lines.append(_attack_line(name, attack_results[name], result, threshold_mode))
    if attacks:
        print(f"\nattacks (seed {seed}, applied to human and AI rows alike; rates in %, AUROC drop vs clean):")
        print(format_attack_table(attack_lines, threshold_mode))

    data_files = [(str(path), file_sha256(path)) for path in args.data]
    command = _command_line(args, mode, threshold_mode)
    if args.report is not None:
        report = render_markdown(result, REPORT_TITLE, command, model, data_files, notes=notes)
        if attacks:
            report += "\n" + _attack_report(attack_lines, threshold_mode, seed)
        _write(args.report, report)
    if args.json is not None:
        payload = {
            "command": command,
            "model": asdict(model),
            "mode": mode,
            "threshold_mode": threshold_mode,
            "profile": None if profile is None else profile.to_dict(),
            "data_files": [{"path": path, "sha256": digest} for path, digest in data_files],
            "rows_scored": len(scored),
            "rejected": [{"id": row.get("id"), "error": str(err)} for row, err in rejected],
            "result": result.to_dict(),
        }
        if attacks:
            payload["attack_seed"] = seed
            payload["attacks"] = {
                "summary": [
                    {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in line.items()}
                    for line in attack_lines
                ],
                "results": {name: r.to_dict() for name, r in attack_results.items()},
            }
        _write(args.json, json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    return 0
