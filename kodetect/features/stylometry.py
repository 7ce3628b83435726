"""Korean stylometric features: pure functions of an `Analysis`, each returning named floats.

Every feature is a rate or a ratio, never a raw count or a length, so that the length of a text
cannot stand in for its authorship. The families follow KatFish (Park et al. 2025, arXiv 2503.00032),
which found that LLMs writing Korean space bound nouns and auxiliary predicates by the book, use
commas more often and in more places, and vary their part-of-speech patterns less than people do.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from kiwipiepy import Token

from kodetect.text.segment import Analysis


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    description: str


def _tag(token: Token) -> str:
    # Kiwi marks regular/irregular conjugation as VV-R / VV-I; the base tag is what matters here.
    return token.tag.split("-", 1)[0]


def _ratio(numerator: float, denominator: float, default: float = 0.0) -> float:
    return numerator / denominator if denominator else default


def _preceded_by_space(text: str, token: Token) -> bool:
    return token.start == 0 or text[token.start - 1].isspace()


def _mattr(items: Sequence[str], window: int) -> float:
    """Moving-average type-token ratio: diversity that does not shrink as the text grows."""
    if not items:
        return 0.0
    if len(items) <= window:
        return len(set(items)) / len(items)
    counts = Counter(items[:window])
    total = len(counts)
    ratios = [total / window]
    for i in range(window, len(items)):
        leaving, entering = items[i - window], items[i]
        counts[leaving] -= 1
        if counts[leaving] == 0:
            del counts[leaving]
            total -= 1
        if counts[entering] == 0:
            total += 1
        counts[entering] += 1
        ratios.append(total / window)
    return float(np.mean(ratios))


# --- word spacing (띄어쓰기) -------------------------------------------------------------------

def spacing(a: Analysis) -> dict[str, float]:
    tokens = a.tokens
    text = a.text
    bound = [t for t in tokens if _tag(t) == "NNB"]
    auxiliary = [t for t in tokens if _tag(t) == "VX"]
    particles = [t for t in tokens if _tag(t).startswith("J")]
    suffix_verbs = [t for t in tokens if _tag(t) in ("XSV", "XSA")]
    words = [w for s in a.sentences for w in s.text.split()]
    hangul_words = [w for w in words if any("\uac00" <= c <= "\ud7a3" for c in w)]
    return {
        "spacing_bound_noun": _ratio(sum(_preceded_by_space(text, t) for t in bound), len(bound), 0.5),
        "spacing_auxiliary": _ratio(sum(_preceded_by_space(text, t) for t in auxiliary), len(auxiliary), 0.5),
        "spacing_particle_error": _ratio(sum(_preceded_by_space(text, t) for t in particles), len(particles)),
        "spacing_suffix_error": _ratio(sum(_preceded_by_space(text, t) for t in suffix_verbs), len(suffix_verbs)),
        "eojeol_mean_length": _ratio(sum(len(w) for w in hangul_words), len(hangul_words), 3.0),
    }


# --- part-of-speech patterns ------------------------------------------------------------------

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


def pos_patterns(a: Analysis) -> dict[str, float]:
    tags = [_tag(t) for t in a.tokens]
    n = len(tags)
    counts = Counter(tags)
    out = {name: _ratio(sum(counts[t] for t in group), n) for name, group in _POS_GROUPS.items()}
    bigrams = [f"{x}+{y}" for x, y in zip(tags, tags[1:], strict=False)]
    trigrams = [f"{x}+{y}+{z}" for x, y, z in zip(tags, tags[1:], tags[2:], strict=False)]
    out["pos_bigram_diversity"] = _mattr(bigrams, 50)
    out["pos_trigram_diversity"] = _mattr(trigrams, 50)
    return out


# --- commas (KatFishNet's strongest family) --------------------------------------------------

def commas(a: Analysis) -> dict[str, float]:
    positions: list[float] = []
    before = Counter()
    hangul_chars = 0
    for s in a.sentences:
        hangul_chars += sum(1 for c in s.text if "\uac00" <= c <= "\ud7a3")
        length = max(s.end - s.start, 1)
        previous: Token | None = None
        for t in s.tokens:
            if t.form == "," and _tag(t) == "SP":
                positions.append((t.start - s.start) / length)
                prev_tag = _tag(previous) if previous is not None else "NONE"
                if prev_tag.startswith("J"):
                    before["particle"] += 1
                elif prev_tag == "EC":
                    before["connective"] += 1
                elif prev_tag.startswith("N"):
                    before["noun"] += 1
                elif prev_tag in ("MAJ", "MAG"):
                    before["adverb"] += 1
                else:
                    before["other"] += 1
            previous = t
    n_commas = len(positions)
    return {
        "comma_per_sentence": _ratio(n_commas, len(a.sentences)),
        "comma_per_100_hangul": _ratio(100 * n_commas, hangul_chars),
        "comma_sentence_share": _ratio(
            sum(1 for s in a.sentences if any(t.form == "," for t in s.tokens)), len(a.sentences)
        ),
        "comma_relative_position": float(np.mean(positions)) if positions else 0.5,
        "comma_after_particle": _ratio(before["particle"], n_commas),
        "comma_after_connective": _ratio(before["connective"], n_commas),
        "comma_after_noun": _ratio(before["noun"], n_commas),
        "comma_after_adverb": _ratio(before["adverb"], n_commas),
    }


# --- sentence endings (종결어미) ---------------------------------------------------------------

def _ending_kind(sentence_tokens: Sequence[Token]) -> str:
    endings = [t for t in sentence_tokens if _tag(t) == "EF"]
    if not endings:
        content = [t for t in sentence_tokens if not _tag(t).startswith("S")]
        if content and _tag(content[-1]).startswith("N"):
            return "noun"
        return "none"
    form = endings[-1].form
    if form.endswith(("니다", "니까")) or form in ("ᆸ시다", "읍시다"):
        return "formal"
    if form.endswith("요"):
        return "polite"
    if form.endswith(("까", "니", "냐", "나", "ᆯ까")):
        return "question"
    if form.endswith("다"):
        return "plain"
    return "casual"


_ENDING_KINDS = ("formal", "polite", "plain", "question", "casual", "noun", "none")


def endings(a: Analysis) -> dict[str, float]:
    kinds = [_ending_kind(s.tokens) for s in a.sentences]
    counts = Counter(kinds)
    n = len(kinds)
    forms = Counter(t.form for s in a.sentences for t in s.tokens if _tag(t) == "EF")
    total_forms = sum(forms.values())
    entropy = -sum((c / total_forms) * math.log(c / total_forms) for c in forms.values()) if total_forms else 0.0
    out = {f"ending_{kind}": _ratio(counts[kind], n) for kind in _ENDING_KINDS}
    out["ending_form_entropy"] = entropy
    out["ending_switch_rate"] = _ratio(sum(1 for x, y in zip(kinds, kinds[1:], strict=False) if x != y), n - 1)
    return out


# --- rhythm: sentence length and its variation ("burstiness") --------------------------------

def rhythm(a: Analysis) -> dict[str, float]:
    char_lengths = np.array([len(s.text) for s in a.sentences], dtype=float)
    morph_lengths = np.array([len(s.tokens) for s in a.sentences], dtype=float)
    if len(char_lengths) == 0:
        return {name: 0.0 for name in ("sentence_chars_log_mean", "sentence_chars_cv", "sentence_morph_cv",
                                       "sentence_length_jump")}
    mean_chars = char_lengths.mean()
    jumps = np.abs(np.diff(np.log1p(char_lengths))) if len(char_lengths) > 1 else np.array([0.0])
    return {
        "sentence_chars_log_mean": float(np.log1p(mean_chars)),
        "sentence_chars_cv": float(char_lengths.std() / mean_chars) if mean_chars else 0.0,
        "sentence_morph_cv": float(morph_lengths.std() / morph_lengths.mean()) if morph_lengths.mean() else 0.0,
        "sentence_length_jump": float(jumps.mean()),
    }


# --- vocabulary ------------------------------------------------------------------------------

_CONTENT_TAGS = ("NNG", "NNP", "VV", "VA", "MAG", "XR")


def lexical(a: Analysis) -> dict[str, float]:
    tokens = a.tokens
    content = [t.form for t in tokens if _tag(t) in _CONTENT_TAGS]
    counts = Counter(content)
    return {
        "lexical_mattr": _mattr(content, 40),
        "lexical_hapax_share": _ratio(sum(1 for c in counts.values() if c == 1), len(counts)),
        "lexical_content_share": _ratio(len(content), len(tokens)),
        "lexical_mean_morpheme_chars": _ratio(sum(len(f) for f in content), len(content), 1.5),
    }


# --- Kiwi's morpheme language-model scores ---------------------------------------------------

def kiwi_scores(a: Analysis) -> dict[str, float]:
    """Kiwi's per-morpheme log-probabilities: how predictable the wording is to a Korean LM.

    On student essays LLM text is far more predictable; on polished human prose (news,
    encyclopedic text) the direction flips, so this is a feature to fuse, never a verdict alone.
    """
    scores = np.array([t.score for t in a.tokens if not _tag(t).startswith(("S", "W"))], dtype=float)
    if scores.size == 0:
        return {"kiwi_score_mean": -3.0, "kiwi_score_std": 0.0, "kiwi_score_p10": -3.0, "kiwi_rare_share": 0.0}
    return {
        "kiwi_score_mean": float(scores.mean()),
        "kiwi_score_std": float(scores.std()),
        "kiwi_score_p10": float(np.percentile(scores, 10)),
        "kiwi_rare_share": float((scores < -12).mean()),
    }


# --- punctuation and characters --------------------------------------------------------------

def punctuation(a: Analysis) -> dict[str, float]:
    text = "".join(s.text for s in a.sentences)
    n_sent = len(a.sentences)
    last_chars = [s.text.rstrip()[-1] if s.text.strip() else "" for s in a.sentences]
    letters = sum(1 for c in text if c.isalpha()) or 1
    return {
        "end_period_share": _ratio(sum(c == "." for c in last_chars), n_sent),
        "end_exclaim_share": _ratio(sum(c == "!" for c in last_chars), n_sent),
        "end_question_share": _ratio(sum(c == "?" for c in last_chars), n_sent),
        "end_unpunctuated_share": _ratio(sum(c.isalnum() for c in last_chars), n_sent),
        "ellipsis_per_sentence": _ratio(text.count("...") + text.count("…") + text.count(".."), n_sent),
        "jamo_letter_share": sum(1 for c in text if "\u3131" <= c <= "\u318e") / letters,
        "latin_letter_share": sum(1 for c in text if c.isascii() and c.isalpha()) / letters,
        "quote_bracket_per_sentence": _ratio(sum(text.count(q) for q in "\"'“”‘’()[]「」『』"), n_sent),
        "repeated_punct_per_sentence": _ratio(text.count("!!") + text.count("??") + text.count("~~"), n_sent),
    }


FEATURE_FUNCTIONS: tuple[Callable[[Analysis], dict[str, float]], ...] = (
    spacing,
    pos_patterns,
    commas,
    endings,
    rhythm,
    lexical,
    kiwi_scores,
    punctuation,
)


def stylometric_features(a: Analysis) -> dict[str, float]:
    """All stylometric features of one analysis, in a stable order."""
    out: dict[str, float] = {}
    for function in FEATURE_FUNCTIONS:
        out.update(function(a))
    return out


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
