"""Why a detection came out as it did, in sentences a reader can check against the text.

Every signal the classifier reads has a Korean and English description (`catalog`). The evidence of a
detection names what was observed in this text: counts and quotes for the stylometric signals
(`stylometry`, `punctuation`), the words, particles and endings that pushed the n-gram heads most
(`phrases`), and, in deep mode, the language model's statistics with the sentence where each is
strongest (`models`). The numbers stay in the `Evidence` fields for machines.
"""

from kodetect.explain.catalog import SIGNALS, signal, signal_map
from kodetect.explain.context import TextContext, Windows
from kodetect.explain.evidence import EVIDENCE_ITEMS, NEUTRAL_CONTRIBUTION, feature_evidence, tampering_evidence

__all__ = [
    "EVIDENCE_ITEMS",
    "NEUTRAL_CONTRIBUTION",
    "SIGNALS",
    "TextContext",
    "Windows",
    "feature_evidence",
    "signal",
    "signal_map",
    "tampering_evidence",
]
