"""Put word spaces back into Korean text that was written (or edited) without them.

Removing every space is a cheap way to disguise AI text: the page stays readable to a Korean reader,
but tokenizers, n-gram models and the language model all see different units. Korean prose has a
space every three or four syllables (one per eojeol), so a long text with almost none was not typed
that way by its author, or was typed in a register (chat, comments) whose shortness keeps it below
the length this applies from. Kiwi's spacing model restores the spaces (about 95% of word boundaries
placed as the author had them, measured on the KatFish test texts with their spaces removed).
"""

from __future__ import annotations

from kodetect.text.language import is_syllable
from kodetect.text.segment import kiwi_session

# Long enough that a casual one-liner typed without spaces is left as it is.
MIN_SYLLABLES = 50
# Natural prose has 3-4 syllables per space; a text above this has lost its spaces.
MAX_SYLLABLES_PER_SPACE = 15


def lacks_spaces(text: str) -> bool:
    """True when `text` has enough Hangul to judge and far fewer spaces than Korean prose has.

    Line breaks do not count: a poem whose lines lost their inner spaces has still lost them.
    """
    syllables = sum(1 for c in text if is_syllable(c))
    if syllables < MIN_SYLLABLES:
        return False
    spaces = text.count(" ") + text.count("\t")
    return syllables > MAX_SYLLABLES_PER_SPACE * max(spaces, 1)


# Kiwi's spacing garbles very long inputs (it inserted stray jamo into a 100,000-character line), so
# it gets one line at a time, long lines in pieces; a word cut at a piece's edge only loses one space.
_PIECE = 1000


def _pieces(text: str):
    """(offset, piece) for each line of `text`, lines longer than _PIECE cut into pieces."""
    offset = 0
    for line in text.split("\n"):
        for lo in range(0, len(line), _PIECE):
            yield offset + lo, line[lo : lo + _PIECE]
        offset += len(line) + 1


def inserted_spaces(text: str) -> list[int]:
    """Positions of `text` before which Kiwi's spacing model puts a space (existing spaces are kept).

    Kiwi only adds spaces here; where it changes anything else in a piece, that piece is left as it
    was, since a space we cannot place exactly is not worth a wrong offset.
    """
    positions: list[int] = []
    with kiwi_session() as kiwi:
        for offset, piece in _pieces(text):
            if piece.strip():
                positions += [offset + p for p in _aligned(piece, kiwi.space(piece, reset_whitespace=False))]
    return positions


def _aligned(piece: str, spaced: str) -> list[int]:
    """Where `spaced` puts a space into `piece`. Kiwi sometimes also inserts a stray jamo (a final
    consonant of a contraction it expanded); such extra characters are skipped, and only when every
    character of `piece` is found in order are the positions used."""
    out: list[int] = []
    i = 0
    for char in spaced:
        if i < len(piece) and char == piece[i]:
            i += 1
        elif char == " ":
            out.append(i)
        elif not _is_conjoining_jamo(char):
            return []
    return sorted({p for p in out if 0 < p < len(piece)}) if i == len(piece) else []


def _is_conjoining_jamo(char: str) -> bool:
    return "\u1100" <= char <= "\u11ff"
