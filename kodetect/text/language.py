"""How much of a text is Korean, which decides whether we may judge it at all."""

from __future__ import annotations

from dataclasses import dataclass


def is_syllable(char: str) -> bool:
    """A precomposed Hangul syllable (가-힣), the unit Korean text is counted in."""
    return "\uac00" <= char <= "\ud7a3"


def is_hangul(char: str) -> bool:
    """A syllable, a compatibility jamo (ㄱ-ㆎ) or a conjoining jamo."""
    code = ord(char)
    return is_syllable(char) or 0x3131 <= code <= 0x318E or 0x1100 <= code <= 0x11FF


@dataclass(frozen=True)
class ScriptProfile:
    hangul: int
    letters: int

    @property
    def korean_share(self) -> float:
        """Hangul characters among all letters (digits, punctuation and spaces do not count)."""
        return self.hangul / self.letters if self.letters else 0.0


def script_profile(text: str) -> ScriptProfile:
    hangul = letters = 0
    for char in text:
        if is_hangul(char):
            hangul += 1
            letters += 1
        elif char.isalpha():
            letters += 1
    return ScriptProfile(hangul, letters)
