"""From raw text to what the classifier reads: the one path shared by training and detection.

Feature families plug in here: the core detector has the stylometric family and three hashed n-gram
views; deep mode adds language-model statistics as one more family.

A detection scores several runs of sentences of one text with the same model: the whole document,
then each sentence together with its neighbours (`DocumentRuns`). Every matrix built from them has
one row per run in that order, so row 0 is always the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kodetect.features.ngrams import VIEW_STRING, VIEWS, char_view, morph_view
from kodetect.features.stylometry import SentenceStats, analysis_stats, stylometric_features
from kodetect.text.normalize import NormalizedText, normalize
from kodetect.text.segment import Analysis, Sentence, analyze

# The row of the whole document in a matrix built from `DocumentRuns`; the windows follow it.
DOCUMENT_ROW = 0


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
    strings = {"char_ngram": char_view(sentences), "morph_ngram": morph_view(sentences)}
    return {view: strings[VIEW_STRING[view]] for view in VIEWS}


@dataclass(frozen=True)
class Run:
    """Consecutive sentences scored as one text: their statistics, the sentences, and the span of the
    normalised text they cover (what the language-model features are aggregated over)."""

    stats: list[SentenceStats]
    sentences: list[Sentence]
    span: tuple[int, int]


@dataclass(frozen=True)
class DocumentRuns:
    """The runs one detection scores: the whole document (row `DOCUMENT_ROW`), then the window around
    each sentence, in sentence order (rows 1..n)."""

    document: Run
    windows: list[Run]

    def rows(self) -> list[Run]:
        return [self.document, *self.windows]

    @staticmethod
    def split(per_row: Any) -> tuple[Any, Any]:
        """Values with one entry per row → (the document's, the windows' in sentence order)."""
        return per_row[DOCUMENT_ROW], per_row[DOCUMENT_ROW + 1:]


def document_run(prepared: Prepared) -> Run:
    """The whole text as one run."""
    analysis = prepared.analysis
    return Run(analysis_stats(analysis), list(analysis.sentences), (0, len(prepared.normalized.text)))


def document_runs(prepared: Prepared, context: int) -> DocumentRuns:
    """The document, and each sentence with `context` neighbours on each side."""
    document = document_run(prepared)
    windows = []
    for i in range(len(document.stats)):
        lo, hi = max(0, i - context), i + context + 1
        sentences = document.sentences[lo:hi]
        windows.append(Run(document.stats[lo:hi], sentences, (sentences[0].start, sentences[-1].end)))
    return DocumentRuns(document, windows)
