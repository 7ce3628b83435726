"""Evidence sentences for the learned signals: the n-gram heads (through the phrases that pushed
them) and, in deep mode, the language model's statistics (with the sentence where each is strongest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kodetect.explain.context import Said, TextContext
from kodetect.explain.korean import josa
from kodetect.explain.phrases import Phrase, char_phrases, morph_phrases, strongest, word_phrases
from kodetect.model.artifact import NgramHead

PHRASES = 3


def _listed(phrases: list[Phrase], lang: str, with_example: bool) -> str:
    parts = []
    for p in phrases:
        times = f"{p.count}번" if lang == "ko" else f"×{p.count}"
        example = (f", 예: '{p.example}'" if lang == "ko" else f", e.g. '{p.example}'") if with_example else ""
        parts.append(f"'{p.text}'({times}{example})" if lang == "ko" else f"'{p.text}' ({times}{example})")
    return ", ".join(parts)


@dataclass(frozen=True)
class _HeadWords:
    """How one n-gram head is explained: what it quotes, and what it is called."""

    phrases: Callable[[NgramHead, TextContext], list[Phrase]]
    what_ko: str
    what_en: str
    model_ko: str
    model_en: str
    with_example: bool  # quote a word of the text beside each phrase (morphemes are not words)


_HEADS = {
    "char_ngram_logit": _HeadWords(char_phrases, "낱말·표현", "words", "글자 단위 표현 모델",
                                   "The character n-gram model", False),
    "morph_ngram_logit": _HeadWords(morph_phrases, "조사·어미", "particles and endings", "형태소(조사·어미) 모델",
                                    "The morpheme n-gram model", True),
    "word_ngram_logit": _HeadWords(word_phrases, "어절", "words", "어절 모델", "The word (eojeol) n-gram model", False),
}


def head_said(name: str, ctx: TextContext, head: NgramHead | None, toward: str) -> Said:
    """The head's push explained by the words (character and eojeol heads) or particles and endings
    (morpheme head) of this text that carried it, each with how often it occurs."""
    words = _HEADS[name]
    phrases = [] if head is None else words.phrases(head, ctx)
    side = "human" if toward == "human" else "ai"
    main = [p.quoted(ctx) for p in strongest(phrases, side, PHRASES)]
    other = [p.quoted(ctx) for p in strongest(phrases, "human" if side == "ai" else "ai", 2)]
    what_ko, what_en, model_ko, model_en = words.what_ko, words.what_en, words.model_ko, words.model_en
    example = words.with_example
    ko_side, en_side = ("AI", "AI-written") if side == "ai" else ("사람", "human-written")
    if not main:
        return Said(f"{josa(model_ko, '은/는')} 이 글의 {what_ko}에서 뚜렷한 쪽을 찾지 못했습니다.",
                    f"{model_en} found no {what_en} in this text that lean clearly either way.")
    ko = (f"{josa(model_ko, '이/가')} 이 글에서 {ko_side} 글 쪽으로 가장 크게 기운 {josa(what_ko, '으로/로')} 꼽은 것: "
          f"{_listed(main, 'ko', example)}.")
    en = (f"{model_en} found these {what_en} of this text most like {en_side} training text: "
          f"{_listed(main, 'en', example)}.")
    if other:
        other_ko = "사람" if side == "ai" else "AI"
        other_en = "human-written" if side == "ai" else "AI-written"
        ko += f" 반대로 {other_ko} 글 쪽으로 기운 것: {_listed(other, 'ko', example)}."
        en += f" Leaning the other way ({other_en}): {_listed(other, 'en', example)}."
    return Said(ko, en, [p.example or p.text for p in main])


def genre_contrast_said(name: str, value: float) -> Said:
    """An n-gram head's score against the people who write most like this text (`kodetect.features.genre`):
    the part of the score that the text's genre alone does not explain."""
    words = _HEADS[name]
    if abs(value) < 0.05:
        return Said(f"{josa(words.model_ko, '이/가')} 이 글에 준 점수는 장르가 가장 비슷한 사람 글들의 "
                    "평균과 같습니다.",
                    f"{words.model_en} scores this text as it scores the people's texts nearest to it in genre.")
    ko_side, en_side = ("높습니다(AI 쪽)", "above") if value > 0 else ("낮습니다(사람 쪽)", "below")
    return Said(f"{josa(words.model_ko, '이/가')} 이 글에 준 점수는 장르가 가장 비슷한 사람 글들의 평균보다 "
                f"{abs(value):.2f} {ko_side}.",
                f"{words.model_en} scores this text {abs(value):.2f} {en_side} the average of the people's texts "
                f"nearest to it in genre{' (toward AI)' if value > 0 else ' (toward human)'}.")


_LM = {
    "lm_mean_log_likelihood": ("언어 모델(Gemma)이 이 글의 낱말을 예측한 평균 로그우도가 {v:.2f}입니다"
                               "(0에 가까울수록 예측하기 쉬움).",
                               "The language model (Gemma) predicts the words of this text with a mean log-likelihood "
                               "of {v:.2f} (nearer 0: more predictable)."),
    "lm_mean_entropy": ("다음 낱말에 대한 언어 모델의 망설임(평균 엔트로피)이 {v:.2f}입니다(낮을수록 확신함).",
                        "The language model's uncertainty about the next word averages {v:.2f} "
                        "(entropy; lower: surer)."),
    "lm_mean_log_rank": ("실제로 쓰인 낱말이 언어 모델의 예측 순위에서 평균 로그 순위 {v:.2f}에 있습니다"
                         "(낮을수록 1순위에 가까움).",
                         "The words used sit at a mean log-rank of {v:.2f} among the model's guesses (lower: nearer "
                         "its first guess)."),
    "lm_log_rank_ratio": ("로그우도와 로그 순위의 비(LRR)가 {v:.2f}입니다.",
                          "The log-likelihood to log-rank ratio (LRR) is {v:.2f}."),
    "lm_fast_detectgpt": ("Fast-DetectGPT 곡률이 {v:.2f}입니다: 실제로 쓰인 낱말이 언어 모델이 기대하는 낱말보다 "
                          "표준편차 {a:.2f}배만큼 {more_ko} 그럴듯합니다(AI 글은 대개 0보다 큼).",
                          "Fast-DetectGPT curvature is {v:.2f}: the words used are {a:.2f} standard deviations "
                          "{more_en} likely than the model expects (AI text is usually above 0)."),
    "lm_log_likelihood_spread": ("낱말마다 예측하기 쉬운 정도의 들쭉날쭉함(로그우도 표준편차)이 {v:.2f}입니다"
                                 "(사람 글이 대개 더 큼).",
                                 "Word predictability varies with a standard deviation of {v:.2f} (people's writing "
                                 "usually varies more)."),
}


def language_model_said(name: str, ctx: TextContext, value: float, toward: str) -> Said:
    ko_text, en_text = _LM[name]
    ko_cmp, en_cmp = ctx.compare(name)
    signs = {"a": abs(value), "more_ko": "더" if value >= 0 else "덜", "more_en": "more" if value >= 0 else "less"}
    ko, en = ko_text.format(v=value, **signs), en_text.format(v=value, **signs)
    sentence = ctx.strongest_sentence(name, "human" if toward == "human" else "ai")
    if sentence:
        ko += f" 이 점이 가장 두드러진 문장: '{sentence}'."
        en += f" Most marked in: '{sentence}'."
    return Said(ko + ko_cmp, en + en_cmp, [sentence] if sentence else [])


def is_language_model(name: str) -> bool:
    return name in _LM
