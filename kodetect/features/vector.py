"""From raw text to what the classifier reads: the one path shared by training and detection.

Feature families plug in here: the core detector has the stylometric family and two hashed n-gram
views; deep mode adds language-model statistics as one more family.
"""

from __future__ import annotations

from dataclasses import dataclass

from kodetect.features.ngrams import VIEWS, char_view, morph_view
from kodetect.features.stylometry import stylometric_features
from kodetect.text.normalize import NormalizedText, normalize
from kodetect.text.segment import Analysis, Sentence, analyze


@dataclass(frozen=True)
class Prepared:
    normalized: NormalizedText
    analysis: Analysis


def prepare(text: str) -> Prepared:
    normalized = normalize(text)
    return Prepared(normalized, analyze(normalized.text))


def core_features(analysis: Analysis) -> dict[str, float]:
    return stylometric_features(analysis)


def ngram_views(sentences: tuple[Sentence, ...] | list[Sentence]) -> dict[str, str]:
    """The strings each n-gram head reads, for a run of sentences."""
    views = {"char_ngram": char_view(sentences), "morph_ngram": morph_view(sentences)}
    assert tuple(views) == VIEWS
    return views
