"""`kodetect recalibrate`: refit calibration and thresholds from feedback plus the validation data."""

from __future__ import annotations

import argparse
from pathlib import Path

from kodetect.errors import InputError


def add_recalibrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, help="feedback database (default: the server's)")
    parser.add_argument("--base", type=Path, default=None,
                        help="model artifact to start from, without extension (default: the packaged model)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the new artifact (default: ~/.local/share/kodetect/models/<version>)")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder with dev/ and katfish/ (validation data)")


def run_recalibrate(args: argparse.Namespace) -> int:
    import numpy as np

    from kodetect.eval.data import data_dir
    from kodetect.model.artifact import ModelArtifact
    from kodetect.model.shipped import MIN_HANGUL, PACKAGED_MODELS
    from kodetect.serve.store import default_db_path, export_feedback
    from kodetect.training.dataset import build_sets
    from kodetect.training.featurize import featurize
    from kodetect.training.fit import FittedHeads, raw_scores
    from kodetect.training.recalibrate import raw_from_probability, recalibrate

    base = ModelArtifact.load(args.base or PACKAGED_MODELS["fast"])
    db = args.db or default_db_path()
    try:
        rows = [r for r in export_feedback(db) if r["ai_probability"] is not None]
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from exc
    # Only answers whose calibration we know can be turned back into raw scores of this classifier.
    calibrations = _known_calibrations(base)
    usable = [r for r in rows if r["model_version"] in calibrations]
    if not usable:
        raise InputError(f"{db}: no feedback on detections by model {base.version}; nothing to recalibrate with")
    feedback_raw = np.array([float(raw_from_probability(calibrations[r["model_version"]], r["ai_probability"]))
                             for r in usable])
    feedback_labels = np.array([1 if r["label"] == "ai" else 0 for r in usable])

    directory = args.data_dir or data_dir()
    if directory is None:
        raise InputError("validation data not found; pass --data-dir (a folder with dev/ and katfish/)")
    _, validation = build_sets(Path(directory), MIN_HANGUL)
    features, _, views = featurize([e.text for e in validation])
    validation_raw = raw_scores(FittedHeads(base.ngram_heads, base.fusion, base.genre), features, views)
    model = recalibrate(base, validation_raw, np.array([e.label for e in validation]),
                        np.array([e.group for e in validation]), feedback_raw, feedback_labels)
    out = args.out or Path.home() / ".local" / "share" / "kodetect" / "models" / model.version / "fast"
    model.save(out)
    print(f"recalibrated {base.version} with {len(usable)} feedback rows → model {model.version}")
    print(f"wrote {out}.npz and {out}.json; serve it with: kodetect serve --model {out}")
    return 0


def _known_calibrations(base):
    """Calibration of every version whose answers we can invert: the base, and the model it came from."""
    from kodetect.calibration.platt import PlattCalibration

    known = {base.version: base.calibration}
    previous = base.card.get("recalibration")
    if previous and "from_calibration" in previous:
        known[previous["from_version"]] = PlattCalibration(**previous["from_calibration"])
    return known
