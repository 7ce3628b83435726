"""Arguments shared by the subcommands, so every command rejects bad numbers, and chooses a mode, threshold
mode or profile, the same way."""

from __future__ import annotations

import argparse

from kodetect.detector import DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES
from kodetect.errors import InputError
from kodetect.profiles import Profile, load_profile


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def rate(value: str) -> float:
    """A proportion strictly between 0 and 1, e.g. a false-positive rate of 0.01."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number < 1:
        raise argparse.ArgumentTypeError(f"expected a rate between 0 and 1 (0.01 for 1%), got {value!r}")
    return number


def add_detector_options(parser: argparse.ArgumentParser) -> None:
    """--mode, --threshold-mode and --profile, shared by check, batch and eval (`detector_options`)."""
    parser.add_argument("--mode", choices=MODES, default=None,
                        help=f"scoring mode (default: the profile's, else {MODES[0]})")
    parser.add_argument("--threshold-mode", choices=THRESHOLD_MODES, default=None,
                        help=f"decision thresholds (default: {DEFAULT_THRESHOLD_MODE})")
    parser.add_argument("--profile", metavar="NAME|FILE.json", default=None,
                        help="thresholds fitted to your own writing (`kodetect profile create`) instead of a "
                        "threshold mode")


def detector_options(args: argparse.Namespace) -> tuple[str, str | None, Profile | None]:
    """(mode, threshold mode, profile) from the options. The profile is read first, so a missing or stale one
    fails before any input is read; it sets the mode unless --mode says otherwise, and its thresholds
    replace the threshold mode, so asking for both is an error rather than a silent choice."""
    profile = load_profile(args.profile) if args.profile else None
    if profile is not None and args.threshold_mode is not None:
        raise InputError("--profile brings its own thresholds; drop --threshold-mode")
    mode = args.mode or (profile.mode if profile is not None else MODES[0])
    return mode, None if profile is not None else (args.threshold_mode or DEFAULT_THRESHOLD_MODE), profile
