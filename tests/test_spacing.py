from kodetect import Detector
from kodetect.text.normalize import normalize
from kodetect.text.spacing import MAX_SYLLABLES_PER_SPACE, MIN_SYLLABLES, inserted_spaces, lacks_spaces

SPACED = (
    "오늘은 날씨가 정말 좋아서 친구들과 함께 공원에 가서 산책을 하고 맛있는 음식을 먹었습니다. "
    "그리고 저녁에는 영화를 보러 갔는데 정말 재미있었습니다. 다음에도 또 가고 싶어요."
)
UNSPACED = SPACED.replace(" ", "")


def test_prose_keeps_its_spaces_and_only_long_unspaced_text_lacks_them():
    assert not lacks_spaces(SPACED)
    assert lacks_spaces(UNSPACED)
    short = "너무재밌어요진짜최고예요"  # a one-liner typed without spaces is how people write comments
    assert len(short) < MIN_SYLLABLES and not lacks_spaces(short)
    # Line breaks are not word spaces: a poem whose lines lost their spaces has lost them.
    poem = "\n".join(["님은갔습니다아아사랑하는나의님은갔습니다"] * 4)
    assert lacks_spaces(poem)
    one_space_per_word = "가나다 " * MIN_SYLLABLES
    assert not lacks_spaces(one_space_per_word)
    sparse = ("가" * (MAX_SYLLABLES_PER_SPACE * 2) + " ") * 3
    assert lacks_spaces(sparse)


def test_kiwi_puts_back_most_word_boundaries():
    positions = inserted_spaces(UNSPACED)
    restored = "".join(" " + c if i in set(positions) else c for i, c in enumerate(UNSPACED))
    expected, got = SPACED.split(), restored.split()
    assert len(got) >= 0.8 * len(expected)
    assert len(set(expected) & set(got)) >= 0.8 * len(set(expected))


def test_normalize_restores_spaces_and_maps_back_to_the_original():
    result = normalize(UNSPACED)
    assert result.tampering["missing_spaces"] == result.text.count(" ")
    assert result.text.replace(" ", "") == UNSPACED
    for i, char in enumerate(result.text):
        start, end = result.starts[i], result.ends[i]
        if char == " ":
            assert start == end  # an inserted space covers no original character
        else:
            assert UNSPACED[start:end] == char


def test_spaced_text_is_untouched():
    result = normalize(SPACED)
    assert result.text == SPACED and "missing_spaces" not in result.tampering


def test_detection_of_unspaced_text_reports_the_repair_and_original_offsets():
    detection = Detector().detect(UNSPACED)
    assert detection.normalization.tampering["missing_spaces"] > 0
    assert any(e.name == "tampering_missing_spaces" for e in detection.evidence)
    for sentence in detection.sentences:
        assert UNSPACED[sentence.start : sentence.end] == sentence.text
        assert " " not in sentence.text


def test_long_unspaced_line_is_restored_piece_by_piece():
    # Kiwi garbles a single very long input; pieces keep every original character in place.
    line = UNSPACED * 50
    assert len(line) > 3000 and "\n" not in line
    result = normalize(line)
    assert result.text.replace(" ", "") == line
    assert result.tampering["missing_spaces"] > len(line) / 10


def test_stray_jamo_from_kiwi_do_not_cost_the_spaces_of_a_piece():
    from kodetect.text.spacing import _aligned

    assert _aligned("공부를했는데", "공부를 했ᆫ는데") == [3]
    assert _aligned("공부를했는데", "공부를 핬는데") == []  # a changed syllable: the piece is left alone
