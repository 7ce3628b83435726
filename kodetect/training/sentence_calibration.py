"""Refit an artifact's sentence calibration (and its evidence medians) on its validation pool:

    python -m kodetect.training.sentence_calibration --model kodetect/artifacts/fast
    kodetect calibrate-sentences --model kodetect/artifacts/fast          # the same command

The fit is `kodetect.training.sentence_fit`, the artifact update `kodetect.training.refit`.
"""

from __future__ import annotations

import argparse

from kodetect.training.refit import add_refit_arguments, run_refit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kodetect.training.sentence_calibration", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_refit_arguments(parser)
    return run_refit(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
