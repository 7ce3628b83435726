import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kodetect.text.normalize import normalize

CLEAN = "인공지능 기술은 우리의 생활을 크게 바꾸고 있으며, 그 변화는 앞으로 더 빨라질 것이다."
CLEAN_AI = "요즘은 AI 기술이 빠르게 발전하고 있어서 많은 사람들이 AI 도구를 업무와 공부에 활용하고 있다."


def hangul_gaps(text: str, insert: str) -> str:
    """Put `insert` after every Hangul syllable."""
    return "".join(c + insert if "가" <= c <= "힣" else c for c in text)


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\ufe00", "\U000e0100"],
)
def test_invisible_characters_between_syllables_are_removed_and_counted(invisible):
    attacked = hangul_gaps(CLEAN, invisible)
    result = normalize(attacked)
    assert result.text == normalize(CLEAN).text == CLEAN
    syllables = sum(1 for c in CLEAN if "가" <= c <= "힣")
    assert result.tampering == {"invisible_characters": syllables}
    assert result.formatting == {}


def test_clean_korean_has_no_tampering_and_identity_offsets():
    result = normalize(CLEAN)
    assert result.text == CLEAN
    assert result.tampering == {}
    assert result.starts == list(range(len(CLEAN)))
    assert result.ends == list(range(1, len(CLEAN) + 1))


@pytest.mark.parametrize(
    "attacked_ai",
    [
        "\u0410I",  # Cyrillic capital A + Latin I
        "\u0410\u0406",  # Cyrillic A + Cyrillic/Ukrainian I
        "\u0391\u0399",  # Greek Alpha + Greek Iota
    ],
)
def test_lookalike_letters_in_latin_words_are_folded(attacked_ai):
    attacked = CLEAN_AI.replace("AI", attacked_ai)
    result = normalize(attacked)
    assert result.text == normalize(CLEAN_AI).text == CLEAN_AI
    changed = sum(1 for c in attacked_ai if not c.isascii())
    assert result.tampering == {"homoglyph": 2 * changed}


def test_cyrillic_inside_latin_word_is_folded():
    clean = "오늘은 카페에서 coffee를 마시면서 책을 읽었다. 창밖으로 비가 내리고 있었다."
    attacked = clean.replace("coffee", "c\u043effee")  # Cyrillic o
    result = normalize(attacked)
    assert result.text == clean
    assert result.tampering == {"homoglyph": 1}


def test_genuine_russian_passage_is_not_folded():
    russian = "Привет, как дела? Это настоящий русский текст о погоде и о море."
    result = normalize(russian)
    assert result.text == russian
    assert "homoglyph" not in result.tampering


def test_russian_word_quoted_in_korean_text_is_not_folded():
    text = "러시아어로 고맙다는 말은 спасибо라고 하는데, 여행 가기 전에 꼭 외워 두고 싶은 단어다."
    result = normalize(text)
    assert result.text == text
    assert result.tampering == {}


def test_nfd_decomposed_hangul_is_recomposed():
    attacked = unicodedata.normalize("NFD", CLEAN)
    assert attacked != CLEAN
    result = normalize(attacked)
    assert result.text == normalize(CLEAN).text == CLEAN
    syllables = sum(1 for c in CLEAN if "가" <= c <= "힣")
    assert result.tampering == {"decomposed_hangul": syllables}
    # each recomposed syllable maps to the two or three jamo it came from
    for i, char in enumerate(result.text):
        assert unicodedata.normalize("NFC", attacked[result.starts[i] : result.ends[i]]) == char


def test_full_width_ascii_is_folded():
    clean = "올해 AI 예산은 123억 원(전년 대비 10% 증가)이다! 정말 크다."
    attacked = "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in clean)
    assert "ＡＩ" in attacked and "１２３" in attacked and "（" in attacked and "\u3000" in attacked
    result = normalize(attacked)
    assert result.text == normalize(clean).text == clean
    folded = sum(1 for c in attacked if c == "\u3000" or 0xFF01 <= ord(c) <= 0xFF5E)
    assert result.tampering == {"full_width": folded}


def test_braille_blank_used_as_space_becomes_a_space():
    attacked = CLEAN.replace(" ", "\u2800")
    result = normalize(attacked)
    assert result.text == CLEAN
    assert result.tampering == {"homoglyph": CLEAN.count(" ")}


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family (ZWJ sequence)
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire (VS16 + ZWJ)
        "\U0001f44d\U0001f3fd",  # thumbs up with skin tone
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flag of Scotland (tags)
    ],
)
def test_emoji_sequences_are_formatting_not_tampering(emoji):
    text = f"오늘 친구들이랑 놀았다 {emoji} 정말 즐거웠다."
    result = normalize(text)
    assert result.tampering == {}
    assert result.formatting.get("emoji", 0) >= 1
    assert result.text == "오늘 친구들이랑 놀았다  정말 즐거웠다."


def test_variation_selector_after_hangul_is_tampering_but_after_hanja_is_not():
    assert normalize("가\ufe0f나다").tampering == {"invisible_characters": 1}
    ideographic_variant = normalize("葛\U000e0100 한자")
    assert ideographic_variant.tampering == {}
    assert ideographic_variant.text == "葛 한자"


def test_markdown_and_emoji_go_to_formatting():
    text = "# 스마트폰 사용 습관\n\n- **첫째**, 사용 시간을 정한다 😀\n1. 잠들기 전에는 쓰지 않는다\n> 인용문이다"
    result = normalize(text)
    assert result.tampering == {}
    assert result.formatting["markdown_markers"] >= 5
    assert result.formatting["emoji"] == 1
    assert "#" not in result.text and "**" not in result.text and "😀" not in result.text
    assert ">" not in result.text
    lines = result.text.split("\n")
    assert lines[0] == "스마트폰 사용 습관"
    assert lines[2].startswith("첫째, 사용 시간을 정한다")
    assert lines[3] == "잠들기 전에는 쓰지 않는다"
    assert lines[4] == "인용문이다"


def test_formatting_is_kept_when_not_stripping():
    text = "## 제목\n- 항목 😀"
    result = normalize(text, strip_formatting=False)
    assert result.text == text
    assert result.formatting == {}


def test_lone_surrogates_are_removed():
    text = "가나\ud800다라\udfff마"
    result = normalize(text)
    assert result.text == "가나다라마"
    assert result.tampering == {"invalid_characters": 2}
    assert [text[s] for s in result.starts] == list("가나다라마")
    result.text.encode("utf-8")  # encodable now


def test_original_span_of_empty_and_full_ranges():
    text = "\u200b가\u200b나다\u200b"
    result = normalize(text)
    assert result.text == "가나다"
    assert result.original_span(0, 3) == (1, 5)
    assert text[slice(*result.original_span(1, 2))] == "나"
    assert result.original_span(1, 1) == (3, 3)
    assert result.original_span(3, 3) == (len(text), len(text))


# --- offset map property -----------------------------------------------------------------------

SYLLABLES = "가나다라마바사아자차카타파하각난닭있었습니다한글"
# (original fragment, what it must become in the clean text)
PIECES = (
    [(s, s) for s in SYLLABLES]
    + [(unicodedata.normalize("NFD", s), s) for s in "각닭있습한글가"]
    + [(" ", " "), (".", "."), (",", ","), ("?", "?"), ("!", "!")]
    + [("\u200b", ""), ("\ufeff", ""), ("\ud800", "")]
    + [("\u0430", "a")]  # Cyrillic а in Korean text
    + [("Ａ", "A"), ("ｂ", "b"), ("１", "1"), ("！", "!"), ("，", ","), ("\u3000", " ")]
)
PREFIX = "가나다 라마바 사아자 차카타 파하 " * 6  # keeps the text Korean (and spaced) whatever the pieces are


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_offset_map_points_back_into_the_original(pieces):
    original = PREFIX + "".join(o for o, _ in pieces)
    expected = PREFIX + "".join(c for _, c in pieces)
    expected_spans = [(i, i + 1) for i in range(len(PREFIX))]
    pos = len(PREFIX)
    for orig, clean in pieces:
        expected_spans.extend((pos, pos + len(orig)) for _ in clean)
        pos += len(orig)

    result = normalize(original)
    assert result.text == expected
    assert len(result.starts) == len(result.ends) == len(result.text)
    assert list(zip(result.starts, result.ends, strict=True)) == expected_spans

    start, end = result.original_span(0, len(result.text))
    assert 0 <= start <= end <= len(original)
    assert all(a <= b for a, b in zip(result.starts, result.starts[1:], strict=False))
    for i, char in enumerate(result.text):
        piece = original[result.starts[i] : result.ends[i]]
        assert piece
        if len(piece) == 1 and not (piece in ("\u0430", "\u3000") or 0xFF01 <= ord(piece) <= 0xFF5E):
            assert original[result.starts[i]] == char


def test_hangul_filler_used_as_space_becomes_a_space():
    clean = "오늘은 날씨가 좋다"
    attacked = clean.replace(" ", "\u3164")
    result = normalize(attacked)
    assert result.text == clean
    assert result.tampering["homoglyph"] == 2


def test_every_kind_of_tampering_the_normaliser_reports_has_a_name():
    from kodetect.text.normalize import TAMPERING_KINDS

    hostile = ("오늘\u200b은 \u0410pple 학교에 갔다. ＡＢＣ 한글입니다. " + unicodedata.normalize("NFD", "학교")
               + " \ud800 " + "공부를열심히했는데시험을잘못봤다" * 6)
    reported = normalize(hostile).tampering
    assert len(reported) >= 5
    assert set(reported) <= set(TAMPERING_KINDS)
