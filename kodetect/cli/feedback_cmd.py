"""`kodetect feedback export`: the feedback people gave in the web page, as JSONL."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kodetect.batch.sinks import open_output
from kodetect.errors import InputError
from kodetect.serve.store import default_db_path, export_feedback


def add_feedback_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write every feedback row, joined with its detection, as JSONL")
    export.add_argument("-o", "--output", default="-", metavar="FILE.jsonl", help="where to write (default: stdout)")
    export.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help=f"feedback database (default $KODETECT_DB or {default_db_path()})")


def run_feedback(args: argparse.Namespace) -> int:
    db = args.db if args.db is not None else default_db_path()
    try:
        rows = export_feedback(db)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from exc
    count = 0
    with open_output(args.output) as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    print(f"exported {count} feedback rows", file=sys.stderr)
    return 0
