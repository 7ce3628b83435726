"""Every signal the fusion classifier reads, described for a reader in Korean and English.

The model card carries this map (`signals`) for the artifact's features, and a test checks that no
feature of a packaged artifact lacks an entry, so a new feature cannot reach a reader as a bare name.
`unit` says how the signal's value reads in a sentence: a share (percent), a count per sentence,
characters, or a plain index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["share", "per_sentence", "per_100", "chars", "index", "position"]


@dataclass(frozen=True)
class Signal:
    ko: str
    en: str
    unit: Unit = "share"


# Korean names of the part-of-speech groups of `features.stylometry._POS_GROUPS`, with examples.
POS_NAMES: dict[str, tuple[str, str]] = {
    "pos_noun_common": ("일반 명사", "common nouns"),
    "pos_noun_proper": ("고유 명사", "proper nouns"),
    "pos_noun_bound": ("의존 명사(수·것·때 등)", "bound nouns (수, 것, 때…)"),
    "pos_pronoun": ("대명사", "pronouns"),
    "pos_verb": ("동사", "verbs"),
    "pos_adjective": ("형용사", "adjectives"),
    "pos_adverb": ("부사", "adverbs"),
    "pos_conjunctive_adverb": ("접속 부사(그러나·또한 등)", "conjunctive adverbs (그러나, 또한…)"),
    "pos_determiner": ("관형사", "determiners"),
    "pos_interjection": ("감탄사", "interjections"),
    "pos_particle_case": ("격 조사(이/가·을/를·의 등)", "case particles (이/가, 을/를, 의…)"),
    "pos_particle_aux": ("보조사(은/는·도·만 등)", "auxiliary particles (은/는, 도, 만…)"),
    "pos_particle_conj": ("접속 조사(와/과·하고 등)", "conjunctive particles (와/과, 하고…)"),
    "pos_ending_connective": ("연결 어미(-고·-며·-지만 등)", "connective endings (-고, -며, -지만…)"),
    "pos_ending_adnominal": ("관형형 어미(-ㄴ·-는·-을)", "adnominal endings (-ㄴ, -는, -을)"),
    "pos_ending_nominal": ("명사형 어미(-기·-음)", "nominal endings (-기, -음)"),
    "pos_prefinal": ("선어말 어미(-었-·-겠-·-시-)", "pre-final endings (-었-, -겠-, -시-)"),
    "pos_derivational": ("파생 접사·어근(-하다·-적 등)", "derivational affixes and roots (-하다, -적…)"),
    "pos_foreign": ("로마자·한자", "Latin letters and Hanja"),
    "pos_number": ("숫자", "numbers"),
}

ENDING_NAMES: dict[str, tuple[str, str]] = {
    "ending_formal": ("합쇼체(-습니다·-ㅂ니다)", "the formal -습니다/-ㅂ니다 style"),
    "ending_polite": ("해요체(-요)", "the polite -요 style"),
    "ending_plain": ("해라체(-다)", "the plain -다 style"),
    "ending_question": ("의문형(-까·-니·-나 등)", "a question ending (-까, -니, -나…)"),
    "ending_casual": ("반말·구어체 어미(-어·-지·-네 등)", "a casual ending (-어, -지, -네…)"),
    "ending_noun": ("명사(개조식·제목식)", "a noun (note or headline style)"),
    "ending_none": ("종결 어미 없이", "no final ending"),
}

SIGNALS: dict[str, Signal] = {
    "spacing_bound_noun": Signal("의존 명사(수·것·때 등)를 맞춤법대로 앞말과 띄어 쓴 비율",
                                 "share of bound nouns (수, 것, 때…) spaced from the word before, as the rules ask"),
    "spacing_auxiliary": Signal("보조 용언(있다·보다·주다 등)을 본용언과 띄어 쓴 비율",
                                "share of auxiliary predicates (있다, 보다…) written apart from the main verb"),
    "spacing_particle_error": Signal("조사를 앞말과 잘못 띄어 쓴 비율",
                                     "share of particles wrongly separated from their noun by a space"),
    "spacing_suffix_error": Signal("'-하다' 같은 접미사를 잘못 띄어 쓴 비율",
                                   "share of 하다-type suffixes wrongly separated by a space"),
    "eojeol_mean_length": Signal("띄어쓰기 단위(어절)의 평균 글자 수",
                                 "mean characters per space-separated word", "chars"),
    "pos_bigram_diversity": Signal("이웃한 두 품사 짜임의 다양성(0~1, 낮을수록 같은 짜임 반복)",
                                   "variety of part-of-speech pairs (0-1; lower means repeated patterns)", "index"),
    "pos_trigram_diversity": Signal("이웃한 세 품사 짜임의 다양성(0~1, 낮을수록 같은 문장 틀 반복)",
                                    "variety of part-of-speech triples (0-1; lower means repeated sentence frames)",
                                    "index"),
    "comma_per_sentence": Signal("문장당 쉼표 수", "commas per sentence", "per_sentence"),
    "comma_per_100_hangul": Signal("한글 100자당 쉼표 수", "commas per 100 Hangul characters", "per_100"),
    "comma_sentence_share": Signal("쉼표가 하나라도 있는 문장의 비율", "share of sentences with at least one comma"),
    "comma_relative_position": Signal("쉼표가 문장 안에서 찍힌 평균 위치(0 처음, 1 끝)",
                                      "mean position of commas within their sentence (0 start, 1 end)", "position"),
    "comma_after_particle": Signal("조사 바로 뒤에 찍힌 쉼표의 비율", "share of commas right after a particle"),
    "comma_after_connective": Signal("연결 어미(-고·-며 등) 바로 뒤에 찍힌 쉼표의 비율",
                                     "share of commas right after a connective ending (-고, -며…)"),
    "comma_after_noun": Signal("명사 바로 뒤에 찍힌 쉼표(나열)의 비율", "share of commas right after a noun (lists)"),
    "comma_after_adverb": Signal("부사(또한·그러나 등) 뒤에 찍힌 쉼표의 비율",
                                 "share of commas after an adverb (또한, 그러나…)"),
    "ending_form_entropy": Signal("문장 끝맺음 어미의 다양성(엔트로피)",
                                  "variety of sentence-final endings (entropy)", "index"),
    "ending_switch_rate": Signal("이어지는 두 문장 사이에 말투(문체)가 바뀌는 비율",
                                 "how often consecutive sentences switch ending style"),
    "sentence_chars_log_mean": Signal("문장의 평균 길이", "typical sentence length", "chars"),
    "sentence_chars_cv": Signal("문장 길이(글자 수)의 들쭉날쭉함(변동 계수)",
                                "variation of sentence length in characters (coefficient of variation)", "index"),
    "sentence_morph_cv": Signal("문장 길이(형태소 수)의 들쭉날쭉함(변동 계수)",
                                "variation of sentence length in morphemes (coefficient of variation)", "index"),
    "sentence_length_jump": Signal("이웃한 문장 사이의 길이 변화",
                                   "mean change in length from one sentence to the next (log characters)", "index"),
    "lexical_mattr": Signal("내용어(명사·동사·형용사 등) 어휘의 다양성(0~1)",
                            "vocabulary variety of content words (0-1)", "index"),
    "lexical_hapax_share": Signal("한 번만 쓰인 내용어의 비율", "share of content words used only once"),
    "lexical_content_share": Signal("형태소 가운데 내용어의 비율", "share of morphemes that are content words"),
    "lexical_mean_morpheme_chars": Signal("내용어 형태소의 평균 글자 수", "mean length of content morphemes", "chars"),
    "kiwi_score_mean": Signal("형태소 분석기 Kiwi의 언어 모델이 본 낱말의 예측하기 쉬운 정도(평균 로그확률)",
                              "how predictable the wording is to Kiwi's language model (mean log-probability)",
                              "index"),
    "kiwi_score_std": Signal("Kiwi 언어 모델 로그확률의 들쭉날쭉함",
                             "spread of Kiwi's morpheme log-probabilities", "index"),
    "kiwi_score_p10": Signal("가장 드문 낱말들의 Kiwi 로그확률(하위 10%)",
                             "Kiwi log-probability of the rarest words (10th percentile)", "index"),
    "kiwi_rare_share": Signal("Kiwi가 아주 드물다고 본 형태소(오타·신조어·희귀어)의 비율",
                              "share of morphemes Kiwi finds very unlikely (typos, slang, rare words)"),
    "end_period_share": Signal("마침표로 끝나는 문장의 비율", "share of sentences ending with a period"),
    "end_exclaim_share": Signal("느낌표로 끝나는 문장의 비율", "share of sentences ending with '!'"),
    "end_question_share": Signal("물음표로 끝나는 문장의 비율", "share of sentences ending with '?'"),
    "end_unpunctuated_share": Signal("문장부호 없이 끝나는 문장의 비율",
                                     "share of sentences without final punctuation"),
    "ellipsis_per_sentence": Signal("문장당 말줄임표(..., …) 수", "ellipses (..., …) per sentence", "per_sentence"),
    "jamo_letter_share": Signal("'ㅋㅋ'·'ㅠㅠ' 같은 낱자 자모가 글자에서 차지하는 비율",
                                "share of bare jamo letters (ㅋㅋ, ㅠㅠ) among letters"),
    "latin_letter_share": Signal("로마자가 글자에서 차지하는 비율", "share of Latin letters among letters"),
    "quote_bracket_per_sentence": Signal("문장당 따옴표·괄호 수", "quotes and brackets per sentence", "per_sentence"),
    "repeated_punct_per_sentence": Signal("문장당 겹친 문장부호(!!·??·~~) 수",
                                          "repeated punctuation (!!, ??, ~~) per sentence", "per_sentence"),
    "char_ngram_logit": Signal("글자 단위 표현 모델: 이 글의 낱말과 표현이 학습한 AI 글과 닮은 정도",
                               "character n-gram model: how much the wording resembles AI-written training text",
                               "index"),
    "morph_ngram_logit": Signal("형태소 모델: 조사·어미와 문장 짜임이 학습한 AI 글과 닮은 정도",
                                "morpheme n-gram model: how much the particles, endings and sentence patterns "
                                "resemble AI-written training text", "index"),
    "word_ngram_logit": Signal("어절 모델: 이 글의 어절과 이어진 두 어절이 학습한 AI 글과 닮은 정도",
                               "eojeol n-gram model: how much the whole words and word pairs resemble AI-written "
                               "training text", "index"),
    "lm_mean_log_likelihood": Signal("언어 모델(Gemma)에게 각 낱말이 얼마나 예측하기 쉬웠는지(평균 로그우도)",
                                     "language model: how predictable each word is (mean log-likelihood)", "index"),
    "lm_mean_entropy": Signal("다음 낱말에 대한 언어 모델의 망설임(평균 엔트로피)",
                              "language model: how uncertain it is about the next word (mean entropy)", "index"),
    "lm_mean_log_rank": Signal("실제 낱말이 언어 모델의 예측 순위에서 차지한 자리(평균 로그 순위)",
                               "language model: how near the top of its guesses each word sits (mean log-rank)",
                               "index"),
    "lm_log_rank_ratio": Signal("로그우도와 로그 순위의 비(LRR)",
                                "language model: log-likelihood to log-rank ratio (LRR)", "index"),
    "lm_fast_detectgpt": Signal("Fast-DetectGPT 곡률: 실제 낱말이 언어 모델의 기대보다 얼마나 더 그럴듯한지",
                                "language model: Fast-DetectGPT curvature, likelihood above what the model expects",
                                "index"),
    "lm_log_likelihood_spread": Signal("낱말 예측도의 들쭉날쭉함(로그우도 표준편차, 사람 글이 더 큼)",
                                       "language model: how much word predictability varies (humans vary more)",
                                       "index"),
}
for _name, _en in (("char_ngram_logit", "character"), ("morph_ngram_logit", "morpheme"),
                   ("word_ngram_logit", "eojeol")):
    _ko = SIGNALS[_name].ko.split(":")[0]
    SIGNALS[f"{_name}_vs_genre"] = Signal(
        f"{_ko}의 점수가 장르가 가장 비슷한 사람 글들의 평균보다 높은 정도",
        f"{_en} n-gram model: its score above the average of the people's texts nearest in genre", "index")
for _name, (_ko, _en) in POS_NAMES.items():
    SIGNALS[_name] = Signal(f"형태소 가운데 {_ko}의 비율", f"share of morphemes that are {_en}")
for _name, (_ko, _en) in ENDING_NAMES.items():
    _ko_text = "종결 어미 없이 끝나는 문장의 비율" if _name == "ending_none" else f"{_ko}로 끝나는 문장의 비율"
    SIGNALS[_name] = Signal(_ko_text, f"share of sentences ending in {_en}")


def signal(name: str) -> Signal:
    """The entry of a signal; an unknown name (a newer artifact's feature) reads as itself."""
    return SIGNALS.get(name) or Signal(name, name, "index")


def signal_map(names: list[str]) -> dict[str, dict[str, str]]:
    """What the model card stores: each feature's Korean and English description."""
    return {name: {"ko": signal(name).ko, "en": signal(name).en} for name in names}
