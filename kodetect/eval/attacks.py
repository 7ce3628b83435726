"""Edits people make so AI-written text passes as their own, as pure functions for robustness tests.

Every attack is `(text, rng) -> text` and uses only `rng` for its choices, so the caller fixes the
outcome with a seed per row (`random.Random(f"{seed}:{attack}:{row_id}")`). Attacks that need word
structure use Kiwi's morphemes and their offsets and edit the original string in place, so text the
attack does not touch stays byte-identical.

Three families: character tampering the normaliser is meant to undo (zero-width, homoglyph,
full-width, nfd), spacing and punctuation edits (what a careless or hurried writer does), and
grammatical edits and truncation (what a deliberate editor does).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from kodetect.text.language import is_syllable
from kodetect.text.segment import Morpheme, analyze, get_kiwi

Attack = Callable[[str, random.Random], str]

_ZERO_WIDTH = ("\u200b", "\u200c", "\u2060")
_SYLLABLE_FIRST = 0xAC00  # 가; a syllable is 가 + (initial × 21 + vowel) × 28 + final


def _apply_edits(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Replace each non-overlapping [start, end) of `text` by its string; positions refer to `text`."""
    out, last = [], 0
    for start, end, replacement in sorted(edits):
        if start < last:  # overlapping edits would garble the text; the first one wins
            continue
        out += [text[last:start], replacement]
        last = end
    out.append(text[last:])
    return "".join(out)


# --- character tampering -------------------------------------------------------------------------


def zero_width(text: str, rng: random.Random) -> str:
    out = []
    for i, char in enumerate(text):
        out.append(char)
        if i + 1 < len(text) and is_syllable(char) and is_syllable(text[i + 1]) and rng.random() < 0.3:
            out.append(rng.choice(_ZERO_WIDTH))
    return "".join(out)


# Latin letters and the Cyrillic/Greek letters drawn the same (a subset of normalize.HOMOGLYPHS).
_LATIN_LOOKALIKES = {
    "a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "y": "\u0443", "x": "\u0445",
    "s": "\u0455", "i": "\u0456", "j": "\u0458", "h": "\u04bb", "A": "\u0391", "B": "\u0392", "E": "\u0415",
    "H": "\u041d", "K": "\u039a", "M": "\u041c", "O": "\u039f", "P": "\u0420", "T": "\u03a4", "X": "\u0425",
}  # fmt: skip
_PUNCT_LOOKALIKES = {".": "\u2024", ",": "\u201a"}


def homoglyph(text: str, rng: random.Random) -> str:
    out = []
    for char in text:
        if char in _LATIN_LOOKALIKES and rng.random() < 0.5:
            out.append(_LATIN_LOOKALIKES[char])
        elif char in _PUNCT_LOOKALIKES and rng.random() < 0.5:
            out.append(_PUNCT_LOOKALIKES[char])
        elif "!" <= char <= "~" and rng.random() < 0.2:
            out.append(chr(ord(char) + 0xFEE0))
        else:
            out.append(char)
    return "".join(out)


def full_width(text: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def nfd(text: str, rng: random.Random) -> str:
    return unicodedata.normalize("NFD", text)


# --- spacing and punctuation ---------------------------------------------------------------------


def extra_whitespace(text: str, rng: random.Random) -> str:
    def word(match: re.Match) -> str:
        w = match.group()
        if len(w) < 2 or rng.random() >= 0.05:
            return w
        cut = rng.randrange(1, len(w))
        return w[:cut] + " " + w[cut:]

    def space(match: re.Match) -> str:
        return "  " if rng.random() < 0.2 else " "

    # One pass in text order so the rng draws do not depend on Python's regex internals.
    return re.sub(r"[^\s]+| ", lambda m: space(m) if m.group() == " " else word(m), text)


def no_spaces(text: str, rng: random.Random) -> str:
    # Line breaks stay: they carry the layout of poems and paragraphs, which a writer would keep.
    return re.sub(r"[^\S\r\n]+", "", text)


_NOUNS = frozenset({"NNG", "NNP", "NNB", "NP", "NR", "SL", "SN"})
_PARTICLE_TAGS = ("JKS", "JKC", "JKG", "JKO", "JKB", "JX")


def _tokens(text: str) -> list[Morpheme]:
    return [t for s in analyze(text).sentences for t in s.tokens]


def _surface_is(text: str, token: Morpheme) -> bool:
    """False for morphemes fused into a syllable (해 = 하 + 어), which cannot be moved or cut alone."""
    return text[token.start : token.start + token.len] == token.form


def spacing_errors(text: str, rng: random.Random) -> str:
    """The two commonest 띄어쓰기 errors: no space before bound nouns and auxiliaries (할 수 → 할수,
    먹고 있다 → 먹고있다), and a space before a particle (학교에 → 학교 에)."""
    tokens = _tokens(text)
    edits = []
    for prev, token in zip(tokens, tokens[1:], strict=False):
        start = token.start
        if token.tag in ("NNB", "VX") and start > 0 and text[start - 1] == " ":
            edits.append((start - 1, start, ""))
        elif (
            token.tag.startswith(_PARTICLE_TAGS)
            and prev.tag in _NOUNS
            and prev.start + prev.len == start
            and _surface_is(text, token)
            and rng.random() < 0.1
        ):
            edits.append((start, start, " "))
    return _apply_edits(text, edits)


def comma_insert(text: str, rng: random.Random) -> str:
    """A comma after a connective ending that closes a word (먹고 → 먹고,)."""
    tokens = _tokens(text)
    edits = []
    for i, token in enumerate(tokens):
        end = token.start + token.len
        closes_word = i + 1 == len(tokens) or tokens[i + 1].start > end
        if token.tag == "EC" and closes_word and text[end : end + 1] == " " and rng.random() < 0.3:
            edits.append((end, end, ","))
    return _apply_edits(text, edits)


def comma_remove(text: str, rng: random.Random) -> str:
    return text.replace(",", "")


# --- grammar ----------------------------------------------------------------------------------------

_REGISTER_OF_ENDING = {
    "다": "plain", "ᆫ다": "plain", "는다": "plain",
    "어요": "polite", "아요": "polite", "에요": "polite", "예요": "polite", "여요": "polite",
    "습니다": "formal", "ᆸ니다": "formal",
}  # fmt: skip
REGISTERS = ("plain", "polite", "formal")
_ACTION_STEMS = frozenset({"VV", "XSV"})  # take -는다/-ㄴ다 in the plain present; adjectives take -다


def _has_final_consonant(char: str) -> bool:
    return is_syllable(char) and (ord(char) - _SYLLABLE_FIRST) % 28 != 0


def _conjugate(morphs: Sequence[tuple[str, str]], register: str) -> str:
    """The word whose last morpheme is a final ending, re-conjugated in `register` by Kiwi."""
    kiwi = get_kiwi()
    stem, before = morphs[:-1], morphs[-2] if len(morphs) >= 2 else ("", "")
    if before[1] == "VCP":
        noun = kiwi.join(morphs[:-2]) if len(morphs) > 2 else ""
        # Kiwi joins 이+에요 after a vowel as "에요"; the standard form is 예요 (사과예요).
        if register == "polite":
            return noun + ("이에요" if not noun or _has_final_consonant(noun[-1]) else "예요")
        return kiwi.join([*morphs[:-1], ("ᆸ니다" if register == "formal" else "다", "EF")])
    if register == "plain":
        ending = "는다" if before[1] in _ACTION_STEMS else "다"
    else:
        ending = "어요" if register == "polite" else "습니다"
    return kiwi.join([*stem, (ending, "EF")])


def _final_ending(tokens: Sequence[Morpheme]) -> int | None:
    """Index of the sentence's final ending when only punctuation follows it."""
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].tag == "EF":
            return i
        if not tokens[i].tag.startswith("S"):
            return None
    return None


def _declarative_endings(text: str) -> list[tuple[int, int, list[tuple[str, str]], str]]:
    """(word start, word end, morphemes, register) of every declarative sentence-final word whose ending has a
    speech level and that Kiwi rebuilds exactly as written (no punctuation or odd spelling inside it)."""
    kiwi = get_kiwi()
    candidates = []
    for sentence in analyze(text).sentences:
        index = _final_ending(sentence.tokens)
        if index is None or sentence.tokens[index].form not in _REGISTER_OF_ENDING:
            continue
        ending = sentence.tokens[index]
        word_start = ending.start
        while word_start > sentence.start and not text[word_start - 1].isspace():
            word_start -= 1
        first = index
        while first > 0 and sentence.tokens[first - 1].start >= word_start:
            first -= 1
        morphs = [(t.form, t.tag) for t in sentence.tokens[first : index + 1]]
        word = text[word_start : ending.start + ending.len]
        if kiwi.join(morphs) == word:
            candidates.append((word_start, ending.start + ending.len, morphs, _REGISTER_OF_ENDING[ending.form]))
    return candidates


def _endings_in(text: str, candidates: Sequence[tuple[int, int, list[tuple[str, str]], str]], register: str) -> str:
    return _apply_edits(text, [(s, e, _conjugate(m, register)) for s, e, m, r in candidates if r != register])


def ending_switch(text: str, rng: random.Random) -> str:
    """Move every declarative sentence into one speech level other than the text's dominant one, as an
    editor rewriting 합니다-style answers into 한다-style prose would; questions and other endings stay."""
    candidates = _declarative_endings(text)
    if not candidates:
        return text
    counts = {r: sum(c[3] == r for c in candidates) for r in REGISTERS}
    dominant = max(REGISTERS, key=lambda r: counts[r])
    target = rng.choice([r for r in REGISTERS if r != dominant])
    return _endings_in(text, candidates, target)


def endings_in_register(text: str, register: str) -> str:
    """Every declarative sentence moved into `register` (plain, polite or formal): the same rewrite as
    `ending_switch` with a fixed target, so text that went through `ending_switch` comes back as before."""
    if register not in REGISTERS:
        raise ValueError(f"register must be one of {', '.join(REGISTERS)}, not {register!r}")
    return _endings_in(text, _declarative_endings(text), register)


_DROPPABLE = {"JKS": ("이", "가"), "JKO": ("을", "를"), "JX": ("은", "는")}


def particle_drop(text: str, rng: random.Random) -> str:
    """Drop subject, object and topic particles after nouns, as casual writing does (저는 밥을 → 저 밥)."""
    tokens = _tokens(text)
    edits = []
    for prev, token in zip(tokens, tokens[1:], strict=False):
        if (
            token.form in _DROPPABLE.get(token.tag, ())
            and prev.tag in _NOUNS
            and prev.start + prev.len == token.start
            and _surface_is(text, token)
            and rng.random() < 0.3
        ):
            edits.append((token.start, token.start + token.len, ""))
    return _apply_edits(text, edits)


# Neighbouring keys on the standard 두벌식 keyboard, by compatibility jamo.
_KEY_ROWS = ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ")
_NEIGHBOURS = {
    key: [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)] for row in _KEY_ROWS for i, key in enumerate(row)
}
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"


def _typo_syllable(char: str, rng: random.Random) -> str:
    """One slip of the finger: a neighbouring key for the initial or the vowel, or a lost final."""
    code = ord(char) - _SYLLABLE_FIRST
    initial, vowel, final = code // 588, (code % 588) // 28, code % 28
    options = []
    for neighbour in _NEIGHBOURS.get(_INITIALS[initial], []):
        if neighbour in _INITIALS:
            options.append((_INITIALS.index(neighbour), vowel, final))
    for neighbour in _NEIGHBOURS.get(_VOWELS[vowel], []):
        if neighbour in _VOWELS:
            options.append((initial, _VOWELS.index(neighbour), final))
    if final:
        options.append((initial, vowel, 0))
    if not options:
        return char
    i, v, f = rng.choice(options)
    return chr(_SYLLABLE_FIRST + i * 588 + v * 28 + f)


def typos(text: str, rng: random.Random) -> str:
    return "".join(_typo_syllable(c, rng) if is_syllable(c) and rng.random() < 0.03 else c for c in text)


# --- truncation ------------------------------------------------------------------------------------

# After final punctuation (and closing quotes) followed by whitespace, or at a line break.
_SENTENCE_END = re.compile(r"[.?!。…][\"'”’)\]]*(?=\s)|[.?!。…][\"'”’)\]]*$|(?=\n)")


def truncate(text: str, limit: int) -> str:
    """The first `limit` characters, cut at the last sentence end past limit/2 when there is one."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, limit + 1) if limit / 2 < m.end() <= limit]
    return text[: ends[-1]].rstrip() if ends else text[:limit]


def _truncate_attack(limit: int) -> Attack:
    def attack(text: str, rng: random.Random) -> str:
        return truncate(text, limit)

    return attack


# --- registry --------------------------------------------------------------------------------------

ATTACKS: dict[str, Attack] = {
    "zero-width": zero_width,
    "homoglyph": homoglyph,
    "full-width": full_width,
    "nfd": nfd,
    "extra-whitespace": extra_whitespace,
    "no-spaces": no_spaces,
    "spacing-errors": spacing_errors,
    "comma-insert": comma_insert,
    "comma-remove": comma_remove,
    "ending-switch": ending_switch,
    "particle-drop": particle_drop,
    "typos": typos,
    "truncate-100": _truncate_attack(100),
    "truncate-200": _truncate_attack(200),
    "truncate-300": _truncate_attack(300),
}

DESCRIPTIONS: dict[str, str] = {
    "zero-width": "zero-width characters (U+200B/200C/2060) between ~30% of adjacent Hangul syllables",
    "homoglyph": "Cyrillic/Greek look-alikes for Latin letters, look-alike . and , and some full-width ASCII",
    "full-width": "every printable ASCII character in full-width form, spaces as U+3000",
    "nfd": "Unicode NFD: Hangul syllables decomposed into conjoining jamo",
    "extra-whitespace": "~20% of spaces doubled and a stray space inside ~5% of words",
    "no-spaces": "all spaces within each line removed",
    "spacing-errors": "no space before bound nouns/auxiliaries; a space before ~10% of particles",
    "comma-insert": "a comma after ~30% of word-final connective endings",
    "comma-remove": "all commas removed",
    "ending-switch": "declarative endings moved to another speech level (-다 / -요 / -습니다)",
    "particle-drop": "~30% of subject, object and topic particles after nouns dropped",
    "typos": "~3% of syllables with a neighbouring-key jamo or a lost final consonant",
    "truncate-100": "cut to 100 characters, at a sentence end past 50 when there is one",
    "truncate-200": "cut to 200 characters, at a sentence end past 100 when there is one",
    "truncate-300": "cut to 300 characters, at a sentence end past 150 when there is one",
}


def attack_rng(seed: int, attack: str, row_id: object) -> random.Random:
    """The rng for one attack on one row: independent of row order and of the other attacks."""
    return random.Random(f"{seed}:{attack}:{row_id}")


# --- mixed documents (not a one-text attack) --------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Blank-line paragraphs, or lines when the text has no blank lines."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text)]
    if len(parts) == 1:
        parts = [p.strip() for p in text.split("\n")]
    return [p for p in parts if p]


def mix_documents(human: str, ai: str, rng: random.Random) -> tuple[str, list[tuple[int, int, int]]]:
    """Interleave the paragraphs of a human and an AI text, each kept in its own order, as someone
    splicing generated paragraphs into their own draft would. Returns the text and (start, end, label)
    for each paragraph, label 0 human and 1 AI; paragraphs are separated by a blank line."""
    queues = {0: _paragraphs(human), 1: _paragraphs(ai)}
    turn = rng.randrange(2)
    pieces: list[tuple[str, int]] = []
    while queues[0] or queues[1]:
        if not queues[turn]:
            turn = 1 - turn
        take = min(len(queues[turn]), rng.randint(1, 2))
        pieces += [(queues[turn].pop(0), turn) for _ in range(take)]
        turn = 1 - turn
    spans, position = [], 0
    for paragraph, label in pieces:
        spans.append((position, position + len(paragraph), label))
        position += len(paragraph) + 2
    return "\n\n".join(p for p, _ in pieces), spans
