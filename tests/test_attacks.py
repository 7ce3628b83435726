import random
import re
import unicodedata

import pytest

from kodetect.eval.attacks import (
    ATTACKS,
    DESCRIPTIONS,
    attack_rng,
    comma_insert,
    ending_switch,
    endings_in_register,
    mix_documents,
    particle_drop,
    spacing_errors,
    truncate,
)
from kodetect.text.normalize import normalize
from kodetect.text.segment import analyze

SAMPLE = (
    "저는 어제 친구와 함께 학교에 갔습니다. 날씨가 좋아서 공원을 산책할 수 있었습니다. "
    "우리는 점심으로 김밥을 먹고 이야기를 나눴습니다. 그것은 정말 즐거운 시간이었습니다. "
    "다음에 또 가고 싶습니다. 너는 어떻게 생각하니?\n"
    "두 번째 문단은 짧게 씁니다. 책을 읽으면서, 생각을 정리하고 있습니다."
)
ZERO_WIDTH = "\u200b\u200c\u2060"


def rng(seed: int = 0) -> random.Random:
    return random.Random(seed)


def test_registry_has_every_attack_described():
    assert set(ATTACKS) == set(DESCRIPTIONS)
    assert {"zero-width", "homoglyph", "full-width", "nfd", "ending-switch", "truncate-300"} <= set(ATTACKS)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_deterministic_for_a_seed(name):
    first = ATTACKS[name](SAMPLE, attack_rng(7, name, "row-1"))
    assert first == ATTACKS[name](SAMPLE, attack_rng(7, name, "row-1"))


@pytest.mark.parametrize("name", list(ATTACKS))
@pytest.mark.parametrize(
    "text", ["", "   ", "This is plain English text, with commas.", "좋아요 😀👍🏽 ❤️", "한 문장만 있습니다."]
)
def test_never_crashes_on_odd_text(name, text):
    assert isinstance(ATTACKS[name](text, rng()), str)


@pytest.mark.parametrize("name", [n for n in ATTACKS if not n.startswith("truncate")])
def test_changes_the_sample(name):
    assert ATTACKS[name](SAMPLE, rng()) != SAMPLE


def test_zero_width_adds_only_invisible_characters_between_syllables():
    out = ATTACKS["zero-width"](SAMPLE, rng())
    assert re.sub(f"[{ZERO_WIDTH}]", "", out) == SAMPLE
    inserted = [m.start() for m in re.finditer(f"[{ZERO_WIDTH}]", out)]
    assert inserted and all("\uac00" <= out[i - 1] <= "\ud7a3" and "\uac00" <= out[i + 1] <= "\ud7a3" for i in inserted)


def test_homoglyph_swaps_latin_and_punctuation():
    text = "The price is 3,000 won. Nice apple."
    out = ATTACKS["homoglyph"](text, rng(1))
    assert len(out) == len(text) and out != text
    assert not out.isascii()
    assert "\u2024" in out or "\u201a" in out


def test_full_width_has_no_ascii_left():
    out = ATTACKS["full-width"]("AI 텍스트, 100% 확인!\n다음 줄", rng())
    assert out == "ＡＩ\u3000텍스트，\u3000１００％\u3000확인！\n다음\u3000줄"


def test_nfd_recomposes_to_the_original():
    out = ATTACKS["nfd"](SAMPLE, rng())
    assert out != SAMPLE and not any("\uac00" <= c <= "\ud7a3" for c in out)
    assert unicodedata.normalize("NFC", out) == SAMPLE


def test_extra_whitespace_only_adds_spaces():
    out = ATTACKS["extra-whitespace"](SAMPLE, rng())
    assert out.replace(" ", "") == SAMPLE.replace(" ", "")
    assert out.count(" ") > SAMPLE.count(" ")


def test_no_spaces_keeps_lines():
    out = ATTACKS["no-spaces"](SAMPLE, rng())
    assert " " not in out
    assert out.split("\n") == [line.replace(" ", "") for line in SAMPLE.split("\n")]


def test_spacing_errors_attach_bound_nouns_and_auxiliaries():
    out = spacing_errors("산책할 수 있었습니다. 먹고 싶다.", rng())
    assert "산책할수" in out and "먹고싶다" in out
    assert out.replace(" ", "") == "산책할수있었습니다.먹고싶다."


def test_spacing_errors_split_some_particles():
    text = " ".join(["학교에 갑니다."] * 60)
    out = spacing_errors(text, rng())
    assert out.replace(" ", "") == text.replace(" ", "")
    assert 0 < out.count("학교 에") < 30


def test_comma_insert_and_remove():
    text = " ".join(["밥을 먹고 학교에 가서 공부했다."] * 20)
    out = comma_insert(text, rng())
    assert out.replace(",", "") == text
    assert "먹고," in out or "가서," in out
    assert "," not in ATTACKS["comma-remove"](SAMPLE, rng())
    assert ATTACKS["comma-remove"](SAMPLE, rng()) == SAMPLE.replace(",", "")


def test_ending_switch_changes_final_endings_only():
    text = "나는 학교에 갑니다. 그것은 사과입니다. 책을 읽었습니다. 너는 어디 가니?"
    out = ending_switch(text, rng())
    sentences_in, sentences_out = text.split(". "), out.split(". ")
    assert len(sentences_in) == len(sentences_out)
    assert sentences_out[-1] == "너는 어디 가니?"  # a question stays
    for before, after in zip(sentences_in[:-1], sentences_out[:-1], strict=True):
        assert after != before
        assert after.rsplit(" ", 1)[0] == before.rsplit(" ", 1)[0]  # only the last word changed
    assert out in (
        "나는 학교에 간다. 그것은 사과다. 책을 읽었다. 너는 어디 가니?",
        "나는 학교에 가요. 그것은 사과예요. 책을 읽었어요. 너는 어디 가니?",
    )


def test_ending_switch_leaves_sentences_already_in_the_target_level():
    text = "비가 온다. 비가 온다. 우산을 챙겼어요."
    out = ending_switch(text, rng())
    # plain is dominant, so the target is polite or formal; the polite sentence stays as written.
    assert out.endswith("우산을 챙겼어요.") or out == "비가 옵니다. 비가 옵니다. 우산을 챙겼습니다."
    assert "온다" not in out


def test_ending_switch_copula_after_vowel_and_consonant():
    for seed in range(10):
        out = ending_switch("이것은 사과입니다. 저것은 책입니다.", rng(seed))
        assert out in ("이것은 사과다. 저것은 책이다.", "이것은 사과예요. 저것은 책이에요.")


def test_endings_in_register_moves_every_declarative_sentence_to_one_level():
    text = "나는 학교에 간다. 그것은 사과입니다. 책을 읽었어요. 너는 어디 가니?"
    assert endings_in_register(text, "polite") == "나는 학교에 가요. 그것은 사과예요. 책을 읽었어요. 너는 어디 가니?"
    formal = "나는 학교에 갑니다. 그것은 사과입니다. 책을 읽었습니다. 너는 어디 가니?"
    assert endings_in_register(text, "formal") == formal
    with pytest.raises(ValueError, match="register"):
        endings_in_register(text, "casual")


def test_endings_in_register_undoes_an_ending_switch():
    for seed in range(5):
        switched = ending_switch(SAMPLE, rng(seed))
        assert switched != SAMPLE
        assert endings_in_register(switched, "polite") == endings_in_register(SAMPLE, "polite")


def test_particle_drop_removes_only_case_particles():
    text = " ".join(["저는 밥을 먹고 친구가 책을 읽었다."] * 20)
    out = particle_drop(text, rng())
    assert len(out) < len(text)
    morphemes_in = [t for s in analyze(text).sentences for t in s.tokens if t.tag in ("JKS", "JKO", "JX")]
    morphemes_out = [t for s in analyze(out).sentences for t in s.tokens if t.tag in ("JKS", "JKO", "JX")]
    assert len(morphemes_out) < len(morphemes_in)
    # Removing characters only: the output is a subsequence of the input.
    remaining = iter(text)
    assert all(c in remaining for c in out)


def test_typos_change_few_syllables_and_keep_length():
    text = SAMPLE * 5
    out = ATTACKS["typos"](text, rng())
    changed = sum(a != b for a, b in zip(text, out, strict=True))
    syllables = sum("\uac00" <= c <= "\ud7a3" for c in text)
    assert 0 < changed <= 0.08 * syllables
    assert all("\uac00" <= b <= "\ud7a3" for a, b in zip(text, out, strict=True) if a != b)


@pytest.mark.parametrize("limit", [100, 200, 300])
def test_truncate_respects_the_limit(limit):
    text = SAMPLE * 4
    out = ATTACKS[f"truncate-{limit}"](text, rng())
    assert limit / 2 < len(out) <= limit and text.startswith(out)
    assert out[-1] in ".?!"  # a sentence boundary exists past limit/2 in this text


def test_truncate_without_boundary_cuts_at_the_limit_and_keeps_short_text():
    assert truncate("가" * 500, 100) == "가" * 100
    assert truncate("짧은 글.", 100) == "짧은 글."


@pytest.mark.parametrize("name", ["zero-width", "homoglyph", "full-width", "nfd"])
def test_normaliser_undoes_character_attacks(name):
    # Korean without ASCII letters: homoglyphs then only touch punctuation, which normalise folds back.
    for seed in range(3):
        attacked = ATTACKS[name](SAMPLE, rng(seed))
        assert attacked != SAMPLE
        assert normalize(attacked).text == normalize(SAMPLE).text


def test_mix_documents_spans_cover_each_paragraph():
    human = "사람 문단 하나.\n\n사람 문단 둘.\n\n사람 문단 셋."
    ai = "AI 문단 하나.\n\nAI 문단 둘."
    text, spans = mix_documents(human, ai, rng(3))
    assert len(spans) == 5
    assert [text[s:e] for s, e, label in spans if label == 0] == ["사람 문단 하나.", "사람 문단 둘.", "사람 문단 셋."]
    assert [text[s:e] for s, e, label in spans if label == 1] == ["AI 문단 하나.", "AI 문단 둘."]
    assert text == "\n\n".join(text[s:e] for s, e, _ in spans)
    assert mix_documents(human, ai, rng(3)) == (text, spans)
    assert mix_documents("", "", rng()) == ("", [])
