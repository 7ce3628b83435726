"""What an evidence sentence may point at: the analysed text, quotes from what the person wrote, and the
typical values of human and AI validation texts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kodetect.explain.catalog import Unit, signal
from kodetect.features.stylometry import SentenceStats
from kodetect.text.normalize import NormalizedText
from kodetect.text.segment import Analysis, Morpheme

QUOTE_CHARS = 28
MAX_QUOTES = 3


@dataclass(frozen=True)
class Said:
    """One evidence sentence in Korean and English, and the quotes from the text it points at."""

    ko: str
    en: str
    quotes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Windows:
    """The fusion features of each sentence's window (rows in sentence order) and the fusion weights, for
    signals that have no countable unit: the sentence where the signal is strongest is quoted instead."""

    standardized: np.ndarray  # windows x features, standardised as the fusion head reads them
    coef: np.ndarray
    names: list[str]


@dataclass(frozen=True)
class TextContext:
    normalized: NormalizedText
    analysis: Analysis
    stats: list[SentenceStats]
    reference: dict[str, dict[str, float]] | None = None
    windows: Windows | None = None

    @property
    def text(self) -> str:
        return self.normalized.text

    @cached_property
    def tokens(self) -> list[Morpheme]:
        return self.analysis.tokens

    def quote(self, start: int, end: int, limit: int = QUOTE_CHARS) -> str:
        """What the person wrote at [start, end) of the clean text, on one line, cut to `limit` characters."""
        a, b = self.normalized.original_span(start, end)
        words = " ".join(self.normalized.original[a:b].split())
        return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"

    def word_span(self, start: int, end: int) -> tuple[int, int]:
        """[start, end) widened to the space-separated word(s) around it."""
        text = self.text
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        return start, end

    def word_before(self, position: int) -> tuple[int, int]:
        """The span from the start of the word before `position` (skipping one space) up to it."""
        text = self.text
        start = position
        while start > 0 and text[start - 1].isspace():
            start -= 1
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        return start, position

    def sentence_tail(self, index: int, limit: int = 16) -> str:
        s = self.analysis.sentences[index]
        words = " ".join(s.text.split())
        return words if len(words) <= limit else "…" + words[-(limit - 1):]

    def strongest_sentence(self, name: str, toward: str) -> str | None:
        """The sentence whose window pushes `name` furthest toward `toward` (ai or human), quoted."""
        w = self.windows
        if w is None or name not in w.names or len(w.standardized) == 0:
            return None
        j = w.names.index(name)
        pushes = w.standardized[:, j] * w.coef[j]
        i = int(np.argmax(pushes) if toward == "ai" else np.argmin(pushes))
        s = self.analysis.sentences[i]
        return self.quote(s.start, s.end, 40)

    def compare(self, name: str) -> tuple[str, str]:
        """A clause comparing with validation texts ('' when the model carries no reference values)."""
        typical = (self.reference or {}).get(name)
        if not typical or "human" not in typical or "ai" not in typical:
            return "", ""
        unit = signal(name).unit
        human, ai = typical["human"], typical["ai"]
        if name == "sentence_chars_log_mean":
            human, ai = math.expm1(human), math.expm1(ai)
        return (f" 검증용 글의 중간값은 사람 글 {value_text(human, unit, 'ko')}, "
                f"AI 글 {value_text(ai, unit, 'ko')}입니다.",
                f" Validation medians: human {value_text(human, unit, 'en')}, AI {value_text(ai, unit, 'en')}.")


def value_text(value: float, unit: Unit, lang: str) -> str:
    """A signal's value as it reads in a sentence."""
    if unit == "share":
        percent = 100 * value
        return f"{percent:.1f}%" if 0 < percent < 10 else f"{percent:.0f}%"
    if unit == "chars":
        return f"{value:.1f}자" if lang == "ko" else f"{value:.1f} characters"
    if unit in ("per_sentence", "per_100"):
        return f"{value:.2f}개" if lang == "ko" else f"{value:.2f}"
    if unit == "position":
        return f"{100 * value:.0f}% 지점" if lang == "ko" else f"{100 * value:.0f}% of the way"
    return f"{value:.2f}"


def share(k: int, n: int) -> str:
    percent = 100 * k / n if n else 0.0
    return f"{percent:.1f}%" if 0 < percent < 10 else f"{percent:.0f}%"


def top_counts(items: Iterable[str], n: int = MAX_QUOTES) -> list[tuple[str, int]]:
    return Counter(items).most_common(n)


def counted(pairs: Sequence[tuple[str, int]], lang: str, examples: dict[str, str] | None = None) -> str:
    """'-습니다' 9번(예: '있습니다'), '-ㅂ니다' 5번  /  '-습니다' ×9 (e.g. '있습니다'), '-ㅂ니다' ×5"""
    parts = []
    for item, count in pairs:
        example = (examples or {}).get(item)
        shown = example if example and example.strip(".,!?") != item else None
        if lang == "ko":
            parts.append(f"'{item}' {count}번" + (f"(예: '{shown}')" if shown else ""))
        else:
            parts.append(f"'{item}' ×{count}" + (f" (e.g. '{shown}')" if shown else ""))
    return ", ".join(parts)


def tally(ctx: TextContext, tokens: Iterable[Morpheme], n: int = MAX_QUOTES,
          key: Callable[[Morpheme], str] | None = None) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """The n most frequent morphemes (as `key` writes them) and, for each, a word of the text holding it."""
    from kodetect.explain.korean import morpheme_display

    write = key or (lambda t: morpheme_display(t.form, t.tag))
    counts: Counter = Counter()
    examples: dict[str, str] = {}
    for t in tokens:
        item = write(t)
        counts[item] += 1
        if item not in examples:
            examples[item] = ctx.quote(*ctx.word_span(t.start, t.start + t.len), limit=20)
    pairs = counts.most_common(n)
    return pairs, {item: examples[item] for item, _ in pairs}


def unique_first(items: Iterable[str], n: int = MAX_QUOTES) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
            if len(out) == n:
                break
    return out
