"""Small pieces of Korean grammar the evidence sentences need: particles that follow the word before
them (은/는, 이/가, 을/를, 으로/로, 과/와), and morphemes written the way a reader writes them."""

from __future__ import annotations

import re
from functools import lru_cache

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants
# How the last digit of a number is read: whether that reading ends in a consonant, and whether in ㄹ.
# 0 stands for 십/백/천/만 (10, 100, ...) or 영, all of which end in a consonant other than ㄹ.
_DIGIT_FINAL = {"0": (True, False), "1": (True, True), "2": (False, False), "3": (True, False),
                "4": (False, False), "5": (False, False), "6": (True, False), "7": (True, True),
                "8": (True, True), "9": (False, False)}
_TRAILING = re.compile(r"(\([^()]*\)|[\s'\"’”‘“\]\.,:;!?…])+$")
# Kiwi writes the consonant of -ㄴ, -ㄹ, -ㅂ니다 as a final-consonant jamo (U+11A8..); readers write the
# compatibility letter (U+3131..).
_FINAL_TO_COMPAT = dict(zip(
    "ᆨᆩᆪᆫᆬᆭᆮᆯᆰᆱᆲᆳᆴᆵᆶᆷᆸᆹᆺᆻᆼᆽᆾᆿᇀᇁᇂ",
    "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ", strict=True))
_PAIRS = {"은/는", "이/가", "을/를", "과/와", "으로/로", "이에요/예요", "이다/다"}


def _final(word: str) -> tuple[bool, bool] | None:
    """(ends in a consonant, ends in ㄹ) for the sound the word ends with; None when unknown."""
    core = _TRAILING.sub("", word) or word
    for char in reversed(core):
        code = ord(char)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            final = (code - _HANGUL_FIRST) % 28
            return final != 0, final == _RIEUL
        if char in _DIGIT_FINAL:
            return _DIGIT_FINAL[char]
        if char == "%":
            return False, False  # 퍼센트
        if char.isalpha():
            return None
    return None


def josa(word: str, pair: str) -> str:
    """`word` followed by the right form of a particle given as 'after-consonant/after-vowel' ("은/는")."""
    if pair not in _PAIRS:
        raise ValueError(f"unknown particle pair {pair!r}")
    consonant_form, vowel_form = pair.split("/")
    final = _final(word)
    if final is None:
        # Latin letters and symbols: the form that reads well after most of them (AI는, app은 ...).
        return word + vowel_form
    has_final, rieul = final
    if pair == "으로/로":
        return word + ("으로" if has_final and not rieul else "로")
    return word + (consonant_form if has_final else vowel_form)


@lru_cache(maxsize=4096)
def morpheme_display(form: str, tag: str) -> str:
    """A morpheme as a Korean teacher writes it: endings with a hyphen (-습니다, -ㄴ), others as they are."""
    shown = "".join(_FINAL_TO_COMPAT.get(c, c) for c in form)
    if tag.startswith("E"):
        return f"-{shown}-" if tag == "EP" else f"-{shown}"
    if tag.startswith("XS"):
        return f"-{shown}"
    return shown


def quoted(items: list[str]) -> str:
    """'a', 'b', 'c' (Korean and English both quote with single quotes here)."""
    return ", ".join(f"'{item}'" for item in items)
