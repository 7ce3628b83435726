"""Lines that are not Korean prose: code blocks, command lines, and lines written in another script.

Chat answers often carry a fenced code block, a shell command or an English paragraph next to
hundreds of characters of Korean prose. Those lines are not writing we can judge: counted as text
they made such answers fail the language check (`unsupported-language`) and they were scored as
sentences. They are set aside like markdown, with their offsets kept, so the verdict rests on the
prose around them.

A line is set aside when it sits inside a fenced block (``` or ~~~; an unclosed fence runs to
the end), or when it is mostly foreign: fewer than a third of its words contain Hangul *and*
Hangul makes up less than half of its letters and symbols. Both conditions are needed: a Korean
sentence full of English terms ("PyTorch를 사용하여 CNN(Convolutional Neural Network)을 ...") has
more Latin letters than Hangul but Hangul in almost every word, because particles attach to words.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kodetect.text.language import is_hangul

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CLOSING_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*$")
# Characters that make a line look like code or a command when it has few Hangul words.
_CODE_SYMBOLS = frozenset("{}[]()<>=;:/\\|$#@%^&*+_~`'\"")
# Handles, hashtags, links and their anonymised placeholders are neither Korean nor foreign prose.
_PLACEHOLDER = re.compile(r"^(?:<(?:user|url)>|@\w+|#\S+|https?://\S+|www\.\S+)[.,…!?]*$")
FOREIGN_WORD_SHARE = 1 / 3
FOREIGN_CHAR_SHARE = 0.5


class SetAside(NamedTuple):
    """A line [start, end) of the text (its newline excluded) and why it was set aside."""

    start: int
    end: int
    kind: str  # "code_lines" or "non_korean_lines"


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer("\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _is_latin(char: str) -> bool:
    # Hanja is part of Korean writing (titles, names, older prose), so only Latin letters count here.
    return char.isascii() and char.isalpha() or "\u00c0" <= char <= "\u024f"


def is_foreign_line(line: str) -> bool:
    """Mostly Latin letters or code symbols: few Hangul words and little Hangul overall."""
    kept = [w for w in line.split() if not _PLACEHOLDER.match(w)]
    # Words without a letter ("/", "-", "3.14") are neither Korean nor foreign.
    words = [w for w in kept if any(c.isalpha() for c in w)]
    if not words:
        return False
    line = " ".join(kept)
    hangul_words = sum(1 for w in words if any(is_hangul(c) for c in w))
    if hangul_words >= FOREIGN_WORD_SHARE * len(words):
        return False
    hangul = sum(1 for c in line if is_hangul(c))
    other = sum(1 for c in line if _is_latin(c) or c in _CODE_SYMBOLS)
    if other < 2:
        return False  # digits, dates or a lone mark: nothing to set aside
    return hangul < FOREIGN_CHAR_SHARE * (hangul + other)


def set_aside_lines(text: str) -> list[SetAside]:
    """Every line of `text` that is code or not Korean prose, in order."""
    out: list[SetAside] = []
    fence: str | None = None
    for start, end in _lines(text):
        line = text[start:end]
        opener = _FENCE.match(line)
        if fence is not None:
            out.append(SetAside(start, end, "code_lines"))
            closing = _CLOSING_FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            rest = line[opener.end():]
            # ```code``` on one line is an inline span, not the start of a block.
            if opener.group(1) not in rest:
                fence = opener.group(1)
            out.append(SetAside(start, end, "code_lines"))
            continue
        if is_foreign_line(line):
            out.append(SetAside(start, end, "non_korean_lines"))
    return out
