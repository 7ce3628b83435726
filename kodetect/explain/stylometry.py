"""Evidence sentences for the stylometric signals: what was counted in this text, with quotes.

Each function reads the analysed text again rather than the feature value alone, so that a sentence
can say "12 of 14 bound nouns are spaced: '할 수', '것이'" instead of "spacing_bound_noun = 0.857".
The counts are the ones the feature was computed from (`kodetect.features.stylometry`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from kodetect.explain.catalog import ENDING_NAMES, POS_NAMES
from kodetect.explain.context import Said, TextContext, counted, share, tally, top_counts, unique_first
from kodetect.explain.korean import josa, morpheme_display, quoted
from kodetect.explain.punctuation import PUNCTUATION, punctuation
from kodetect.features.stylometry import pos_patterns
from kodetect.features.stylometry import rhythm as rhythm_features
from kodetect.text.segment import Morpheme, Sentence

Explainer = Callable[[TextContext, str, str], Said]

_POS_TAGS = {
    "pos_noun_common": ("NNG",), "pos_noun_proper": ("NNP",), "pos_noun_bound": ("NNB",), "pos_pronoun": ("NP",),
    "pos_verb": ("VV",), "pos_adjective": ("VA",), "pos_adverb": ("MAG",), "pos_conjunctive_adverb": ("MAJ",),
    "pos_determiner": ("MM",), "pos_interjection": ("IC",),
    "pos_particle_case": ("JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ"), "pos_particle_aux": ("JX",),
    "pos_particle_conj": ("JC",), "pos_ending_connective": ("EC",), "pos_ending_adnominal": ("ETM",),
    "pos_ending_nominal": ("ETN",), "pos_prefinal": ("EP",), "pos_derivational": ("XSN", "XSV", "XSA", "XPN", "XR"),
    "pos_foreign": ("SL", "SH"), "pos_number": ("SN",),
}  # fmt: skip
_CONTENT_TAGS = frozenset({"NNG", "NNP", "VV", "VA", "MAG", "XR"})


def _spaced(ctx: TextContext, token: Morpheme) -> bool:
    return token.start == 0 or ctx.text[token.start - 1].isspace()


def _around(ctx: TextContext, token: Morpheme) -> tuple[int, int]:
    """The word holding the token, and the word before it when a space separates them ('할 수', '학교 에서')."""
    start, end = ctx.word_span(token.start, token.start + token.len)
    if start == token.start and start > 0:
        start = ctx.word_before(start)[0]
    return start, end


# --- spacing ------------------------------------------------------------------------------------------

_SPACING = {
    "spacing_bound_noun": (lambda t: t.tag == "NNB", "의존 명사(수·것·때 등)", "bound nouns (수, 것, 때…)"),
    "spacing_auxiliary": (lambda t: t.tag == "VX", "보조 용언(있다·보다·주다 등)",
                          "auxiliary predicates (있다, 보다…)"),
    "spacing_particle_error": (lambda t: t.tag[0] == "J", "조사", "particles"),
    "spacing_suffix_error": (lambda t: t.tag in ("XSV", "XSA"), "'-하다' 같은 접미사", "하다-type suffixes"),
}


def spacing(ctx: TextContext, name: str, toward: str) -> Said:
    if name == "eojeol_mean_length":
        words = [w for s in ctx.analysis.sentences for w in s.text.split() if any("가" <= c <= "힣" for c in w)]
        mean = sum(map(len, words)) / len(words) if words else 0.0
        ko, en = ctx.compare(name)
        return Said(f"한글이 든 어절(띄어쓰기 단위) {len(words)}개의 평균 길이가 {mean:.1f}자입니다.{ko}",
                    f"The {len(words)} space-separated words with Hangul average {mean:.1f} characters.{en}")
    chosen, ko_name, en_name = _SPACING[name]
    found = [t for t in ctx.tokens if chosen(t)]
    spaced = [t for t in found if _spaced(ctx, t)]
    attached = [t for t in found if not _spaced(ctx, t)]
    ko_cmp, en_cmp = ctx.compare(name)
    if not found:
        return Said(f"{josa(ko_name, '이/가')} 나오지 않습니다.", f"The text has no {en_name}.")
    is_error = name.endswith("_error")
    # Show the habit behind the push: rule-following spacing when it points to AI, the writer's own otherwise.
    show = spaced if (toward == "ai") != is_error else attached
    show = show or spaced or attached
    quotes = unique_first(ctx.quote(*_around(ctx, t)) for t in show)
    if is_error:
        ko = (f"{ko_name} {len(found)}개 가운데 {len(spaced)}개를 앞말과 띄어 썼습니다"
              f"({share(len(spaced), len(found))}).")
        en = f"{len(spaced)} of {len(found)} {en_name} are separated from the word before by a space."
    else:
        ko = (f"{ko_name} {len(found)}곳 가운데 {len(spaced)}곳을 맞춤법대로 앞말과 띄어 썼습니다"
              f"({share(len(spaced), len(found))}).")
        en = f"{len(spaced)} of {len(found)} {en_name} are spaced from the word before, as the rules ask."
    return Said(f"{ko} 예: {quoted(quotes)}.{ko_cmp}", f"{en} E.g. {quoted(quotes)}.{en_cmp}", quotes)


# --- parts of speech ----------------------------------------------------------------------------------


def pos_share(ctx: TextContext, name: str, toward: str) -> Said:
    tags = _POS_TAGS[name]
    members = [t for t in ctx.tokens if t.tag in tags]
    total = len(ctx.tokens)
    ko_name, en_name = POS_NAMES[name]
    ko_cmp, en_cmp = ctx.compare(name)
    pairs, examples = tally(ctx, members)
    ko = f"형태소 {total}개 가운데 {josa(ko_name, '이/가')} {len(members)}개({share(len(members), total)})입니다."
    en = f"{len(members)} of {total} morphemes ({share(len(members), total)}) are {en_name}."
    if pairs:
        ko += f" 자주 쓰인 것: {counted(pairs, 'ko', examples)}."
        en += f" Most frequent: {counted(pairs, 'en', examples)}."
    return Said(ko + ko_cmp, en + en_cmp, unique_first(examples.values()))


def pos_diversity(ctx: TextContext, name: str, toward: str) -> Said:
    n = 2 if name == "pos_bigram_diversity" else 3
    value = pos_patterns(ctx.stats)[name]
    grams: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for s in ctx.analysis.sentences:
        tokens = [t for t in s.tokens if not t.tag.startswith("S")]
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            span = (window[0].start, window[-1].start + window[-1].len)
            grams.setdefault(tuple(t.tag for t in window), []).append(span)
    ko_cmp, en_cmp = ctx.compare(name)
    ko = f"품사 짜임의 다양성 지수가 {value:.2f}입니다(낮을수록 같은 짜임이 되풀이됨)."
    en = f"The variety index of part-of-speech patterns is {value:.2f} (lower: the same patterns recur)."
    if not grams:
        return Said(ko + ko_cmp, en + en_cmp)
    pattern, spans = max(grams.items(), key=lambda item: len(item[1]))
    quotes = unique_first(ctx.quote(a, b) for a, b in spans)
    if len(spans) > 1:
        ko += f" 가장 많이 되풀이된 짜임은 {quoted(quotes)} 같은 꼴로, {len(spans)}번 나옵니다."
        en += f" The most repeated pattern, as in {quoted(quotes)}, occurs {len(spans)} times."
    return Said(ko + ko_cmp, en + en_cmp, quotes if len(spans) > 1 else [])


# --- commas -------------------------------------------------------------------------------------------

_COMMA_KINDS = {
    "comma_after_particle": ("particle", "조사", "a particle"),
    "comma_after_connective": ("connective", "연결 어미(-고·-며 등)", "a connective ending (-고, -며…)"),
    "comma_after_noun": ("noun", "명사(나열)", "a noun (lists)"),
    "comma_after_adverb": ("adverb", "부사(또한·그러나 등)", "an adverb (또한, 그러나…)"),
}


def _comma_kind(previous: str) -> str:
    if previous[0] == "J":
        return "particle"
    if previous == "EC":
        return "connective"
    if previous[0] == "N":
        return "noun"
    return "adverb" if previous in ("MAJ", "MAG") else "other"


def commas(ctx: TextContext, name: str, toward: str) -> Said:
    found: list[tuple[str, str]] = []  # (kind, quote)
    for s in ctx.analysis.sentences:
        previous = "NONE"
        for t in s.tokens:
            if t.form == "," and t.tag == "SP":
                found.append((_comma_kind(previous), ctx.quote(*ctx.word_before(t.start + 1))))
            previous = t.tag
    n_sentences = len(ctx.analysis.sentences)
    ko_cmp, en_cmp = ctx.compare(name)
    if not found:
        return Said(f"쉼표가 한 번도 쓰이지 않았습니다(문장 {n_sentences}개).{ko_cmp}",
                    f"No comma is used in {n_sentences} sentences.{en_cmp}")
    if name in _COMMA_KINDS:
        kind, ko_kind, en_kind = _COMMA_KINDS[name]
        chosen = [q for k, q in found if k == kind]
        quotes = unique_first(chosen)
        ko = f"쉼표 {len(found)}개 가운데 {len(chosen)}개가 {ko_kind} 바로 뒤에 찍혔습니다."
        en = f"{len(chosen)} of {len(found)} commas come right after {en_kind}."
    else:
        quotes = unique_first(q for _, q in found)
        with_comma = sum(1 for s in ctx.stats if s.comma_positions)
        ko, en = _comma_rate(name, len(found), n_sentences, with_comma, ctx)
    if quotes:
        ko += f" 예: {quoted(quotes)}."
        en += f" E.g. {quoted(quotes)}."
    return Said(ko + ko_cmp, en + en_cmp, quotes)


def _comma_rate(name: str, n: int, sentences: int, with_comma: int, ctx: TextContext) -> tuple[str, str]:
    if name == "comma_sentence_share":
        return (f"문장 {sentences}개 가운데 {with_comma}개({share(with_comma, sentences)})에 쉼표가 있습니다.",
                f"{with_comma} of {sentences} sentences have a comma.")
    if name == "comma_per_100_hangul":
        hangul = sum(s.hangul for s in ctx.stats)
        rate = 100 * n / hangul if hangul else 0.0
        return (f"쉼표가 모두 {n}개로, 한글 100자당 {rate:.1f}개입니다.",
                f"{n} commas in all, {rate:.1f} per 100 Hangul characters.")
    if name == "comma_relative_position":
        positions = [p for s in ctx.stats for p in s.comma_positions]
        where = 100 * sum(positions) / len(positions)
        return (f"쉼표 {n}개가 문장 안에서 평균 {where:.0f}% 지점에 찍혔습니다(0%는 문장 처음, 100%는 끝).",
                f"The {n} commas sit on average {where:.0f}% of the way into their sentences.")
    return (f"쉼표가 모두 {n}개로, 문장 {sentences}개에 문장당 {n / sentences:.2f}개입니다.",
            f"{n} commas in {sentences} sentences: {n / sentences:.2f} per sentence.")


# --- sentence endings ---------------------------------------------------------------------------------


def _final_ending(sentence: Sentence) -> Morpheme | None:
    endings = [t for t in sentence.tokens if t.tag == "EF"]
    return endings[-1] if endings else None


def _ending_name(t: Morpheme) -> str:
    return f"-{morpheme_display(t.form, 'EF')[1:]}"


def endings(ctx: TextContext, name: str, toward: str) -> Said:
    stats = ctx.stats
    n = len(stats)
    ko_cmp, en_cmp = ctx.compare(name)
    finals = [_final_ending(s) for s in ctx.analysis.sentences]
    if name == "ending_form_entropy":
        pairs, examples = tally(ctx, (t for t in finals if t is not None), 4, _ending_name)
        kinds = len({_ending_name(t) for t in finals if t is not None})
        return Said(f"문장 끝맺음 어미가 {kinds}가지입니다: {counted(pairs, 'ko', examples)}.{ko_cmp}",
                    f"{kinds} different sentence-final endings: {counted(pairs, 'en', examples)}.{en_cmp}",
                    unique_first(examples.values()))
    if name == "ending_switch_rate":
        kinds = [s.ending for s in stats]
        switches = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a != b)
        return Said(f"이어지는 문장 {max(n - 1, 0)}쌍 가운데 {switches}쌍에서 말투(합쇼체·해요체·해라체 등)가 "
                    f"바뀝니다.{ko_cmp}",
                    f"The ending style changes between {switches} of {max(n - 1, 0)} consecutive sentence "
                    f"pairs.{en_cmp}")
    kind = name.removeprefix("ending_")
    ko_name, en_name = ENDING_NAMES[name]
    members = [i for i, s in enumerate(stats) if s.ending == kind]
    if kind in ("noun", "none"):
        quotes = unique_first(ctx.sentence_tail(i) for i in members)
        listed_ko = listed_en = quoted(quotes)
    else:
        pairs, examples = tally(ctx, (t for i in members if (t := finals[i]) is not None), key=_ending_name)
        quotes = unique_first(examples.values())
        listed_ko, listed_en = counted(pairs, "ko", examples), counted(pairs, "en", examples)
    counted_ko = f"문장 {n}개가 모두" if len(members) == n and n > 1 else f"문장 {n}개 가운데 {len(members)}개가"
    ko = f"{counted_ko} {josa(ko_name, '으로/로')} 끝납니다"
    en = f"{len(members)} of {n} sentences end in {en_name}"
    if members:
        ko += f": {listed_ko}"
        en += f": {listed_en}"
    return Said(f"{ko}.{ko_cmp}", f"{en}.{en_cmp}", quotes)


# --- rhythm and vocabulary ----------------------------------------------------------------------------


def rhythm(ctx: TextContext, name: str, toward: str) -> Said:
    sentences = ctx.analysis.sentences
    lengths = [s.end - s.start for s in sentences]
    n, mean = len(lengths), sum(lengths) / len(lengths)
    ko_cmp, en_cmp = ctx.compare(name)
    if name == "sentence_chars_log_mean":
        return Said(f"문장 {n}개의 평균 길이가 {mean:.0f}자입니다.{ko_cmp}",
                    f"The {n} sentences average {mean:.0f} characters.{en_cmp}")
    shortest, longest = min(range(n), key=lengths.__getitem__), max(range(n), key=lengths.__getitem__)
    spread = math.sqrt(sum((x - mean) ** 2 for x in lengths) / n) / mean if mean else 0.0
    quotes = unique_first([ctx.quote(sentences[shortest].start, sentences[shortest].end),
                           ctx.quote(sentences[longest].start, sentences[longest].end)])
    ko = (f"문장 {n}개의 길이가 가장 짧은 {lengths[shortest]}자에서 가장 긴 {lengths[longest]}자까지이고, "
          f"평균 {mean:.0f}자, 변동 계수 {spread:.2f}입니다(클수록 들쭉날쭉함).")
    en = (f"The {n} sentences run from {lengths[shortest]} to {lengths[longest]} characters, {mean:.0f} on "
          f"average; coefficient of variation {spread:.2f} (higher: more uneven).")
    if name == "sentence_morph_cv":
        morphs = [len(s.tags) for s in ctx.stats]
        value = rhythm_features(ctx.stats)[name]
        ko = (f"문장 {n}개의 길이를 형태소 수로 재면 가장 짧은 {min(morphs)}개에서 가장 긴 {max(morphs)}개까지이고, "
              f"변동 계수는 {value:.2f}입니다(클수록 들쭉날쭉함).")
        en = (f"Measured in morphemes, the {n} sentences run from {min(morphs)} to {max(morphs)}; coefficient of "
              f"variation {value:.2f} (higher: more uneven).")
    elif name == "sentence_length_jump":
        ratio = math.exp(rhythm_features(ctx.stats)[name])
        ko = (f"이웃한 두 문장의 길이가 평균 {ratio:.1f}배씩 차이 납니다"
              f"(문장 {n}개, {lengths[shortest]}~{lengths[longest]}자).")
        en = f"Neighbouring sentences differ in length by a factor of {ratio:.1f} on average ({n} sentences)."
    return Said(ko + ko_cmp, en + en_cmp, quotes if n > 1 else [])


def lexical(ctx: TextContext, name: str, toward: str) -> Said:
    tokens = [t for t in ctx.tokens if t.tag in _CONTENT_TAGS]
    content = [t.form for t in tokens]
    distinct = len(set(content))
    ko_cmp, en_cmp = ctx.compare(name)
    if name == "lexical_content_share":
        total = len(ctx.tokens)
        return Said(f"형태소 {total}개 가운데 내용어(명사·동사·형용사·부사)가 {len(content)}개"
                    f"({share(len(content), total)})입니다.{ko_cmp}",
                    f"{len(content)} of {total} morphemes ({share(len(content), total)}) are content words.{en_cmp}")
    if name == "lexical_mean_morpheme_chars":
        mean = sum(map(len, content)) / len(content) if content else 0.0
        longest = sorted(tokens, key=lambda t: -len(t.form))
        quotes = unique_first(ctx.quote(*ctx.word_span(t.start, t.start + t.len), limit=20) for t in longest)
        return Said(f"내용어 형태소의 평균 길이가 {mean:.2f}자입니다. 긴 낱말: {quoted(quotes)}.{ko_cmp}",
                    f"Content morphemes average {mean:.2f} characters; longest: {quoted(quotes)}.{en_cmp}", quotes)
    if name == "lexical_hapax_share":
        once = [form for form, count in top_counts(content, len(content)) if count == 1]
        return Said(f"내용어 {distinct}종류 가운데 {len(once)}개({share(len(once), distinct)})가 한 번만 쓰였습니다."
                    f"{ko_cmp}", f"{len(once)} of {distinct} distinct content words are used once.{en_cmp}")
    pairs, examples = tally(ctx, tokens, key=lambda t: t.form)
    repeated = [(form, count) for form, count in pairs if count > 1]
    ko = f"내용어 {len(content)}개 가운데 서로 다른 낱말이 {distinct}개입니다."
    en = f"{distinct} distinct words among {len(content)} content words."
    if repeated:
        ko += f" 가장 자주 되풀이된 낱말: {counted(repeated, 'ko', examples)}."
        en += f" Most repeated: {counted(repeated, 'en', examples)}."
    return Said(ko + ko_cmp, en + en_cmp, unique_first(examples[form] for form, _ in repeated))


def kiwi(ctx: TextContext, name: str, toward: str) -> Said:
    scored = [t for t in ctx.tokens if t.tag[0] not in "SW"]
    ko_cmp, en_cmp = ctx.compare(name)
    rare = sorted((t for t in scored if t.score < -12), key=lambda t: t.score)
    quotes = unique_first(ctx.quote(*ctx.word_span(t.start, t.start + t.len)) for t in rare)
    if name == "kiwi_rare_share" or (name == "kiwi_score_p10" and rare):
        ko = (f"형태소 분석기 Kiwi가 아주 드물다고 본 형태소(오타·신조어·희귀어)가 {len(scored)}개 가운데 "
              f"{len(rare)}개({share(len(rare), len(scored))})입니다.")
        en = (f"Kiwi's language model finds {len(rare)} of {len(scored)} morphemes very unlikely "
              "(typos, slang, rare words).")
        if quotes:
            ko += f" 예: {quoted(quotes)}."
            en += f" E.g. {quoted(quotes)}."
        return Said(ko + ko_cmp, en + en_cmp, quotes)
    mean = sum(t.score for t in scored) / len(scored) if scored else 0.0
    ko = (f"형태소 분석기 Kiwi의 언어 모델로 보면 이 글의 형태소는 평균 로그확률 {mean:.2f}입니다"
          "(0에 가까울수록 흔하고 예측하기 쉬운 표현).")
    en = f"To Kiwi's language model the morphemes average a log-probability of {mean:.2f} (nearer 0: more predictable)."
    strongest = ctx.strongest_sentence(name, toward)
    if strongest:
        ko += f" 이 점이 가장 두드러진 문장: '{strongest}'."
        en += f" Most marked in: '{strongest}'."
    return Said(ko + ko_cmp, en + en_cmp, [strongest] if strongest else [])


def family(name: str) -> Explainer | None:
    """The explainer of a stylometric signal, or None for signals explained elsewhere."""
    if name in _SPACING or name == "eojeol_mean_length":
        return spacing
    if name in _POS_TAGS:
        return pos_share
    if name in ("pos_bigram_diversity", "pos_trigram_diversity"):
        return pos_diversity
    if name.startswith("comma_"):
        return commas
    if name.startswith("ending_"):
        return endings
    if name.startswith("sentence_"):
        return rhythm
    if name.startswith("lexical_"):
        return lexical
    if name.startswith("kiwi_"):
        return kiwi
    return punctuation if name in PUNCTUATION else None
