"""Evidence a reader can check: every signal described in Korean and English, sentences that count what is
in the text, quotes taken from it, and n-gram heads explained by the words that carried their logit."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from kodetect import Detector
from kodetect.explain import SIGNALS, TextContext, signal_map
from kodetect.explain.context import value_text
from kodetect.explain.evidence import explain_signal
from kodetect.explain.korean import josa, morpheme_display
from kodetect.explain.phrases import char_phrases, morph_phrases, occurrence_shares, spread, word_phrases
from kodetect.features.ngrams import char_view, morph_view, view_buckets
from kodetect.features.stylometry import analysis_stats
from kodetect.features.vector import prepare
from kodetect.model.artifact import ModelArtifact
from kodetect.model.shipped import PACKAGED_MODELS

AI_TEXT = ("현대 사회에서 스마트폰은 우리 생활에 없어서는 안 될 필수품이 되었습니다. 특히 청소년들에게 스마트폰은 "
           "단순한 통신 수단을 넘어 학습, 여가, 그리고 사회적 관계를 유지하는 중요한 도구로 자리 잡고 있습니다. "
           "그러나 스마트폰의 과도한 사용은 여러 가지 부작용을 낳을 수 있기 때문에, 올바른 사용 습관을 기르는 것이 "
           "무엇보다 중요합니다. 결론적으로, 스마트폰은 유익한 도구가 될 수도 있고 해로운 습관이 될 수도 있습니다.")
HUMAN_TEXT = ("어제 동생이랑 시장에 갔는데 떡볶이집 앞에 줄이 엄청 길었다 ㅋㅋ 기다리다 지쳐서 그냥 옆집 순대를 "
              "사먹었음. 근데 그게 더 맛있었던거 같다?? 다음엔 처음부터 그 집으로 가야겠다. 집에 와서는 숙제 "
              "할려다가 잠들어버렸다.")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def context_of(text: str) -> TextContext:
    prepared = prepare(text)
    return TextContext(prepared.normalized, prepared.analysis, analysis_stats(prepared.analysis))


# --- the catalog ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fast", "deep"])
def test_every_signal_of_the_packaged_artifacts_has_a_korean_and_english_description(mode):
    names = json.loads(PACKAGED_MODELS[mode].with_suffix(".json").read_text("utf-8"))["feature_names"]
    missing = [name for name in names if name not in SIGNALS]
    assert not missing, f"describe these signals in kodetect/explain/catalog.py: {missing}"
    for name in names:
        assert re.search("[가-힣]", SIGNALS[name].ko) and SIGNALS[name].en.isascii() is not None
    card = json.loads(PACKAGED_MODELS[mode].with_suffix(".json").read_text("utf-8"))
    if "signals" in card:  # written by kodetect calibrate-sentences / kodetect train
        assert card["signals"] == signal_map(names)


# --- Korean grammar -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "pair", "expected"), [
    ("합쇼체(-습니다·-ㅂ니다)", "으로/로", "합쇼체(-습니다·-ㅂ니다)로"),
    ("의문형(-까·-니)", "으로/로", "의문형(-까·-니)으로"),
    ("명사", "으로/로", "명사로"), ("해라체", "으로/로", "해라체로"), ("연결 어미", "이/가", "연결 어미가"),
    ("관형사", "이/가", "관형사가"), ("일반 명사", "이/가", "일반 명사가"), ("로마자", "이/가", "로마자가"),
    ("형태소 모델", "은/는", "형태소 모델은"), ("보조사", "을/를", "보조사를"), ("문장", "을/를", "문장을"),
    ("물", "으로/로", "물로"), ("3", "이/가", "3이"), ("2", "이/가", "2가"), ("10", "은/는", "10은"),
    ("AI", "은/는", "AI는"),
])
def test_particles_follow_the_word_before(word, pair, expected):
    assert josa(word, pair) == expected


def test_morphemes_are_written_as_a_teacher_writes_them():
    assert morpheme_display("ᆫ", "ETM") == "-ㄴ"
    assert morpheme_display("ᆸ니다", "EF") == "-ㅂ니다"
    assert morpheme_display("었", "EP") == "-었-"
    assert morpheme_display("을", "JKO") == "을"


# --- sentences that count what is in the text ------------------------------------------------------------


def test_spacing_sentence_counts_and_quotes_the_bound_nouns():
    ctx = context_of("할 수 있는 것이 많다. 갈수 있을까. 먹을 것이 없다. 잘 할 수 있다.")
    said = explain_signal("spacing_bound_noun", 0.0, "human", ctx, {})
    nouns = [t for t in ctx.tokens if t.tag == "NNB"]
    spaced = [t for t in nouns if ctx.text[t.start - 1] == " "]
    assert f"{len(nouns)}곳 가운데 {len(spaced)}곳" in said.ko
    assert f"{len(spaced)} of {len(nouns)}" in said.en
    assert "갈수" in said.quotes  # toward human: the writer's own unspaced habit is quoted first


def test_ending_sentence_lists_the_endings_with_counts():
    ctx = context_of("밥을 먹었습니다. 학교에 갔습니다. 집에 왔어요. 공부를 했다.")
    said = explain_signal("ending_formal", 0.5, "ai", ctx, {})
    assert "문장 4개 가운데 2개가 합쇼체(-습니다·-ㅂ니다)로 끝납니다" in said.ko
    assert "'-습니다' 2번(예: '먹었습니다.')" in said.ko and said.quotes == ["먹었습니다."]
    polite = explain_signal("ending_polite", 0.25, "human", ctx, {})
    assert "1개가 해요체(-요)로" in polite.ko


def test_comma_sentence_counts_commas_and_quotes_them():
    ctx = context_of("첫째, 우리는 노력해야 한다. 그리고, 서로 돕고, 배려해야 한다. 마지막 문장이다.")
    said = explain_signal("comma_per_sentence", 0.0, "ai", ctx, {})
    assert "쉼표가 모두 3개로, 문장 3개에 문장당 1.00개입니다" in said.ko
    assert "첫째," in said.quotes
    connective = explain_signal("comma_after_connective", 0.0, "ai", ctx, {})
    assert "쉼표 3개 가운데 1개가 연결 어미" in connective.ko and "돕고," in connective.quotes


def test_comparison_with_validation_medians_when_the_model_has_them():
    prepared = prepare(HUMAN_TEXT)
    reference = {"comma_per_sentence": {"human": 0.25, "ai": 1.5}}
    ctx = TextContext(prepared.normalized, prepared.analysis, analysis_stats(prepared.analysis), reference)
    said = explain_signal("comma_per_sentence", 0.0, "human", ctx, {})
    assert said.ko.endswith("검증용 글의 중간값은 사람 글 0.25개, AI 글 1.50개입니다.")
    assert said.en.endswith("Validation medians: human 0.25, AI 1.50.")
    assert value_text(0.034, "share", "ko") == "3.4%"


def test_every_signal_gets_a_sentence_with_quotes_from_the_text(detector):
    """Each signal's sentence, for both example texts: Korean and English, no feature names, quotes found
    in the text."""
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    for text in (AI_TEXT, HUMAN_TEXT):
        ctx = context_of(text)
        flat = " ".join(text.split())
        for name in model.fusion.names:
            for toward in ("ai", "human"):
                said = explain_signal(name, 0.1, toward, ctx, model.ngram_heads)
                assert re.search("[가-힣]", said.ko) and said.ko.endswith("."), (name, said.ko)
                assert said.en.endswith(".") and not SNAKE_CASE.search(said.ko + said.en), (name, said)
                for quote in said.quotes:
                    assert quote.rstrip("…").lstrip("…") in flat, (name, quote)


# --- n-gram heads through phrases ------------------------------------------------------------------------


def test_phrase_shares_add_up_to_the_heads_logit():
    """Handing every n-gram occurrence's share to its characters loses nothing: the shares of the
    characters add up to the character head's logit less its intercept."""
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    ctx = context_of(AI_TEXT)
    sentences = ctx.analysis.sentences
    for view, build in (("char_ngram", char_view), ("morph_ngram", morph_view)):
        head = model.ngram_heads[view]
        value = build(sentences)
        units = (np.frombuffer(value.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) if view == "char_ngram"
                 else None)
        if units is None:
            import zlib

            units = np.array([zlib.crc32(u.encode("utf-8")) for u in value.split()], dtype=np.uint64)
        shares = spread(occurrence_shares(head, units), len(units))
        assert abs(shares.sum() - (head.logit(view_buckets(view, value)) - head.intercept)) < 1e-6


def test_char_phrases_rank_words_of_this_text_and_count_them():
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    ctx = context_of(AI_TEXT)
    phrases = char_phrases(model.ngram_heads["char_ngram"], ctx)
    words = {w.strip(".,") for w in AI_TEXT.split()}
    assert phrases and all(p.text in words for p in phrases)
    counts = {p.text: p.count for p in phrases}
    assert counts["스마트폰은"] == AI_TEXT.split().count("스마트폰은")
    total = sum(p.contribution for p in phrases)
    head = model.ngram_heads["char_ngram"]
    view = char_view(ctx.analysis.sentences)
    logit = head.logit(view_buckets("char_ngram", view)) - head.intercept
    # Only the shares of the spaces between words are not in any word: with them, the words' shares
    # add up to the head's logit.
    units = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    per_char = spread(occurrence_shares(head, units), len(view))
    spaces = sum(value for char, value in zip(view, per_char, strict=True) if char == " ")
    assert total + spaces == pytest.approx(logit, abs=1e-6)


def test_word_phrases_are_eojeols_of_this_text_whose_shares_add_up_to_the_heads_logit():
    """A pair's share is split between its two eojeols, so the eojeols' shares lose nothing."""
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    ctx = context_of(AI_TEXT)
    head = model.ngram_heads["word_ngram"]
    phrases = word_phrases(head, ctx)
    words = {w.strip(".,") for w in AI_TEXT.split()}
    assert phrases and all(p.text in words for p in phrases)
    assert {p.text: p.count for p in phrases}["스마트폰은"] == AI_TEXT.split().count("스마트폰은")
    logit = head.logit(view_buckets("word_ngram", char_view(ctx.analysis.sentences))) - head.intercept
    assert sum(p.contribution for p in phrases) == pytest.approx(logit, abs=1e-6)


def test_morph_phrases_are_particles_and_endings_with_an_example_word():
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    phrases = morph_phrases(model.ngram_heads["morph_ngram"], context_of(AI_TEXT))
    assert any(p.text == "-습니다" and p.count == AI_TEXT.count("습니다") for p in phrases)
    assert all(p.example and p.example.strip(".,") in AI_TEXT for p in phrases)


def test_detection_evidence_is_sentences_with_numbers_kept(detector):
    detection = detector.detect(AI_TEXT)
    assert detection.evidence
    for e in detection.evidence:
        assert e.name and isinstance(e.value, float) and isinstance(e.contribution, float)  # numbers for machines
        assert re.search("[가-힣]", e.explanation["ko"]) and e.explanation["en"]
    heads = [e for e in detection.evidence if e.name.endswith("_ngram_logit")]
    assert heads and all(e.quotes for e in heads)


def test_language_model_signals_say_the_value_and_quote_the_strongest_sentence():
    from kodetect.explain import Windows

    names = json.loads(PACKAGED_MODELS["deep"].with_suffix(".json").read_text("utf-8"))["feature_names"]
    lm_names = [name for name in names if name.startswith("lm_")]
    assert lm_names
    prepared = prepare(AI_TEXT)
    sentences = prepared.analysis.sentences
    # One window per sentence; the third pushes hardest toward AI on every language-model signal.
    standardized = np.zeros((len(sentences), len(lm_names)))
    standardized[2] = 3.0
    windows = Windows(standardized, np.ones(len(lm_names)), lm_names)
    ctx = TextContext(prepared.normalized, prepared.analysis, analysis_stats(prepared.analysis), None, windows)
    for name in lm_names:
        said = explain_signal(name, -1.25, "ai", ctx, {})
        assert "-1.25" in said.ko and "-1.25" in said.en
        assert said.quotes and said.quotes[0].rstrip("…") in " ".join(AI_TEXT.split())
        assert said.quotes[0].startswith(" ".join(sentences[2].text.split())[:10])
