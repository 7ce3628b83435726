"""Refit what explains an artifact's answers, on its own validation pool, without retraining it:
the sentence calibration, the validation medians the evidence sentences compare with, and the
Korean and English descriptions of its signals in the model card.

`kodetect train` runs it at its end; `kodetect calibrate-sentences --model PATH` (or
`python -m kodetect.training.sentence_calibration --model PATH`) runs it on an existing artifact.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import replace
from pathlib import Path

from kodetect.calibration.sentences import SentenceCalibration
from kodetect.detector import Detector
from kodetect.errors import InputError
from kodetect.explain.catalog import signal_map
from kodetect.model.artifact import ModelArtifact
from kodetect.training.dataset import load_pool
from kodetect.training.feature_reference import PER_CELL, feature_reference
from kodetect.training.sentence_fit import before_after, fit, mixed_documents, sentence_rows

# The version names what answers a request; sentence probabilities are part of that answer.
_SUFFIX = re.compile(r"\.sent-[0-9a-f]+$")
# Deep mode pays a language-model pass per document (about 2 CPU-seconds for a mixed document on two
# cores): by default it scores this many mixed documents and this many medians' texts per cell, not all.
DEEP_MAX_DOCUMENTS = 600
DEEP_PER_CELL = 30


def refit_explanations(model_path: Path, data_dir: Path, out: Path | None = None, max_documents: int | None = None,
                       per_cell: int | None = None, progress: bool = True) -> ModelArtifact:
    """Fit and write (to `out`, default in place) the artifact with its sentence calibration, feature
    medians and signal descriptions; returns the new artifact."""
    model = ModelArtifact.load(model_path)
    mode = "deep" if model.language_model else "fast"
    if max_documents is None and mode == "deep":
        max_documents = DEEP_MAX_DOCUMENTS
    if per_cell is None:
        per_cell = DEEP_PER_CELL if mode == "deep" else PER_CELL
    detector = Detector(mode=mode, model_path=model_path)
    _, validation = load_pool(data_dir, model.min_hangul, int(model.card.get("seed", 0)))
    documents = mixed_documents(validation, max_documents=max_documents)
    if progress:
        print(f"sentence calibration: scoring {len(documents)} mixed documents ({mode} mode)", file=sys.stderr)
    rows = sentence_rows(detector, documents, progress)
    sentence_map = fit(rows)
    sentence_map.fitted["in_sample"] = {k: round(float(v), 4) for k, v in before_after(detector, rows,
                                                                                      sentence_map).items()}
    if progress:
        print("feature medians of the validation texts", file=sys.stderr)
    reference = feature_reference(detector, validation, per_cell, progress)
    card = dict(model.card)
    card["feature_reference"] = reference
    card["signals"] = signal_map(model.fusion.names)
    refitted = replace(model, version=refit_version(model.version, sentence_map), card=card,
                       sentence_calibration=sentence_map)
    refitted.save(out or model_path)
    return refitted


def refit_version(version: str, sentence_map: SentenceCalibration) -> str:
    """`<base>.sent-<digest of the map's numbers>`: a refit replaces the suffix of an earlier one."""
    numbers = sentence_map.to_dict()
    numbers.pop("fitted", None)
    digest = hashlib.sha256(repr(sorted(numbers.items())).encode()).hexdigest()[:6]
    return f"{_SUFFIX.sub('', version)}.sent-{digest}"


def add_refit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True,
                        help="artifact path without extension, e.g. kodetect/artifacts/fast (written in place)")
    parser.add_argument("--out", type=Path, default=None, help="write the refitted artifact here instead")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with dev/ and katfish/ (default: ../shared/data or $KODETECT_DATA_DIR)")
    parser.add_argument("--max-documents", type=int, default=None,
                        help="at most this many mixed documents (default: one per human validation text in fast "
                        f"mode, {DEEP_MAX_DOCUMENTS} in deep mode, which pays a language-model pass for each)")
    parser.add_argument("--per-cell", type=int, default=None,
                        help=f"validation texts per source and side for the feature medians (default {PER_CELL}, "
                        f"{DEEP_PER_CELL} in deep mode)")


def run_refit(args: argparse.Namespace) -> int:
    from kodetect.eval.data import data_dir

    directory = args.data_dir or data_dir()
    if directory is None or not (Path(directory) / "dev" / "human.jsonl").exists():
        raise InputError("training data not found; pass --data-dir pointing at a folder with dev/ and katfish/")
    model = refit_explanations(args.model, Path(directory), args.out, args.max_documents, args.per_cell)
    calibration = model.sentence_calibration
    assert calibration is not None and calibration.fitted is not None
    fitted = calibration.fitted["in_sample"]
    print(f"wrote {args.out or args.model} (model {model.version}): sentence map slope {calibration.slope:.3f}, "
          f"intercept {calibration.intercept:.3f}, half weight {calibration.half_weight:g} syllables, document "
          f"weight {calibration.document_weight:.3f}, no score under {calibration.min_hangul} syllables; on its "
          f"{calibration.fitted['documents']} documents ECE {fitted['ece_before']:.3f} -> {fitted['ece_after']:.3f}")
    return 0
