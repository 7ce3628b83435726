"""`kodetect serve`: the HTTP API and web page: one uvicorn process answering, and a pool of worker
processes scoring (one per core by default), each with its model loaded once."""

from __future__ import annotations

import argparse
from pathlib import Path

from kodetect.cli.arguments import positive_float, positive_int
from kodetect.detector import DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES
from kodetect.serve.settings import ServerSettings
from kodetect.serve.store import default_db_path


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for the network)")
    parser.add_argument("--port", type=positive_int, default=8000, help="port (default 8000)")
    parser.add_argument("--mode", choices=MODES, default=MODES[0], help=f"default scoring mode (default {MODES[0]})")
    parser.add_argument("--threshold-mode", choices=THRESHOLD_MODES, default=DEFAULT_THRESHOLD_MODE,
                        help=f"default decision thresholds (default {DEFAULT_THRESHOLD_MODE})")
    parser.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help=f"feedback database (default $KODETECT_DB or {default_db_path()})")
    parser.add_argument("--store-text", action="store_true",
                        help="keep the checked texts in the database (default: only their SHA-256)")
    parser.add_argument("--max-file-mb", type=positive_float, default=10.0, help="largest upload in MiB (default 10)")
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model artifact without extension, e.g. one written by `kodetect recalibrate`")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="profile for requests that name neither a profile nor a threshold mode (in its mode); "
                        "requests may name any profile in the profile folder ($KODETECT_PROFILE_DIR)")
    parser.add_argument("--workers", type=worker_count, default=None, metavar="N|auto",
                        help="scoring processes, each with its own model (~350 MB in fast mode, ~1.3 GB more "
                             "once deep mode is used); auto: one per core (default); 0: score in the server process")
    parser.add_argument("--queue-budget", type=positive_float, default=ServerSettings.queue_budget_s, metavar="SECONDS",
                        help="requests wait while their expected wait is at most this; beyond it they get 503 "
                             f"with Retry-After (default {ServerSettings.queue_budget_s:g})")
    parser.add_argument("--timeout", type=positive_float, default=ServerSettings.request_timeout_s, metavar="SECONDS",
                        help="a request not answered within this (plus its own texts' expected time) gets 504 "
                             f"(default {ServerSettings.request_timeout_s:g})")
    parser.add_argument("--queue-size", type=positive_int, default=None,
                        help="also refuse (503) when this many requests are waiting (default: no limit but the budget)")


def worker_count(value: str) -> int | None:
    """`auto` (None: one per core) or a whole number, 0 meaning: score in the server process."""
    if value == "auto":
        return None
    if value.isdigit():
        return int(value)
    raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {value!r}")


def run_serve(args: argparse.Namespace) -> int:
    # Imported here so `kodetect --help` does not pay for uvicorn and FastAPI.
    import uvicorn

    from kodetect.serve.app import create_app

    settings = ServerSettings(
        mode=args.mode,
        threshold_mode=args.threshold_mode,
        max_file_bytes=int(args.max_file_mb * 1024 * 1024),
        queue_size=args.queue_size,
        workers=args.workers,
        queue_budget_s=args.queue_budget,
        request_timeout_s=args.timeout,
        db_path=args.db if args.db is not None else default_db_path(),
        store_text=args.store_text,
        model_path=args.model,
        profile=args.profile,
    )
    # One uvicorn process: it only receives, queues and answers; the scoring workers are its children.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, workers=1)
    return 0
