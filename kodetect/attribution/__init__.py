"""Which model family a text most resembles: `Detection.attribution`, beside the verdict.

The classifier (kodetect/artifacts/attribution.{npz,json}) is loaded on the first text that needs it
(an `ai` or `uncertain` verdict) and then shared by every Detector in the process, so `human`
verdicts never pay for it. $KODETECT_ATTRIBUTION_MODEL points at another artifact (path without
extension).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from kodetect.attribution.model import AttributionModel
from kodetect.detection import Attribution
from kodetect.text.segment import Sentence

PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "artifacts" / "attribution"
MODEL_ENV = "KODETECT_ATTRIBUTION_MODEL"
# Verdicts that get an attribution: naming a model family for a text judged human would be noise.
ATTRIBUTED_VERDICTS = frozenset({"ai", "uncertain"})

_models: dict[Path, AttributionModel] = {}
_lock = threading.Lock()


def model_path() -> Path:
    configured = os.environ.get(MODEL_ENV)
    return Path(configured) if configured else PACKAGED_MODEL


def attribution_model(path: str | Path | None = None) -> AttributionModel:
    """The artifact at `path` (default: $KODETECT_ATTRIBUTION_MODEL, else the packaged one), loaded once."""
    resolved = Path(path) if path is not None else model_path()
    with _lock:
        if resolved not in _models:
            _models[resolved] = AttributionModel.load(resolved)
        return _models[resolved]


def attribute(original: str, sentences: Sequence[Sentence]) -> Attribution:
    """The family the text most resembles, from the text as given and its analysed sentences."""
    return attribution_model().attribute(original, sentences)
