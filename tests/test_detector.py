import json
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kodetect import Detection, Detector, InputError
from kodetect.detection import DETECTION_FIELDS, VERDICTS
from kodetect.features.vector import prepare
from kodetect.text.decode import read_text_file

REPO = Path(__file__).resolve().parents[1]
HUMAN = (REPO / "examples" / "human_essay.txt").read_text("utf-8")
AI = (REPO / "examples" / "ai_generated.txt").read_text("utf-8")
CARD = json.loads((REPO / "kodetect" / "artifacts" / "fast.json").read_text("utf-8"))
REAL_VERDICTS = {"ai", "human", "uncertain"}

MIXED = (
    "요즘 회사에서 ChatGPT 같은 AI 도구를 쓰는 사람이 많아졌다. 나도 보고서 초안을 쓸 때 가끔 써 본다. "
    "그런데 막상 써 보면 말투가 너무 딱딱해서 결국 내가 다시 고치게 된다. 동료는 Python 코드를 짤 때 "
    "많이 쓴다고 하는데, 틀린 부분도 꽤 있어서 꼼꼼히 확인해야 한다고 했다. 편하긴 하지만 믿고 맡기기엔 "
    "아직 이르다는 게 내 생각이다."
)
EMOJI_HEAVY = (
    "오늘 친구들이랑 한강 가서 치킨 먹었다 🍗🍺😆 날씨가 너무 좋아서 사진도 엄청 찍었음 📸📸 "
    "돌아오는 길에 편의점 들러서 아이스크림까지 먹었는데 진짜 행복했다 🍦❤️ 다음 주에도 또 가기로 했다 🙌🙌 "
    "근데 집에 와서 보니까 얼굴이 완전 탔더라 ㅋㅋㅋ 선크림 꼭 챙겨야겠다 😅☀️ 👨\u200d👩\u200d👧"
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="module")
def low_fpr() -> Detector:
    return Detector(threshold_mode="low-fpr")


def check_sentences(detection: Detection, original: str) -> None:
    previous_end = 0
    for sentence in detection.sentences:
        assert 0 <= previous_end <= sentence.start < sentence.end <= len(original)
        assert sentence.text == original[sentence.start : sentence.end]
        previous_end = sentence.end


def zero_width_attack(text: str) -> str:
    return "".join(c + "\u200b" if "가" <= c <= "힣" and i % 3 == 0 else c for i, c in enumerate(text))


def variation_selector_attack(text: str) -> str:
    return "".join(c + "\ufe00" if "가" <= c <= "힣" else c for c in text)


def full_width_attack(text: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def nfd_attack(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def combined_attack(text: str) -> str:
    return nfd_attack(full_width_attack(zero_width_attack(text)))


# --- verdicts on the shipped examples ------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["detector", "low_fpr"])
def test_examples_get_the_right_verdict_in_both_threshold_modes(fixture, request):
    det = request.getfixturevalue(fixture)
    human, ai = det.detect(HUMAN), det.detect(AI)
    assert human.verdict == "human"
    assert ai.verdict == "ai"
    assert human.threshold_mode == det.threshold_mode
    for detection in (human, ai):
        assert 0.0 <= detection.ai_probability <= 1.0
        assert detection.mode == "fast"
        assert detection.normalization.tampering == {}
        assert detection.sentences
        check_sentences(detection, HUMAN if detection is human else AI)
        for sentence in detection.sentences:
            assert 0.0 <= sentence.ai_probability <= 1.0
    assert ai.ai_probability > human.ai_probability


def test_threshold_modes_share_the_probability(detector, low_fpr):
    assert detector.detect(AI).ai_probability == low_fpr.detect(AI).ai_probability


def test_unknown_modes_are_refused():
    with pytest.raises(InputError, match="threshold mode"):
        Detector(threshold_mode="strict")
    with pytest.raises(InputError, match="mode"):
        Detector(mode="deep-learning")


# --- tampering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "kinds"),
    [
        (zero_width_attack, {"invisible_characters"}),
        (variation_selector_attack, {"invisible_characters"}),
        (nfd_attack, {"decomposed_hangul"}),
        (full_width_attack, {"full_width"}),
        (combined_attack, {"invisible_characters", "decomposed_hangul", "full_width"}),
    ],
    ids=["zero-width", "variation-selector", "nfd", "full-width", "combined"],
)
def test_attacked_ai_example_is_still_ai_with_original_offsets(detector, attack, kinds):
    clean = detector.detect(AI)
    attacked_text = attack(AI)
    assert attacked_text != AI
    attacked = detector.detect(attacked_text)

    assert attacked.verdict == "ai"
    assert abs(attacked.ai_probability - clean.ai_probability) <= 0.05
    assert set(attacked.normalization.tampering) == kinds
    assert all(count > 0 for count in attacked.normalization.tampering.values())
    assert attacked.normalization.tampered
    tampering_evidence = {e.name for e in attacked.evidence if e.name.startswith("tampering_")}
    assert tampering_evidence == {f"tampering_{kind}" for kind in kinds}

    check_sentences(attacked, attacked_text)
    assert len(attacked.sentences) == len(clean.sentences)
    for a, c in zip(attacked.sentences, clean.sentences, strict=True):
        # the attacked sentence, cleaned the same way, is the clean sentence
        cleaned = unicodedata.normalize("NFC", a.text.replace("\u200b", "").replace("\ufe00", ""))
        cleaned = "".join(
            " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～" else ch for ch in cleaned
        )
        assert cleaned == c.text


def test_homoglyph_attack_is_reported(detector):
    text = MIXED.replace("AI", "\u0410I").replace("Python", "Pyth\u043en")
    detection = detector.detect(text)
    assert detection.normalization.tampering == {"homoglyph": 2}
    assert detection.ai_probability == detector.detect(MIXED).ai_probability
    check_sentences(detection, text)


def test_formatting_is_not_tampering(detector):
    markdown = "# 스마트폰과 청소년\n\n" + AI.replace("첫째, ", "- **첫째**, ").replace("둘째, ", "- **둘째**, ")
    detection = detector.detect(markdown)
    assert detection.normalization.tampering == {}
    assert detection.normalization.formatting["markdown_markers"] >= 3
    assert not detection.normalization.tampered
    check_sentences(detection, markdown)


# --- the result contract ---------------------------------------------------------------------


def test_to_dict_has_exactly_the_contract_fields(detector):
    detection = detector.detect(AI)
    data = detection.to_dict()
    assert tuple(data) == DETECTION_FIELDS
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert set(data["sentences"][0]) == {"start", "end", "text", "ai_probability"}
    assert set(data["normalization"]) == {"tampering", "formatting"}
    assert data["model"] == {"name": CARD["name"], "version": CARD["version"]}


def test_evidence_is_well_formed(detector):
    for text in (HUMAN, AI, zero_width_attack(AI)):
        detection = detector.detect(text)
        assert detection.evidence
        for item in detection.evidence:
            assert item.direction in {"ai", "human", "neutral"}
            assert item.description
            if item.direction == "ai":
                assert item.contribution > 0
            elif item.direction == "human":
                assert item.contribution < 0
        feature_items = [e for e in detection.evidence if not e.name.startswith("tampering_")]
        magnitudes = [abs(e.contribution) for e in feature_items]
        assert magnitudes == sorted(magnitudes, reverse=True)


def test_model_info_matches_the_model_card(detector):
    info = detector.model_info
    assert isinstance(info.name, str) and isinstance(info.version, str)
    assert info.name == CARD["name"] and info.version == CARD["version"]
    assert detector.detect(AI).model == info


def test_calibration_is_monotonic_in_the_raw_score(detector):
    grid = np.linspace(-60.0, 60.0, 2001)
    probabilities = detector._model.calibration.probability(grid)
    assert np.all((probabilities >= 0.0) & (probabilities <= 1.0))
    assert np.all(np.diff(probabilities) >= 0.0)
    middle = (grid > -10) & (grid < 10)
    assert np.all(np.diff(probabilities[middle]) > 0.0)


def test_higher_raw_score_gives_higher_probability_on_real_texts(detector):
    paragraphs = [p for p in (HUMAN + "\n\n" + AI).split("\n") if len(p) > 80]
    texts = [HUMAN, AI, MIXED, *paragraphs]
    raw = np.array([detector._document_raw_score(prepare(t)) for t in texts])
    probabilities = np.array([detector.detect(t).ai_probability for t in texts])
    assert len(set(np.round(raw, 6))) == len(texts)
    order = np.argsort(raw)
    assert np.all(np.diff(probabilities[order]) >= 0.0)
    assert probabilities[order[-1]] > probabilities[order[0]]
    np.testing.assert_allclose(probabilities, detector._model.calibration.probability(raw), atol=5e-5)


# --- many texts ------------------------------------------------------------------------------


def test_detect_many_matches_detect_one_and_is_lazy(detector):
    texts = [HUMAN, AI, MIXED]
    consumed: list[str] = []

    def source():
        for t in texts:
            consumed.append(t)
            yield t

    results = detector.detect(source())
    assert isinstance(results, Iterator)
    assert consumed == []
    first = next(results)
    assert consumed == [HUMAN]
    rest = list(results)
    assert [r.to_dict() for r in [first, *rest]] == [detector.detect(t).to_dict() for t in texts]


def test_detect_many_raises_for_a_bad_item_only_when_reached(detector):
    results = detector.detect([AI, "", HUMAN])
    assert next(results).verdict == "ai"
    with pytest.raises(InputError, match="empty"):
        next(results)


def test_detect_list_of_one(detector):
    (only,) = list(detector.detect([AI]))
    assert only == detector.detect(AI)


# --- bad and unusual inputs ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n", "\t\r\n "])
def test_empty_input_is_refused(detector, text):
    with pytest.raises(InputError, match="empty"):
        detector.detect(text)


def test_huge_input_is_refused_quickly(detector):
    text = "가" * 10_000_000
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        detector.detect(text)
    assert time.perf_counter() - started < 1.0
    assert "limit" in str(info.value) and f"{detector.max_chars:,}" in str(info.value)


def test_max_chars_is_configurable():
    small = Detector(max_chars=100)
    with pytest.raises(InputError, match="limit is 100"):
        small.detect(AI)


@pytest.mark.parametrize("value", [b"\xea\xb0\x80", bytearray(b"abc"), None, 42, 3.5])
def test_non_str_input_is_refused(detector, value):
    with pytest.raises(InputError):
        detector.detect(value)


def test_non_str_item_in_many_is_refused(detector):
    with pytest.raises(InputError, match="str"):
        list(detector.detect([AI, None]))


def test_english_is_unsupported(detector):
    text = (
        "This is an English paragraph written to check that the detector refuses to judge languages it "
        "was not trained on. It has several sentences, ordinary punctuation, and enough words to be "
        "well above any minimum length. The verdict should say the language is unsupported."
    )
    detection = detector.detect(text)
    assert detection.verdict == "unsupported-language"
    assert detection.ai_probability is None
    check_sentences(detection, text)
    assert all(s.ai_probability is None for s in detection.sentences)


@pytest.mark.parametrize("text", ["1234 5678 !!! ... ??? 90%", "...!!!", "2024. 3. 1.", "\u200b\u200b"])
def test_no_letters_is_unsupported(detector, text):
    detection = detector.detect(text)
    assert detection.verdict == "unsupported-language"
    assert detection.ai_probability is None


def test_very_short_korean_is_insufficient(detector):
    detection = detector.detect("안녕하세요")
    assert detection.verdict == "insufficient"
    assert detection.ai_probability is None
    assert [s.text for s in detection.sentences] == ["안녕하세요"]
    assert detection.sentences[0].ai_probability is None


def test_mostly_korean_mixed_text_gets_a_real_verdict(detector):
    detection = detector.detect(MIXED)
    assert detection.verdict in REAL_VERDICTS
    assert 0.0 <= detection.ai_probability <= 1.0
    check_sentences(detection, MIXED)


def test_emoji_heavy_korean_does_not_crash(detector):
    detection = detector.detect(EMOJI_HEAVY)
    assert detection.verdict in REAL_VERDICTS | {"insufficient"}
    assert detection.verdict in VERDICTS
    assert detection.normalization.tampering == {}
    assert detection.normalization.formatting["emoji"] >= 10
    check_sentences(detection, EMOJI_HEAVY)


def test_cp949_file_through_read_text_file(detector, tmp_path):
    path = tmp_path / "essay.txt"
    path.write_bytes(AI.encode("cp949"))
    text = read_text_file(path)
    assert text == AI
    detection = detector.detect(text)
    assert detection.verdict == "ai"
    assert detection.ai_probability == detector.detect(AI).ai_probability


def test_score_matches_detect(detector):
    scores = list(detector.score([HUMAN, AI, "안녕하세요"]))
    assert scores[2] is None
    assert scores[0] == pytest.approx(detector.detect(HUMAN).ai_probability, abs=5e-5)
    assert scores[1] == pytest.approx(detector.detect(AI).ai_probability, abs=5e-5)
