"""Evidence sentences for the punctuation and letter signals: final marks, ellipses, ㅋㅋ, Latin, quotes."""

from __future__ import annotations

import re

from kodetect.explain.context import Said, TextContext, share, unique_first
from kodetect.explain.korean import josa, quoted

_FINAL_MARKS = {
    "end_period_share": (".", "마침표", "a period"),
    "end_exclaim_share": ("!", "느낌표", "'!'"),
    "end_question_share": ("?", "물음표", "'?'"),
}
_PATTERNS = {
    "ellipsis_per_sentence": (re.compile(r"\.\.\.?|…"), "말줄임표(..., …)", "ellipses (..., …)"),
    "jamo_letter_share": (re.compile(r"[\u3131-\u318e]+"), "'ㅋㅋ'·'ㅠㅠ' 같은 낱자 자모",
                          "runs of bare jamo (ㅋㅋ, ㅠㅠ)"),
    "latin_letter_share": (re.compile(r"[A-Za-z]+"), "로마자 낱말", "Latin-letter words"),
    "quote_bracket_per_sentence": (re.compile("[\"'“”‘’()\\[\\]「」『』]"), "따옴표·괄호", "quotes and brackets"),
    "repeated_punct_per_sentence": (re.compile(r"!!+|\?\?+|~~+"), "'!!'·'??'·'~~' 같은 겹친 문장부호",
                                    "repeated marks (!!, ??, ~~)"),
}
PUNCTUATION = frozenset({*_FINAL_MARKS, "end_unpunctuated_share", *_PATTERNS})


def punctuation(ctx: TextContext, name: str, toward: str) -> Said:
    sentences = ctx.analysis.sentences
    n = len(sentences)
    ko_cmp, en_cmp = ctx.compare(name)
    if name in _FINAL_MARKS or name == "end_unpunctuated_share":
        last = [s.last_char for s in ctx.stats]
        if name == "end_unpunctuated_share":
            members = [i for i, c in enumerate(last) if c.isalnum()]
            ko_what, en_what = "문장부호 없이", "without final punctuation"
        else:
            mark, ko_mark, en_mark = _FINAL_MARKS[name]
            members = [i for i, c in enumerate(last) if c == mark]
            ko_what, en_what = f"{ko_mark}로", f"with {en_mark}"
        quotes = [] if name == "end_period_share" else unique_first(ctx.sentence_tail(i) for i in members)
        ko = f"문장 {n}개 가운데 {len(members)}개({share(len(members), n)})가 {ko_what} 끝납니다."
        en = f"{len(members)} of {n} sentences end {en_what}."
    else:
        pattern, ko_what, en_what = _PATTERNS[name]
        found = [m for s in sentences for m in pattern.finditer(s.text)]
        spans = [(s.start + m.start(), s.start + m.end()) for s in sentences for m in pattern.finditer(s.text)]
        quotes = [] if name == "quote_bracket_per_sentence" else unique_first(
            ctx.quote(*ctx.word_span(a, b)) for a, b in spans)
        if name == "jamo_letter_share" or name == "latin_letter_share":
            letters = sum(s.letters for s in ctx.stats)
            count = sum(len(m.group()) for m in found)
            letter = "낱자 자모" if name == "jamo_letter_share" else "로마자"
            ko = f"글자 {letters}자 가운데 {josa(letter, '이/가')} {count}자({share(count, letters)})입니다."
            en = f"{count} of {letters} letters ({share(count, letters)}) are in {en_what}."
        else:
            ko = f"{ko_what}{_subject(ko_what)} {len(found)}번 나옵니다(문장 {n}개)."
            en = f"{len(found)} {en_what} in {n} sentences."
        if not found:
            ko = f"{ko_what}{_subject(ko_what)} 없습니다(문장 {n}개)."
            en = f"No {en_what} in {n} sentences."
    if quotes:
        ko += f" 예: {quoted(quotes)}."
        en += f" E.g. {quoted(quotes)}."
    return Said(ko + ko_cmp, en + en_cmp, quotes)


def _subject(word: str) -> str:
    return josa(word, "이/가")[len(word):]
