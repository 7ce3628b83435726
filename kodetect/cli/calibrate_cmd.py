"""`kodetect calibrate-sentences`: refit an artifact's sentence calibration and evidence medians in place
(see kodetect.training.refit)."""

from __future__ import annotations

from kodetect.training.refit import add_refit_arguments as add_calibrate_arguments
from kodetect.training.refit import run_refit as run_calibrate

__all__ = ["add_calibrate_arguments", "run_calibrate"]
