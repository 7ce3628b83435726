"""From raw text to what the classifier reads: the one path shared by training and detection.

Feature families plug in here: the core detector has the stylometric family and the character
n-gram text; deep mode adds language-model statistics as one more family.
"""

from __future__ import annotations

from dataclasses import dataclass

from kodetect.features.stylometry import stylometric_features
from kodetect.text.normalize import NormalizedText, normalize
from kodetect.text.segment import Analysis, analyze


@dataclass(frozen=True)
class Prepared:
    normalized: NormalizedText
    analysis: Analysis


def prepare(text: str) -> Prepared:
    normalized = normalize(text)
    return Prepared(normalized, analyze(normalized.text))


def core_features(analysis: Analysis) -> dict[str, float]:
    return stylometric_features(analysis)


def analysis_text(analysis: Analysis) -> str:
    """The text of the analysed sentences only, for text-level models such as character n-grams."""
    return "\n".join(s.text for s in analysis.sentences)
