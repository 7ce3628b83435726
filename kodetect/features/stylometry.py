"""Korean stylometric features: pure functions of sentences, each family returning named floats.

Every feature is a rate or a ratio, never a raw count or a length, so that the length of a text
cannot stand in for its authorship. The families follow KatFish (Park et al. 2025, arXiv 2503.00032),
which found that LLMs writing Korean space bound nouns and auxiliary predicates by the book, use
commas more often and in more places, and vary their part-of-speech patterns less than people do.

Each sentence is read once into `SentenceStats` (counts and short lists); the features of any run
of sentences, the whole text or a window around one sentence, are then aggregated from those
stats. That is what makes per-sentence scores cheap.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from kodetect.text.language import is_syllable
from kodetect.text.segment import Analysis, Morpheme, Sentence

_POS_GROUPS = {
    "pos_noun_common": ("NNG",),
    "pos_noun_proper": ("NNP",),
    "pos_noun_bound": ("NNB",),
    "pos_pronoun": ("NP",),
    "pos_verb": ("VV",),
    "pos_adjective": ("VA",),
    "pos_adverb": ("MAG",),
    "pos_conjunctive_adverb": ("MAJ",),
    "pos_determiner": ("MM",),
    "pos_interjection": ("IC",),
    "pos_particle_case": ("JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ"),
    "pos_particle_aux": ("JX",),
    "pos_particle_conj": ("JC",),
    "pos_ending_connective": ("EC",),
    "pos_ending_adnominal": ("ETM",),
    "pos_ending_nominal": ("ETN",),
    "pos_prefinal": ("EP",),
    "pos_derivational": ("XSN", "XSV", "XSA", "XPN", "XR"),
    "pos_foreign": ("SL", "SH"),
    "pos_number": ("SN",),
}


def _ratio(numerator: float, denominator: float, default: float = 0.0) -> float:
    return numerator / denominator if denominator else default


def _mattr(items: Sequence[Hashable], window: int) -> float:
    """Moving-average type-token ratio: diversity that does not shrink as the text grows."""
    if not items:
        return 0.0
    if len(items) <= window:
        return len(set(items)) / len(items)
    counts = Counter(items[:window])
    total = len(counts)
    running = total
    for i in range(window, len(items)):
        leaving, entering = items[i - window], items[i]
        counts[leaving] -= 1
        if counts[leaving] == 0:
            del counts[leaving]
            total -= 1
        if counts[entering] == 0:
            total += 1
        counts[entering] += 1
        running += total
    return running / (window * (len(items) - window + 1))


_CONTENT_TAGS = frozenset({"NNG", "NNP", "VV", "VA", "MAG", "XR"})
_TAG_TO_GROUP = {tag: name for name, tags in _POS_GROUPS.items() for tag in tags}
_ENDING_KINDS = ("formal", "polite", "plain", "question", "casual", "noun", "none")
_QUOTES_BRACKETS = frozenset("\"'“”‘’()[]「」『』")


def _ending_kind(tokens: Sequence[Morpheme]) -> tuple[str, str | None]:
    """The style of a sentence's final ending, and the ending itself."""
    final = None
    for t in tokens:
        if t.tag == "EF":
            final = t.form
    if final is None:
        content = [t for t in tokens if not t.tag.startswith("S")]
        return ("noun" if content and content[-1].tag.startswith("N") else "none"), None
    if final.endswith(("니다", "니까")) or final in ("ᆸ시다", "읍시다"):
        return "formal", final
    if final.endswith("요"):
        return "polite", final
    if final.endswith(("까", "니", "냐", "나")):
        return "question", final
    if final.endswith("다"):
        return "plain", final
    return "casual", final


@dataclass(frozen=True)
class SentenceStats:
    """Everything the features need from one sentence, read in one pass over its morphemes."""

    tags: tuple[str, ...]
    group_counts: Counter
    spacing: tuple[int, int, int, int, int, int, int, int]  # (total, spaced) for NNB, VX, J*, XSV/XSA
    word_count: int
    word_chars: int
    comma_positions: tuple[float, ...]
    comma_before: Counter
    hangul: int
    ending: str
    final_form: str | None
    chars: int
    content: tuple[str, ...]
    scores: tuple[float, ...]
    last_char: str
    ellipses: int
    jamo_letters: int
    latin_letters: int
    letters: int
    quotes: int
    repeated_punct: int


def sentence_stats(text: str, sentence: Sentence) -> SentenceStats:
    """Read one sentence of the clean `text` (the offsets of its morphemes index `text`)."""
    tokens = sentence.tokens
    spacing = [0] * 8
    before: Counter = Counter()
    positions: list[float] = []
    length = max(sentence.end - sentence.start, 1)
    previous_tag = "NONE"
    for t in tokens:
        tag = t.tag
        slot = 0 if tag == "NNB" else 2 if tag == "VX" else 4 if tag[0] == "J" else 6 if tag in ("XSV", "XSA") else -1
        if slot >= 0:
            spacing[slot] += 1
            spacing[slot + 1] += t.start == 0 or text[t.start - 1].isspace()
        if t.form == "," and tag == "SP":
            positions.append((t.start - sentence.start) / length)
            if previous_tag[0] == "J":
                before["particle"] += 1
            elif previous_tag == "EC":
                before["connective"] += 1
            elif previous_tag[0] == "N":
                before["noun"] += 1
            elif previous_tag in ("MAJ", "MAG"):
                before["adverb"] += 1
            else:
                before["other"] += 1
        previous_tag = tag
    tags = tuple(t.tag for t in tokens)
    words = [w for w in sentence.text.split() if any(is_syllable(c) for c in w)]
    ending, final_form = _ending_kind(tokens)
    body = sentence.text
    stripped = body.rstrip()
    letters = jamo = latin = quotes = 0
    for c in body:
        if c.isalpha():
            letters += 1
            if "\u3131" <= c <= "\u318e":
                jamo += 1
            elif c.isascii():
                latin += 1
        elif c in _QUOTES_BRACKETS:
            quotes += 1
    return SentenceStats(
        tags=tags,
        group_counts=Counter(_TAG_TO_GROUP[tag] for tag in tags if tag in _TAG_TO_GROUP),
        spacing=tuple(spacing),
        word_count=len(words),
        word_chars=sum(len(w) for w in words),
        comma_positions=tuple(positions),
        comma_before=before,
        hangul=sum(1 for c in body if is_syllable(c)),
        ending=ending,
        final_form=final_form,
        chars=len(body),
        content=tuple(t.form for t in tokens if t.tag in _CONTENT_TAGS),
        scores=tuple(t.score for t in tokens if t.tag[0] not in "SW"),
        last_char=stripped[-1] if stripped else "",
        ellipses=body.count("...") + body.count("…") + body.count(".."),
        jamo_letters=jamo,
        latin_letters=latin,
        letters=letters,
        quotes=quotes,
        repeated_punct=body.count("!!") + body.count("??") + body.count("~~"),
    )


# --- feature families over a run of sentences -----------------------------------------------

def spacing(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Word spacing (띄어쓰기): LLMs follow the rules; people often attach bound nouns and auxiliaries."""
    s = [sum(x.spacing[i] for x in stats) for i in range(8)]
    return {
        "spacing_bound_noun": _ratio(s[1], s[0], 0.5),
        "spacing_auxiliary": _ratio(s[3], s[2], 0.5),
        "spacing_particle_error": _ratio(s[5], s[4]),
        "spacing_suffix_error": _ratio(s[7], s[6]),
        "eojeol_mean_length": _ratio(sum(x.word_chars for x in stats), sum(x.word_count for x in stats), 3.0),
    }


def pos_patterns(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Part-of-speech make-up and the variety of POS sequences (KatFish's POS n-gram features)."""
    tags = [t for x in stats for t in x.tags]
    n = len(tags)
    groups: Counter = Counter()
    for x in stats:
        groups.update(x.group_counts)
    out = {name: _ratio(groups[name], n) for name in _POS_GROUPS}
    bigrams = list(zip(tags, tags[1:], strict=False))
    trigrams = list(zip(tags, tags[1:], tags[2:], strict=False))
    out["pos_bigram_diversity"] = _mattr(bigrams, 50)
    out["pos_trigram_diversity"] = _mattr(trigrams, 50)
    return out


def commas(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Comma rate, position and context, KatFishNet's strongest family."""
    positions = [p for x in stats for p in x.comma_positions]
    before: Counter = Counter()
    for x in stats:
        before.update(x.comma_before)
    n_commas = len(positions)
    return {
        "comma_per_sentence": _ratio(n_commas, len(stats)),
        "comma_per_100_hangul": _ratio(100 * n_commas, sum(x.hangul for x in stats)),
        "comma_sentence_share": _ratio(sum(1 for x in stats if x.comma_positions), len(stats)),
        "comma_relative_position": sum(positions) / len(positions) if positions else 0.5,
        "comma_after_particle": _ratio(before["particle"], n_commas),
        "comma_after_connective": _ratio(before["connective"], n_commas),
        "comma_after_noun": _ratio(before["noun"], n_commas),
        "comma_after_adverb": _ratio(before["adverb"], n_commas),
    }


def endings(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Sentence-final endings (종결어미): politeness level, variety, and switching between styles."""
    kinds = [x.ending for x in stats]
    counts = Counter(kinds)
    n = len(kinds)
    forms = Counter(x.final_form for x in stats if x.final_form is not None)
    total = sum(forms.values())
    out = {f"ending_{kind}": _ratio(counts[kind], n) for kind in _ENDING_KINDS}
    out["ending_form_entropy"] = -sum(c / total * math.log(c / total) for c in forms.values()) if total else 0.0
    switches = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a != b)
    out["ending_switch_rate"] = _ratio(switches, n - 1)
    return out


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    # Plain Python: these lists hold a handful of numbers, where numpy's call overhead dominates.
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / n)


def _percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile, as numpy.percentile computes it by default."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lo = math.floor(position)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


def rhythm(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Sentence length and its variation ("burstiness"): people vary more than LLMs."""
    chars = [x.chars for x in stats]
    if not chars or sum(chars) == 0:
        return dict.fromkeys(("sentence_chars_log_mean", "sentence_chars_cv", "sentence_morph_cv",
                              "sentence_length_jump"), 0.0)
    char_mean, char_std = _mean_std(chars)
    morph_mean, morph_std = _mean_std([len(x.tags) for x in stats])
    logs = [math.log1p(c) for c in chars]
    jumps = [abs(b - a) for a, b in zip(logs, logs[1:], strict=False)] or [0.0]
    return {
        "sentence_chars_log_mean": math.log1p(char_mean),
        "sentence_chars_cv": char_std / char_mean,
        "sentence_morph_cv": morph_std / morph_mean if morph_mean else 0.0,
        "sentence_length_jump": sum(jumps) / len(jumps),
    }


def lexical(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Vocabulary variety of content words."""
    content = [f for x in stats for f in x.content]
    counts = Counter(content)
    n_tokens = sum(len(x.tags) for x in stats)
    return {
        "lexical_mattr": _mattr(content, 40),
        "lexical_hapax_share": _ratio(sum(1 for c in counts.values() if c == 1), len(counts)),
        "lexical_content_share": _ratio(len(content), n_tokens),
        "lexical_mean_morpheme_chars": _ratio(sum(len(f) for f in content), len(content), 1.5),
    }


def kiwi_scores(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Kiwi's per-morpheme log-probabilities: how predictable the wording is to a Korean LM.

    On student essays LLM text is far more predictable; on polished human prose (news,
    encyclopedic text) the direction flips, so this is a feature to fuse, never a verdict alone.
    """
    scores = [s for x in stats for s in x.scores]
    if not scores:
        return {"kiwi_score_mean": -3.0, "kiwi_score_std": 0.0, "kiwi_score_p10": -3.0, "kiwi_rare_share": 0.0}
    mean, std = _mean_std(scores)
    return {
        "kiwi_score_mean": mean,
        "kiwi_score_std": std,
        "kiwi_score_p10": _percentile(scores, 10),
        "kiwi_rare_share": sum(1 for s in scores if s < -12) / len(scores),
    }


def punctuation(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """Final punctuation, ellipses, bare jamo (ㅋㅋ), Latin letters, quotes and repeated marks."""
    n = len(stats)
    letters = sum(x.letters for x in stats) or 1
    last = [x.last_char for x in stats]
    return {
        "end_period_share": _ratio(sum(c == "." for c in last), n),
        "end_exclaim_share": _ratio(sum(c == "!" for c in last), n),
        "end_question_share": _ratio(sum(c == "?" for c in last), n),
        "end_unpunctuated_share": _ratio(sum(c.isalnum() for c in last), n),
        "ellipsis_per_sentence": _ratio(sum(x.ellipses for x in stats), n),
        "jamo_letter_share": sum(x.jamo_letters for x in stats) / letters,
        "latin_letter_share": sum(x.latin_letters for x in stats) / letters,
        "quote_bracket_per_sentence": _ratio(sum(x.quotes for x in stats), n),
        "repeated_punct_per_sentence": _ratio(sum(x.repeated_punct for x in stats), n),
    }


FEATURE_FAMILIES = (spacing, pos_patterns, commas, endings, rhythm, lexical, kiwi_scores, punctuation)


def features_from_stats(stats: Sequence[SentenceStats]) -> dict[str, float]:
    """All stylometric features of a run of sentences, in a stable order."""
    out: dict[str, float] = {}
    for family in FEATURE_FAMILIES:
        out.update(family(stats))
    return out


def analysis_stats(analysis: Analysis) -> list[SentenceStats]:
    return [sentence_stats(analysis.text, s) for s in analysis.sentences]


def stylometric_features(analysis: Analysis) -> dict[str, float]:
    """All stylometric features of a whole analysed text."""
    return features_from_stats(analysis_stats(analysis))


FEATURE_DESCRIPTIONS: dict[str, str] = {
    "spacing_bound_noun": "share of bound nouns (수, 것, 때…) written with a space before them, as the rules ask",
    "spacing_auxiliary": "share of auxiliary predicates (있다, 보다…) written apart from the main verb",
    "spacing_particle_error": "share of particles wrongly separated from their noun by a space",
    "spacing_suffix_error": "share of 하다-type suffixes wrongly separated by a space",
    "eojeol_mean_length": "mean characters per space-separated word (fewer spaces, longer words)",
    "pos_bigram_diversity": "variety of part-of-speech pairs (moving-window type/token ratio)",
    "pos_trigram_diversity": "variety of part-of-speech triples (moving-window type/token ratio)",
    "comma_per_sentence": "commas per sentence",
    "comma_per_100_hangul": "commas per 100 Hangul characters",
    "comma_sentence_share": "share of sentences with at least one comma",
    "comma_relative_position": "mean position of commas within their sentence (0 start, 1 end)",
    "comma_after_particle": "share of commas right after a particle",
    "comma_after_connective": "share of commas right after a connective ending (-고, -며…)",
    "comma_after_noun": "share of commas right after a noun (lists)",
    "comma_after_adverb": "share of commas after an adverb (또한, 그러나…)",
    "ending_formal": "share of sentences ending in -습니다/-ㅂ니다",
    "ending_polite": "share of sentences ending in -요",
    "ending_plain": "share of sentences ending in plain -다",
    "ending_question": "share of sentences ending as a question",
    "ending_casual": "share of sentences with other (casual) endings",
    "ending_noun": "share of sentences ending on a noun (headline or note style)",
    "ending_none": "share of sentences without a final ending",
    "ending_form_entropy": "variety of sentence-final endings (entropy)",
    "ending_switch_rate": "how often consecutive sentences switch ending style",
    "sentence_chars_log_mean": "typical sentence length (log characters)",
    "sentence_chars_cv": "variation of sentence length (coefficient of variation); people vary more",
    "sentence_morph_cv": "variation of sentence length in morphemes",
    "sentence_length_jump": "mean change in length from one sentence to the next",
    "lexical_mattr": "vocabulary variety of content words (moving-window type/token ratio)",
    "lexical_hapax_share": "share of content words used only once",
    "lexical_content_share": "share of morphemes that are content words",
    "lexical_mean_morpheme_chars": "mean length of content morphemes",
    "kiwi_score_mean": "mean Kiwi morpheme log-probability: how predictable the wording is",
    "kiwi_score_std": "spread of Kiwi morpheme log-probabilities",
    "kiwi_score_p10": "10th percentile of Kiwi morpheme log-probabilities (the rarest words)",
    "kiwi_rare_share": "share of very unlikely morphemes (typos, slang, rare words)",
    "end_period_share": "share of sentences ending with a period",
    "end_exclaim_share": "share of sentences ending with '!'",
    "end_question_share": "share of sentences ending with '?'",
    "end_unpunctuated_share": "share of sentences without final punctuation",
    "ellipsis_per_sentence": "ellipses (..., …) per sentence",
    "jamo_letter_share": "share of bare jamo letters (ㅋㅋ, ㅠㅠ) among letters",
    "latin_letter_share": "share of Latin letters among letters",
    "quote_bracket_per_sentence": "quotes and brackets per sentence",
    "repeated_punct_per_sentence": "repeated punctuation (!!, ??, ~~) per sentence",
}
for _name in _POS_GROUPS:
    FEATURE_DESCRIPTIONS[_name] = f"share of morphemes tagged {'/'.join(_POS_GROUPS[_name])}"
