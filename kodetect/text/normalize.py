"""Undo character-level tampering and set formatting aside, keeping a map back to the original text.

People who want AI text to pass as their own insert invisible characters, swap letters for
look-alikes from other scripts, decompose Hangul syllables into jamo or switch to full-width forms.
Each of these changes what a tokenizer sees while the page looks the same. We undo them before any
feature is computed, count what was undone (tampering is itself evidence), and keep for every
character of the clean text the span of the original text it came from, so sentence offsets can be
reported against what the user gave us.

Text written without word spaces gets them back (see `spacing.py`): removing them is an evasion too,
and every feature downstream reads words.

Formatting (markdown markers, emoji, code blocks and lines in another script) is set aside too, for
a different reason: in the training data chat answers carry markdown and code and tweets carry emoji,
so a classifier would learn the layout instead of the writing, and a code block is not Korean prose
we can judge (see `code.py`). It is counted separately and never called tampering.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from kodetect.text.code import set_aside_lines
from kodetect.text.spacing import inserted_spaces, lacks_spaces

# Characters that render as nothing. Removing them cannot change what a reader sees.
INVISIBLE_CHARS = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u115f\u1160"
)
# Joiners and variation selectors are legitimate inside emoji sequences; only count them elsewhere.
_EMOJI_GLUE = frozenset("\u200d\ufe0e\ufe0f")


def _is_variation_selector(code: int) -> bool:
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_invisible(char: str) -> bool:
    """INVISIBLE_CHARS plus the ranges that render as nothing: variation selectors, tag characters,
    Mongolian variation selectors, Khmer inherent vowels, musical formatting controls."""
    if char in INVISIBLE_CHARS:
        return True
    code = ord(char)
    return (
        _is_variation_selector(code)
        or 0xE0001 <= code <= 0xE007F
        or 0x180B <= code <= 0x180F
        or 0x1D173 <= code <= 0x1D17A
        or code in (0x17B4, 0x17B5, 0x061C)
    )


def _is_legitimate_glue(char: str, before: str, after: str) -> bool:
    """Invisible characters that belong where they are: inside emoji sequences (joiners, variation
    selectors, flag tags) and variation selectors after CJK ideographs. `before` is the last visible
    character before `char`, `after` the character right after it ("" at either end)."""
    code = ord(char)
    if char == "\u200d" or _is_variation_selector(code) or 0xE0020 <= code <= 0xE007F:
        if (before and _is_emoji(before)) or (after and (_is_emoji(after) or after == "\u20e3")):
            return True
    if _is_variation_selector(code) and before and unicodedata.category(before) == "Lo":
        return "CJK" in unicodedata.name(before, "")
    return False


# Cyrillic and Greek letters that are drawn like Latin ones (after Unicode's confusables.txt).
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y",
    "\u0445": "x", "\u0455": "s", "\u0456": "i", "\u0458": "j", "\u04bb": "h", "\u0501": "d",
    "\u051b": "q", "\u051d": "w", "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K",
    "\u041c": "M", "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0423": "Y", "\u0425": "X", "\u0405": "S", "\u0406": "I", "\u0408": "J",
    # Greek
    "\u03bf": "o", "\u03b1": "a", "\u03bd": "v", "\u03c1": "p", "\u03b9": "i", "\u0391": "A",
    "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H", "\u0399": "I", "\u039a": "K",
    "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y",
    "\u03a7": "X",
    # Punctuation look-alikes used to break sentence splitting
    "\u2024": ".", "\u201a": ",", "\u066b": ",", "\u3002": ".", "\uff61": ".", "\u2e34": ",",
    # A blank glyph drawn like a space (braille pattern blank), used to replace spaces
    "\u2800": " ",
    # Hangul fillers render as blank space; deleting them would glue words together.
    "\u3164": " ",
    "\uffa0": " ",
}
_CYRILLIC_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")

# Markdown markers at the start of a line: headings, bullets, numbered items, quotes, table rules.
_MD_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+•][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?)", re.M)
_MD_INLINE = re.compile(r"\*\*|__|`{1,3}|^[ \t]*(?:-{3,}|\|[-:| ]+\|)[ \t]*$|\|", re.M)


class TamperingKind(NamedTuple):
    """How reports name one kind of tampering the normaliser undid."""

    description: str  # a sentence, for evidence
    verb: str  # "removed 3 invisible characters": verb, count, noun
    noun: str


TAMPERING_KINDS: dict[str, TamperingKind] = {
    "invisible_characters": TamperingKind(
        "invisible characters (zero-width spaces, joiners, direction marks) were removed",
        "removed", "invisible (zero-width) characters"),
    "invalid_characters": TamperingKind(
        "characters that cannot be encoded (lone surrogates) were removed", "removed", "invalid characters"),
    "homoglyph": TamperingKind(
        "look-alike letters from other scripts were replaced by the letters they imitate",
        "replaced", "look-alike letters from other scripts"),
    "full_width": TamperingKind(
        "full-width characters were folded to their ordinary forms", "converted", "full-width characters"),
    "decomposed_hangul": TamperingKind(
        "Hangul written as separate jamo was recomposed into syllables",
        "recomposed", "Hangul syllables split into jamo"),
    "non_nfc": TamperingKind(
        "characters not in Unicode NFC were recomposed", "normalised", "non-NFC character sequences"),
    "missing_spaces": TamperingKind(
        "the text had almost no word spaces; they were restored before analysis", "restored", "missing word spaces"),
}


def tampering_kind(key: str) -> TamperingKind:
    """The names of a tampering kind; an unknown key (from a newer normaliser) is named by itself."""
    return TAMPERING_KINDS.get(key) or TamperingKind(key.replace("_", " "), "undid", key.replace("_", " "))


@dataclass
class NormalizedText:
    """The clean text and, for each clean character, the original span it came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]
    tampering: dict[str, int] = field(default_factory=dict)
    formatting: dict[str, int] = field(default_factory=dict)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean-text span [start, end) to the smallest original span that produced it."""
        if end <= start:
            anchor = self.starts[start] if start < len(self.starts) else len(self.original)
            return anchor, anchor
        return self.starts[start], self.ends[end - 1]


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x1F1E6 <= code <= 0x1F1FF
        or code in (0x2B50, 0x2B55, 0x2764, 0x203C, 0x2049, 0x00A9, 0x00AE, 0x2122)
    )


def _is_conjoining_continuation(char: str) -> bool:
    """True for characters NFC may merge into the character before them."""
    code = ord(char)
    if 0x1161 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF:  # jamo vowels and final consonants
        return True
    return unicodedata.combining(char) != 0


def _nfc_pass(chars: list[str], starts: list[int], ends: list[int], counts: dict[str, int]):
    """NFC per cluster (a starter plus what may compose onto it), so each output char keeps a span."""
    out_c: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    i = 0
    n = len(chars)
    while i < n:
        j = i + 1
        while j < n and _is_conjoining_continuation(chars[j]):
            j += 1
        cluster = "".join(chars[i:j])
        composed = unicodedata.normalize("NFC", cluster)
        if composed != cluster:
            if any(0x1100 <= ord(c) <= 0x11FF or 0xA960 <= ord(c) <= 0xA97F for c in cluster):
                counts["decomposed_hangul"] = counts.get("decomposed_hangul", 0) + 1
            else:
                counts["non_nfc"] = counts.get("non_nfc", 0) + 1
            span_start, span_end = starts[i], ends[j - 1]
            for c in composed:
                out_c.append(c)
                out_s.append(span_start)
                out_e.append(span_end)
        else:
            out_c.extend(chars[i:j])
            out_s.extend(starts[i:j])
            out_e.extend(ends[i:j])
        i = j
    return out_c, out_s, out_e


def _fold_char(char: str, fold_cyrillic_greek: bool) -> tuple[str, str | None]:
    """Return the folded character and the kind of tampering it undid, if any."""
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0), "full_width"
    if code == 0x3000:
        return " ", "full_width"
    if char in HOMOGLYPHS and (fold_cyrillic_greek or not _CYRILLIC_GREEK.match(char)):
        return HOMOGLYPHS[char], "homoglyph"
    return char, None


def _is_latin_letter(char: str) -> bool:
    if not char.isalpha():
        return False
    code = ord(char)
    if code < 0x0250:  # ASCII, Latin-1 and Latin Extended-A/B
        return True
    if 0xAC00 <= code <= 0xD7A3:  # Hangul syllables, the common case, without a name lookup
        return False
    return unicodedata.name(char, "").startswith(("LATIN", "FULLWIDTH LATIN"))


def _lookalike_positions(chars: list[str]) -> set[int]:
    """Positions of Cyrillic/Greek look-alikes to fold: in a word (a run of Latin, Cyrillic and Greek
    letters) that also has Latin letters, or whose Cyrillic/Greek letters are all look-alikes. A
    genuine Russian word quoted in Korean text ("спасибо") has letters with no Latin twin and stays."""
    fold: set[int] = set()
    k, n = 0, len(chars)
    while k < n:
        if not (_is_latin_letter(chars[k]) or _CYRILLIC_GREEK.match(chars[k])):
            k += 1
            continue
        j = k
        while j < n and (_is_latin_letter(chars[j]) or _CYRILLIC_GREEK.match(chars[j])):
            j += 1
        foreign = [m for m in range(k, j) if _CYRILLIC_GREEK.match(chars[m])]
        if foreign and (
            any(_is_latin_letter(chars[m]) for m in range(k, j)) or all(chars[m] in HOMOGLYPHS for m in foreign)
        ):
            fold.update(m for m in foreign if chars[m] in HOMOGLYPHS)
        k = j
    return fold


def _mostly_cyrillic_greek(text: str) -> bool:
    """A real Russian or Greek passage is left alone; look-alikes sprinkled into Korean are folded."""
    foreign = len(_CYRILLIC_GREEK.findall(text))
    if not foreign:
        return False
    letters = sum(1 for c in text if c.isalpha())
    return foreign / max(letters, 1) > 0.3


def _strip_formatting(chars, starts, ends, counts):
    """Drop code and foreign-language lines, markdown markers and emoji; they are not Korean writing."""
    text = "".join(chars)
    drop = [False] * len(chars)
    for line in set_aside_lines(text):
        counts[line.kind] = counts.get(line.kind, 0) + 1
        for k in range(line.start, line.end):
            drop[k] = True
    for pattern, key in ((_MD_LINE_PREFIX, "markdown_markers"), (_MD_INLINE, "markdown_markers")):
        for match in pattern.finditer(text):
            if match.end() > match.start() and not all(drop[match.start():match.end()]):
                counts[key] = counts.get(key, 0) + 1
                for k in range(match.start(), match.end()):
                    drop[k] = True
    for k, c in enumerate(chars):
        if not drop[k] and (_is_emoji(c) or (c in _EMOJI_GLUE)):
            drop[k] = True
            if _is_emoji(c):
                counts["emoji"] = counts.get("emoji", 0) + 1
    keep = [k for k in range(len(chars)) if not drop[k]]
    return [chars[k] for k in keep], [starts[k] for k in keep], [ends[k] for k in keep]


def _restore_spaces(chars, starts, ends, counts):
    """Insert the spaces Kiwi's spacing model finds missing; each maps to an empty original span."""
    text = "".join(chars)
    if not lacks_spaces(text):
        return chars, starts, ends
    positions = set(inserted_spaces(text))
    if not positions:
        return chars, starts, ends
    counts["missing_spaces"] = len(positions)
    out_c: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    for k, c in enumerate(chars):
        if k in positions:
            out_c.append(" ")
            out_s.append(starts[k])
            out_e.append(starts[k])
        out_c.append(c)
        out_s.append(starts[k])
        out_e.append(ends[k])
    return out_c, out_s, out_e


def normalize(text: str, strip_formatting: bool = True) -> NormalizedText:
    """Clean `text` for analysis; see the module docstring for what is undone and why."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    tampering: dict[str, int] = {}
    formatting: dict[str, int] = {}

    visible_before = ""  # the last character of `text` so far that is not invisible
    for pos, char in enumerate(text):
        if _is_invisible(char):
            after = text[pos + 1] if pos + 1 < len(text) else ""
            if not _is_legitimate_glue(char, visible_before, after):
                tampering["invisible_characters"] = tampering.get("invisible_characters", 0) + 1
            continue
        visible_before = char
        if 0xD800 <= ord(char) <= 0xDFFF:  # lone surrogates cannot be encoded or tagged
            tampering["invalid_characters"] = tampering.get("invalid_characters", 0) + 1
            continue
        chars.append(char)
        starts.append(pos)
        ends.append(pos + 1)

    if not all(c.isascii() or 0xAC00 <= ord(c) <= 0xD7A3 for c in chars):
        chars, starts, ends = _nfc_pass(chars, starts, ends, tampering)
        lookalikes = set() if _mostly_cyrillic_greek("".join(chars)) else _lookalike_positions(chars)
        for k, c in enumerate(chars):
            folded, kind = _fold_char(c, k in lookalikes)
            if kind:
                chars[k] = folded
                tampering[kind] = tampering.get(kind, 0) + 1

    if strip_formatting:
        chars, starts, ends = _strip_formatting(chars, starts, ends, formatting)
    chars, starts, ends = _restore_spaces(chars, starts, ends, tampering)

    return NormalizedText(text, "".join(chars), starts, ends, tampering, formatting)
