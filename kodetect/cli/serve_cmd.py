"""`kodetect serve`: the HTTP API and web page, one uvicorn process with the model loaded once."""

from __future__ import annotations

import argparse
from pathlib import Path

from kodetect.cli.arguments import positive_float, positive_int
from kodetect.detector import DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES
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
    parser.add_argument("--workers", type=positive_int, default=1, help="threads scoring at once (default 1)")
    parser.add_argument("--queue-size", type=positive_int, default=8,
                        help="scoring jobs running or waiting before requests get 503 (default 8)")


def run_serve(args: argparse.Namespace) -> int:
    # Imported here so `kodetect --help` does not pay for uvicorn and FastAPI.
    import uvicorn

    from kodetect.serve.app import ServerSettings, create_app

    settings = ServerSettings(
        mode=args.mode,
        threshold_mode=args.threshold_mode,
        max_file_bytes=int(args.max_file_mb * 1024 * 1024),
        queue_size=args.queue_size,
        workers=args.workers,
        db_path=args.db if args.db is not None else default_db_path(),
        store_text=args.store_text,
        model_path=args.model,
        profile=args.profile,
    )
    # One uvicorn worker: the model is loaded once, here, and shared by every request.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, workers=1)
    return 0
