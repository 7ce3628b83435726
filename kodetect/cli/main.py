"""The `kodetect` command line: `check` and `batch` here, the other commands in their own modules.

Exit codes: 0 success, 2 bad usage or bad input, 1 any other kodetect error (e.g. a missing model).
Errors the user can fix are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable

from kodetect.cli.arguments import add_detector_options, detector_options, positive_int
from kodetect.cli.render import LANGS, render_detection, should_color
from kodetect.detector import Detector
from kodetect.documents import ExtractedDocument, read_document
from kodetect.errors import InputError, KodetectError
from kodetect.explain.placement import placement
from kodetect.profiles import Profile
from kodetect.text.decode import decode_bytes
from kodetect.version import __version__

PROG = "kodetect"
STDIN_NAME = "<stdin>"

AddArguments = Callable[[argparse.ArgumentParser], None]
RunCommand = Callable[[argparse.Namespace], int]


# Commands owned by other modules, imported only when they run (`_load`), so `check` and `batch` neither
# pay for their imports (training pulls in heavy libraries) nor break when they are absent.
EXTERNAL_COMMANDS = {
    "eval": "measure accuracy on a labelled data set",
    "train": "train a model artifact",
    "serve": "run the HTTP API and web page",
    "feedback": "export collected feedback",
    "recalibrate": "refit calibration and thresholds from feedback",
    "profile": "fit thresholds to your own writing: create, list, show, delete profiles",
    "lm-features": "precompute the language-model features deep-mode training reads",
    "calibrate-sentences": "refit a model's sentence calibration and evidence medians on its validation data",
}


def _load(name: str) -> tuple[AddArguments, RunCommand]:
    """The command's argument builder and runner, imported from its own module in kodetect/cli/."""
    if name == "eval":
        from kodetect.cli.eval_cmd import add_eval_arguments as add_arguments
        from kodetect.cli.eval_cmd import run_eval as run
    elif name == "train":
        from kodetect.cli.train_cmd import add_train_arguments as add_arguments
        from kodetect.cli.train_cmd import run_train as run
    elif name == "serve":
        from kodetect.cli.serve_cmd import add_serve_arguments as add_arguments
        from kodetect.cli.serve_cmd import run_serve as run
    elif name == "feedback":
        from kodetect.cli.feedback_cmd import add_feedback_arguments as add_arguments
        from kodetect.cli.feedback_cmd import run_feedback as run
    elif name == "recalibrate":
        from kodetect.cli.recalibrate_cmd import add_recalibrate_arguments as add_arguments
        from kodetect.cli.recalibrate_cmd import run_recalibrate as run
    elif name == "profile":
        from kodetect.cli.profile_cmd import add_profile_arguments as add_arguments
        from kodetect.cli.profile_cmd import run_profile as run
    elif name == "lm-features":
        from kodetect.cli.lm_features_cmd import add_lm_features_arguments as add_arguments
        from kodetect.cli.lm_features_cmd import run_lm_features as run
    elif name == "calibrate-sentences":
        from kodetect.cli.calibrate_cmd import add_calibrate_arguments as add_arguments
        from kodetect.cli.calibrate_cmd import run_calibrate as run
    else:
        raise KeyError(name)
    return add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    try:
        if args.command in EXTERNAL_COMMANDS:
            return _run_external(args.command, extra)
        if extra:
            args.subparser.error(f"unrecognized arguments: {' '.join(extra)}")
        return args.handler(args)
    except InputError as exc:
        _print_error(exc)
        return 2
    except KodetectError as exc:
        _print_error(exc)
        return 1
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Offline detector of AI-generated Korean text.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="score one text (a file, or stdin)",
                                description="Score one text and explain the verdict.")
    check.add_argument("file", nargs="?", metavar="FILE",
                       help="file to check: .txt (UTF-8, UTF-16 or CP949), .docx, .pdf, .hwp or .hwpx, told apart "
                       "by content; '-' or omitted reads text from stdin")
    check.add_argument("--json", action="store_true", help="print the detection as one JSON object")
    check.add_argument("--lang", choices=LANGS, default="ko",
                       help="language of the readable view and its evidence sentences (default: ko, Korean)")
    add_detector_options(check)
    check.set_defaults(handler=_cmd_check, subparser=check)

    batch = commands.add_parser("batch", help="score many texts into a JSONL or Parquet file",
                                description="Score every text in a .jsonl, .csv or .parquet file, one document, or a "
                                "folder of .txt/.docx/.pdf/.hwp/.hwpx documents, streaming: one output row per input.")
    batch.add_argument("input", metavar="INPUT",
                       help=".jsonl file, .csv file (with a header row), .parquet file, one document, or a folder of "
                       "documents")
    batch.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                       help="where to write results: a .parquet file, else JSONL ('-' for stdout)")
    batch.add_argument("--text-field", default="text", help="field/column holding the text (default: text)")
    batch.add_argument("--id-field", default="id",
                       help="field/column holding the id (default: id; the 0-based row number when missing)")
    batch.add_argument("--workers", type=_workers, default=1, metavar="N|auto",
                       help="processes (local) or actors (ray) scoring in parallel, each with its own model "
                       "(~350 MB each in fast mode); auto: one per core (default 1)")
    batch.add_argument("--resume", action="store_true",
                       help="keep OUTPUT's finished rows and score only the ids not in it yet")
    batch.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: a process pool on this machine (default); ray: Ray Data, locally or on a "
                       "cluster (pip install 'kodetect[ray]')")
    batch.add_argument("--ray-address", metavar="ADDRESS", default=None,
                       help="Ray cluster to use with --engine ray, e.g. ray://head:10001 or auto "
                       "(default: $RAY_ADDRESS, else a local Ray started for this run)")
    batch.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                       help="texts per Ray actor call (default 32)")
    batch.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bar with documents/s and ETA on stderr (default: only when stderr is a "
                       "terminal)")
    add_detector_options(batch)
    batch.set_defaults(handler=_cmd_batch, subparser=batch)

    for name, help_text in EXTERNAL_COMMANDS.items():
        # No own options here: the real parser is built from the command's module when it runs.
        commands.add_parser(name, help=help_text, add_help=False)
    return parser


def _make_detector(mode: str, threshold_mode: str | None, profile: Profile | None = None) -> Detector:
    """The one place the CLI builds a Detector (tests replace it)."""
    return Detector(mode=mode, threshold_mode=threshold_mode, profile=profile)


def _detector_factory(profile: Profile | None) -> Callable[[str, str | None], Detector]:
    """(mode, threshold mode) -> Detector, with the profile when there is one."""
    return _make_detector if profile is None else functools.partial(_make_detector, profile=profile)


def _cmd_check(args: argparse.Namespace) -> int:
    mode, threshold_mode, profile = detector_options(args)
    if args.file in (None, "-"):
        if args.file is None and sys.stdin is not None and sys.stdin.isatty():
            args.subparser.error("no input: give a FILE, or pipe text in")
        source = STDIN_NAME
        text = _read_stdin()
        document = None
    else:
        source = args.file
        # The content decides the format: a .hwp renamed .txt, or a file without an extension, still reads.
        document = read_document(args.file)
        text = document.text
    _require_text(text, source)

    detector = _detector_factory(profile)(mode, threshold_mode)
    detection = detector.detect(text)
    where = placement(getattr(detector, "reference", None), detection.ai_probability)
    if args.json:
        result = detection.to_dict()
        if document is not None and document.format != "txt":
            # Sentence offsets index the extracted text, so it comes along, as in the API's file route.
            result.update(extracted_text=text, document=document_info(document))
        if where is not None:
            result["placement"] = where.to_dict()
        output = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    else:
        output = render_detection(detection, color=should_color(sys.stdout),
                                  source=None if source == STDIN_NAME else source,
                                  document=document_info(document) if document else None,
                                  lang=args.lang, where=where)
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


def document_info(document: ExtractedDocument) -> dict[str, object]:
    return {"format": document.format, "pages": document.pages, "warnings": list(document.warnings)}


def _cmd_batch(args: argparse.Namespace) -> int:
    if args.engine == "local" and (args.ray_address or args.batch_size):
        args.subparser.error("--ray-address and --batch-size go with --engine ray")
    from kodetect.batch.run import BatchJob, run_batch

    mode, threshold_mode, profile = detector_options(args)
    job = BatchJob(input=args.input, output=args.output, mode=mode, threshold_mode=threshold_mode,
                   text_field=args.text_field, id_field=args.id_field, workers=args.workers, resume=args.resume,
                   engine=args.engine, ray_address=args.ray_address, batch_size=args.batch_size,
                   progress=args.progress, profile=profile)
    outcome = run_batch(job, _detector_factory(profile))
    print(outcome.summary(), file=sys.stderr)
    return outcome.exit_code


def _workers(value: str) -> int:
    if value == "auto":
        return os.cpu_count() or 1
    return positive_int(value)


def _run_external(name: str, argv: list[str]) -> int:
    try:
        add_arguments, run = _load(name)
    except ImportError as exc:
        _print_error(f"the '{name}' command is not available in this installation ({exc})")
        return 2
    parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=EXTERNAL_COMMANDS[name])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _read_stdin() -> str:
    stream = sys.stdin
    if stream is None:
        raise InputError("no input: stdin is closed")
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode("utf-8")
    return decode_bytes(data, source=STDIN_NAME)


def _require_text(text: str, source: str) -> None:
    if not text.strip():
        raise InputError(f"{source}: is empty (no text to check)")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _print_error(error: object) -> None:
    print(f"{PROG}: error: {_one_line(str(error))}", file=sys.stderr)


def _silence_stdout() -> None:
    # The reader went away (`| head`); point stdout at devnull so the exit-time flush stays silent.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
