from pathlib import Path

import pytest

from kodetect.text.normalize import normalize
from kodetect.text.segment import Analysis, analyze

REPO = Path(__file__).resolve().parents[1]
PROSE = "첫 번째 문장입니다. 두 번째 문장은 조금 더 깁니다! 세 번째 문장일까요? 마지막 문장입니다."
POEM = "가을 하늘 높은데\n구름은 흘러가고\n\n나는 홀로 서서\n  바람을 맞는다  \n"


def summary(analysis: Analysis) -> list:
    """Sentences and tokens as plain values (Kiwi tokens do not compare by value)."""
    return [(s.start, s.end, s.text, [(t.form, t.tag, t.start, t.len) for t in s.tokens]) for s in analysis.sentences]


def check_offsets(analysis: Analysis) -> None:
    previous_end = 0
    for sentence in analysis.sentences:
        assert analysis.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text
        assert sentence.start >= previous_end
        previous_end = sentence.end
        for token in sentence.tokens:
            assert sentence.start <= token.start < sentence.end
            assert token.start + token.len <= sentence.end


def test_sentences_have_exact_offsets():
    analysis = analyze(PROSE)
    check_offsets(analysis)
    assert [s.text for s in analysis.sentences] == [
        "첫 번째 문장입니다.",
        "두 번째 문장은 조금 더 깁니다!",
        "세 번째 문장일까요?",
        "마지막 문장입니다.",
    ]


def test_line_breaks_split_poem_lines():
    analysis = analyze(POEM)
    check_offsets(analysis)
    assert [s.text for s in analysis.sentences] == [
        "가을 하늘 높은데",
        "구름은 흘러가고",
        "나는 홀로 서서",
        "바람을 맞는다",
    ]


def test_windows_line_endings_do_not_leak_into_sentences():
    analysis = analyze("첫째 줄이다\r\n둘째 줄이다\r\n")
    check_offsets(analysis)
    assert [s.text for s in analysis.sentences] == ["첫째 줄이다", "둘째 줄이다"]


def test_tokens_cover_their_sentence_and_none_are_lost():
    analysis = analyze(PROSE + "\n" + POEM)
    check_offsets(analysis)
    assert analysis.tokens == [t for s in analysis.sentences for t in s.tokens]
    forms = [t.form for t in analysis.tokens]
    assert "문장" in forms and "구름" in forms and "바람" in forms
    for sentence in analysis.sentences:
        assert sentence.tokens, sentence.text


def test_offsets_survive_characters_outside_the_bmp():
    text = "𝐀𝐁 기호가 앞에 있습니다. 𠀀 한자도 있습니다.\n마지막 줄"
    analysis = analyze(text)
    check_offsets(analysis)
    assert analysis.sentences[-1].text == "마지막 줄"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t "])
def test_empty_text_gives_no_sentences(text):
    analysis = analyze(text)
    assert analysis.sentences == ()
    assert analysis.tokens == []


def test_sentences_of_normalised_example_map_back_to_the_original():
    original = (REPO / "examples" / "ai_generated.txt").read_text("utf-8")
    attacked = "\u200b".join(original)
    normalized = normalize(attacked)
    analysis = analyze(normalized.text)
    check_offsets(analysis)
    assert len(analysis.sentences) > 5
    for sentence in analysis.sentences:
        a, b = normalized.original_span(sentence.start, sentence.end)
        assert attacked[a:b].replace("\u200b", "") == sentence.text
