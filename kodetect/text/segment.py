"""Sentence segmentation and morphological analysis with kiwipiepy, done once and reused by features.

Kiwi splits sentences and tags morphemes in one pass; every token carries its character offset and
Kiwi's own language-model score. Line breaks are also sentence boundaries here: poems and lists
have lines without final punctuation, and Kiwi would otherwise run them together.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from kiwipiepy import Kiwi, Token


class Morpheme(NamedTuple):
    """One Kiwi token as a plain value: reading attributes of Kiwi's own objects is slow."""

    form: str
    tag: str  # base tag: Kiwi's VV-R / VV-I (regular / irregular) become VV
    start: int
    len: int
    score: float  # Kiwi's language-model log-probability of this morpheme in context


@dataclass(frozen=True)
class Sentence:
    """A sentence of the clean text: [start, end) offsets into it, and its morphemes."""

    start: int
    end: int
    text: str
    tokens: tuple[Morpheme, ...]


@dataclass(frozen=True)
class Analysis:
    """A text with its sentences; the unit every feature function takes."""

    text: str
    sentences: tuple[Sentence, ...]

    @cached_property
    def tokens(self) -> list[Morpheme]:
        return [t for s in self.sentences for t in s.tokens]


_lock = threading.Lock()

# Chosen by measurement on 2 cores (see the closing note of the core-detector issue and
# bench/experiments/kiwi_options.py): the typo and multi-word dictionaries cost about 2 s and 190 MB at start-up.
KIWI_OPTIONS = {"num_workers": 0, "load_typo_dict": False, "load_multi_dict": False}


@lru_cache(maxsize=1)
def get_kiwi() -> Kiwi:
    """One Kiwi per process, single-threaded: batch scoring parallelises over processes instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # num_workers=0 changed meaning in 0.21
        return Kiwi(**KIWI_OPTIONS)


@contextmanager
def kiwi_session() -> Iterator[Kiwi]:
    """The process's Kiwi, held alone: a Kiwi instance is not safe to share between threads."""
    with _lock:
        yield get_kiwi()


def _split_at_newlines(text: str, start: int, end: int, tokens: list[Token]) -> Iterator[Sentence]:
    piece_start = start
    for pos in range(start, end + 1):
        if pos == end or text[pos] == "\n":
            left, right = piece_start, pos
            while left < right and text[left].isspace():
                left += 1
            while right > left and text[right - 1].isspace():
                right -= 1
            if right > left:
                inside = tuple(
                    Morpheme(t.form, t.tag.split("-", 1)[0], t.start, t.len, t.score)
                    for t in tokens
                    if left <= t.start < right
                )
                yield Sentence(left, right, text[left:right], inside)
            piece_start = pos + 1


def _sentences_from_kiwi(text: str, kiwi_sentences) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    for s in kiwi_sentences:
        out.extend(_split_at_newlines(text, s.start, s.end, list(s.tokens or [])))
    return tuple(out)


def analyze(text: str) -> Analysis:
    """Split `text` into sentences with their morphemes."""
    if not text.strip():
        return Analysis(text, ())
    with kiwi_session() as kiwi:
        kiwi_sentences = kiwi.split_into_sents(text, return_tokens=True)
    return Analysis(text, _sentences_from_kiwi(text, kiwi_sentences))
