"""kodetect: offline detection of AI-generated Korean text."""

from kodetect.detection import Detection, Evidence, ModelInfo, NormalizationReport, SentenceScore
from kodetect.detector import DEFAULT_THRESHOLD_MODE, MODES, THRESHOLD_MODES, Detector
from kodetect.errors import InputError, KodetectError, ModelError
from kodetect.version import __version__

__all__ = [
    "DEFAULT_THRESHOLD_MODE",
    "Detection",
    "Detector",
    "Evidence",
    "InputError",
    "KodetectError",
    "MODES",
    "ModelError",
    "ModelInfo",
    "NormalizationReport",
    "SentenceScore",
    "THRESHOLD_MODES",
    "__version__",
]
