"""The n-gram heads explained through the words of this text that pushed them most.

A head's logit is a sum over hashed n-grams: tf-idf weight x bucket coefficient. Rebuilding the head's
view of this text with the same functions (`kodetect.features.ngrams`) tells which n-gram occurrence
sits where, so each occurrence's share of the logit can be handed to the characters or morphemes it
covers, then summed per word (character head) or per particle and ending (morpheme head), over every
place the word recurs. The words with the largest sums are the phrases a reader can find in the text.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from kodetect.explain.context import TextContext
from kodetect.explain.korean import morpheme_display
from kodetect.features.ngrams import MAX_N, WORD_MAX_N, char_view, hash_ngrams, morph_view, tfidf_vector
from kodetect.model.artifact import NgramHead
from kodetect.text.segment import Sentence

_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


@dataclass(frozen=True)
class Phrase:
    text: str
    count: int
    contribution: float  # summed share of the head's logit, in log-odds
    example: str = ""  # for morphemes: a word of the text that contains it
    span: tuple[int, int] = (0, 0)  # where it first occurs in the clean text

    def quoted(self, ctx: TextContext) -> Phrase:
        """The phrase as the person wrote it (the clean text may differ where look-alike letters were folded)."""
        if self.example or self.span == (0, 0):
            return self
        return replace(self, text=_EDGE_PUNCTUATION.sub("", ctx.quote(*self.span, limit=40)) or self.text)


def occurrence_shares(head: NgramHead, units: np.ndarray, n_max: int = MAX_N) -> list[np.ndarray]:
    """Each n-gram occurrence's share of the head's logit (without the intercept), by n: element n-1
    holds one value per starting position of an n-gram."""
    buckets = hash_ngrams(units, n_max=n_max)
    if len(buckets) == 0:
        return []
    index, weights = tfidf_vector(buckets, head.idf)
    per_bucket = weights * head.coef[index]
    slot = np.searchsorted(index, buckets)
    counts = np.bincount(slot, minlength=len(index))
    per_occurrence = per_bucket[slot] / counts[slot]
    out, offset = [], 0
    for n in range(1, n_max + 1):
        size = len(units) - n + 1
        if size <= 0:
            break
        out.append(per_occurrence[offset:offset + size])
        offset += size
    return out


def spread(shares: list[np.ndarray], length: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Hand each occurrence's share to the units it covers (only to `keep` units, when given)."""
    per_unit = np.zeros(length)
    for n_minus_1, values in enumerate(shares):
        n = n_minus_1 + 1
        if keep is None:
            for k in range(n):
                np.add.at(per_unit, np.arange(len(values)) + k, values / n)
            continue
        covered = sum(keep[k:k + len(values)].astype(float) for k in range(n))
        owned = np.divide(values, covered, out=np.zeros_like(values), where=covered > 0)
        for k in range(n):
            np.add.at(per_unit, np.arange(len(values)) + k, owned * keep[k:k + len(values)])
    return per_unit


_WORD = re.compile(r"\S+")


def _words(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """Whitespace-separated words as (start, end) in the clean text, in the order char_view joins them."""
    return [(s.start + m.start(), s.start + m.end()) for s in sentences for m in _WORD.finditer(s.text)]


def char_phrases(head: NgramHead, ctx: TextContext) -> list[Phrase]:
    """Words of the text by their summed share of the character head's logit (every occurrence counted)."""
    sentences = ctx.analysis.sentences
    words = _words(sentences)
    view = " ".join(ctx.text[a:b] for a, b in words)
    if view != char_view(sentences) or not view:
        return []  # a whitespace corner case the rebuild does not mirror: no phrases rather than wrong ones
    lengths = np.array([b - a for a, b in words])
    # Each word's characters, then one separator (-1) between words: the layout of `view`.
    word_of = np.repeat(np.arange(len(words)), lengths + 1)[:-1]
    word_of[np.cumsum(lengths + 1)[:-1] - 1] = -1
    units = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    per_char = spread(occurrence_shares(head, units), len(view))
    inside = word_of >= 0
    per_word = np.bincount(word_of[inside], weights=per_char[inside], minlength=len(words))
    return _by_text(ctx, words, per_word)


def word_phrases(head: NgramHead, ctx: TextContext) -> list[Phrase]:
    """Eojeols of the text by their summed share of the eojeol head's logit (a pair's share split between its two)."""
    sentences = ctx.analysis.sentences
    words = _words(sentences)
    texts = [ctx.text[a:b] for a, b in words]
    if " ".join(texts) != char_view(sentences) or not words:
        return []
    codes = np.array([zlib.crc32(w.encode("utf-8")) for w in texts], dtype=np.uint64)
    per_word = spread(occurrence_shares(head, codes, WORD_MAX_N), len(words))
    return _by_text(ctx, words, per_word)


def _by_text(ctx: TextContext, words: list[tuple[int, int]], per_word: np.ndarray) -> list[Phrase]:
    """Per-word shares summed over the occurrences of each word (edge punctuation ignored)."""
    totals: dict[str, list[float]] = {}
    first: dict[str, tuple[int, int]] = {}
    for (a, b), value in zip(words, per_word, strict=True):
        key = _EDGE_PUNCTUATION.sub("", ctx.text[a:b])
        if key:
            totals.setdefault(key, []).append(float(value))
            first.setdefault(key, (a, b))
    return [Phrase(key, len(values), sum(values), span=first[key]) for key, values in totals.items()]


def morph_phrases(head: NgramHead, ctx: TextContext) -> list[Phrase]:
    """Particles and endings of the text by their summed share of the morpheme head's logit.

    Content words are only tags in this view (the head reads how sentences are built, not topics), so
    an n-gram's share goes to the particles and endings in it; n-grams of tags alone are not quotable."""
    sentences = ctx.analysis.sentences
    tokens = [t for s in sentences for t in s.tokens]
    units = morph_view(sentences).split()
    if len(units) != len(tokens) or not units:
        return []
    codes = np.array([zlib.crc32(u.encode("utf-8")) for u in units], dtype=np.uint64)
    quotable = np.array(["/" in u and not t.tag.startswith("S") for u, t in zip(units, tokens, strict=True)])
    per_token = spread(occurrence_shares(head, codes), len(units), keep=quotable)
    totals: dict[str, list[float]] = {}
    examples: dict[str, str] = {}
    for t, value, keep in zip(tokens, per_token, quotable, strict=True):
        if keep:
            key = morpheme_display(t.form, t.tag)
            totals.setdefault(key, []).append(float(value))
            if key not in examples:
                examples[key] = ctx.quote(*ctx.word_span(t.start, t.start + t.len), limit=20)
    return [Phrase(key, len(values), sum(values), examples[key]) for key, values in totals.items()]


def strongest(phrases: list[Phrase], toward: str, n: int = 3, floor: float = 1e-3) -> list[Phrase]:
    """The n phrases that pushed furthest toward `toward` (ai: positive shares, human: negative)."""
    sign = 1.0 if toward == "ai" else -1.0
    chosen = sorted((p for p in phrases if sign * p.contribution > floor), key=lambda p: -sign * p.contribution)
    return chosen[:n]
