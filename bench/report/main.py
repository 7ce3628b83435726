"""Benchmark report: measure kodetect against the published anchors and write BENCHMARKS.md with figures.

    python -m bench                         # everything, deep mode included (see BENCHMARKS.md for the time)
    python -m bench --quick                 # CI: one seed, subsampled texts, fast mode only (minutes)
    python -m bench --only katfish,length   # selected sections
    python -m bench --no-deep               # skip deep mode and the zero-shot LM scores
    python -m bench --keep .bench-sections  # resumable: reuse the sections an interrupted run finished

Sections: katfish, loso, families, attribution, cross-genre, length, calibration, profiles, abstention, attacks,
sentences, speed, batch, serve (the last two include bench/results/batch_*.md, measured by
bench/report/batch_throughput.py and bench/report/batch_resume.py, and bench/results/serve_load*.md,
measured by bench/report/serve_load.py). Run from the repository root; needs ../shared/data (or
$KODETECT_DATA_DIR) and exits 2 without it. Deep mode's language-model features of the benchmark texts ship in
bench/lm_cache/ and are copied into the local cache first (checked by re-scoring a few; see
bench/report/lm_seed.py; --no-lm-seed skips that). Figures go to docs/figures/ next to --out (or
--figures). A full run (no --quick, no --only) also rewrites the README's "How accurate is it?"
section from the same numbers; --readme/--no-readme override that.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report.runner import PARALLEL, SECTIONS, fill_caches, run_one, worker
from kodetect.eval.data import DATA_DIR_ENV, data_dir

if TYPE_CHECKING:
    from bench.report.context import Context
    from bench.report.markdown import Section


def _sections(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown section(s) {', '.join(unknown) or '(none)'}; "
                                          f"choose from {', '.join(SECTIONS)}")
    return chosen


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"), help="report path (default BENCHMARKS.md)")
    parser.add_argument("--figures", type=Path, help="figure folder (default: docs/figures next to --out)")
    parser.add_argument("--quick", action="store_true", help="one seed, subsampled texts, fast mode only")
    parser.add_argument("--only", type=_sections, help=f"comma-separated sections: {', '.join(SECTIONS)}")
    deep = parser.add_mutually_exclusive_group()
    deep.add_argument("--deep", dest="deep", action="store_true", default=None,
                      help="measure deep mode and the zero-shot LM scores (default on, off with --quick)")
    deep.add_argument("--no-deep", dest="deep", action="store_false")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for the retraining sections (default: 2, or 1 on one core)")
    parser.add_argument("--no-lm-seed", action="store_true",
                        help="do not copy the shipped language-model features (bench/lm_cache/) into the local cache")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="save each finished section in DIR and reuse those saved there by an earlier run with "
                             "the same settings, data and shipped models (delete a file to re-measure it)")
    readme = parser.add_mutually_exclusive_group()
    readme.add_argument("--readme", type=Path, help="rewrite this README's marked summary section")
    readme.add_argument("--no-readme", action="store_true", help="never touch the README")
    return parser.parse_args(argv)


def _run_time_label(sections: list[Section]) -> str:
    runs = {s.measured_by for s in sections if s.measured_by is not None}
    if not runs:
        return "run time"
    # Kept sections may have been measured side by side, so their times add up to more than the wall clock.
    return f"run time (sum of the sections' own times; {len(runs)} earlier run(s) kept with --keep, some side by side)"


def _preamble(ctx: Context, sections: list[Section], seconds: float, english: str, korean: str) -> list[str]:
    from bench.report.markdown import table
    from kodetect.version import __version__

    settings = ctx.settings
    kind = ("**Quick run** (`--quick`): one KatFish seed, subsampled texts, fast mode only. The full report comes "
            "from `python -m bench`." if settings.quick else
            "Full run: all five KatFish seeds and every held-out text (deep mode: stratified samples, wherever it "
            "could run; each section says what it skipped and why).")
    run_rows = [
        ["command", f"`{ctx.command}`"],
        ["date (UTC)", f"{ctx.started:%Y-%m-%d %H:%M}"],
        ["kodetect", __version__],
        *[[f"model, {mode}", version] for mode, version in sorted(ctx.model_versions.items())],
        ["machine", f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"],
        *([["language-model features", ctx.lm_seeding.describe()]] if ctx.lm_seeding else []),
        [_run_time_label(sections),
         f"{seconds / 60:.1f} min (" + ", ".join(f"{s.key} {s.seconds:.0f} s" for s in sections) + ")"],
    ]
    return [
        "Generated by `python -m bench`; do not edit by hand. " + kind,
        "AUROC and rates are ×100 unless a column says otherwise; `–` means not applicable (a group lacks a "
        "class). Every section states the command, date, model and the sha256 prefixes of the data files it read.",
        table(["run", ""], run_rows),
        table(["data file", "sha256"], [[f"`{name}`", f"`{digest}`"] for name, digest in ctx.data_hashes.items()]),
        f"## Summary\n\n{english}\n\n{korean}",
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    data = data_dir()
    if data is None:
        print(f"python -m bench: the shared data folder was not found (../shared/data next to the repository, "
              f"or set {DATA_DIR_ENV})", file=sys.stderr)
        return 2
    from bench.report import summary
    from bench.report.context import FULL, QUICK, Context, Unavailable
    from bench.report.markdown import document

    settings = QUICK if args.quick else FULL
    if args.deep is not None:
        settings = replace(settings, deep=args.deep)
    out = args.out.resolve()
    figures_dir = (args.figures or out.parent / "docs" / "figures").resolve()
    started = datetime.now(UTC)
    date = f"{started:%Y-%m-%d %H:%M} UTC"
    context_args = (settings, data, " ".join(["python -m bench", *argv]), started, out, figures_dir)
    ctx = Context(*context_args)
    chosen = args.only or list(SECTIONS)
    done: dict[str, Section] = {}
    failed = []
    clock = time.perf_counter()
    reused_seconds = 0.0
    try:
        try:
            ctx.detector("fast")  # the header names the shipped model even when no section loads it
        except Unavailable as exc:
            print(f"warning: {exc}", file=sys.stderr)
        if settings.deep and not args.no_lm_seed and ctx.deep_recipes_reason is None:
            from bench.report.context import with_edited_copies
            from bench.report.lm_seed import seed_local_cache

            ctx.lm_seeding = seed_local_cache(with_edited_copies(ctx.protocol_texts))
            if ctx.lm_seeding:
                print(f"[bench] {ctx.lm_seeding.describe()}", file=sys.stderr, flush=True)
        if args.keep is not None:
            from bench.report import keep

            # Taken before anything is measured: a section is stamped with the artifacts it was measured with.
            fingerprints = {key: keep.fingerprint(ctx, key) for key in chosen}
            for key in chosen:
                kept = keep.load(args.keep, key, fingerprints[key])
                if kept is not None:
                    kept.section.measured_by = (kept.command, kept.date)
                    done[key] = kept.section
                    ctx.model_versions.update(kept.model_versions)
                    reused_seconds += kept.section.seconds
                    print(f"[bench] {key}: reusing the section measured by `{kept.command}` on {kept.date}",
                          file=sys.stderr, flush=True)

        def record(key: str, section: Section, ok: bool, versions: dict[str, str]) -> None:
            done[key] = section
            if not ok:
                failed.append(key)
            elif args.keep is not None:
                keep.save(args.keep, key, keep.Kept(fingerprints[key], ctx.command, date, section, dict(versions)))

        parallel = [k for k in PARALLEL if k in chosen and k not in done]
        if args.jobs > 1 and len(parallel) > 1:
            fill_caches(ctx)
            # Spawned, not forked: the parent has loaded Kiwi and maybe torch, which do not fork safely.
            with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {key: pool.submit(worker, key, context_args) for key in parallel}
                for key, future in futures.items():
                    section, ok, versions = future.result()
                    ctx.model_versions.update(versions)
                    record(key, section, ok, versions)
        for key in [k for k in chosen if k not in done]:
            record(key, *run_one(ctx, key), ctx.model_versions)
        sections = [done[k] for k in SECTIONS if k in done]
        # Reused sections count with the time they took when measured, so the total is the report's cost.
        total = time.perf_counter() - clock + reused_seconds
        english, korean = summary.build(ctx, {s.key: s for s in sections}, out.name)
        report = document("kodetect benchmarks", _preamble(ctx, sections, total, english, korean), sections,
                          ctx.command, date, ctx.data_hashes)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report, "utf-8")
        print(f"[bench] wrote {out} in {total / 60:.1f} min", file=sys.stderr)
        readme = args.readme
        if readme is None and not args.no_readme and not args.quick and args.only is None:
            readme = Path("README.md")
        if readme is not None:
            if summary.update_readme(readme, summary.readme_block(english, korean)):
                print(f"[bench] updated the summary section of {readme}", file=sys.stderr)
            else:
                print(f"[bench] {readme} has no {summary.START} ... {summary.END} markers; left unchanged",
                      file=sys.stderr)
        print(english + "\n\n" + korean)
    finally:
        ctx.close()
    return 1 if failed else 0
