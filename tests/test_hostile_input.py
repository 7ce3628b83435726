"""Hostile input never crashes the detector or the CLI: a result, or a one-line `InputError`, nothing else.

Property tests over arbitrary Unicode (lone surrogates, controls, direction overrides, emoji ZWJ
sequences, combining marks) mixed into Korean, over arbitrary bytes on `kodetect check -`, and one
1 MB single line.
"""

from __future__ import annotations

import io
import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodetect.cli import main as cli
from kodetect.detection import VERDICTS, Detection
from kodetect.detector import Detector
from kodetect.errors import InputError

KOREAN = [
    "인공지능은 다양한 분야에서 활용되고 있습니다.",
    "오늘은 비가 와서 집에서 책을 읽었다.",
    "그러나 이러한 변화에는 몇 가지 문제점도 존재합니다!",
    "할머니 댁에 가는 길은 언제나 설렌다?",
    "결론적으로, 우리는 균형 잡힌 시각을 가져야 합니다",
]
HOSTILE = [
    "\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2069",  # direction overrides, marks and isolates
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060",  # zero-width and invisible characters
    "👩\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👍🏽", "🇰🇷",  # emoji ZWJ sequences, modifiers, flags
    "\u0301", "\u0308\u0323\u0330" * 5, "e\u0301", "가\u0301\u0302",  # combining marks, stacked
    "\u1100\u1161\u11a8", "\u3131\u314f",  # decomposed and compatibility jamo
    "\ud800", "\udfff", "\udc80\ud83d",  # lone and reversed surrogates
    "\x00", "\x07", "\x1b[31m", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029",  # controls, breaks
    "ｆｕｌｌ　ｗｉｄｔｈ", "Ηello", "\U0010ffff", "\ue000", "\ufffd", "\ufffe",  # width, homoglyph, private
    "...", "。", "!?!?", "\n\n", "  ", "\t",
]

# Every code point, surrogates included (the default alphabet leaves out category Cs).
ANY_CHAR = st.characters(exclude_categories=())
piece = st.one_of(st.sampled_from(KOREAN), st.sampled_from(HOSTILE), st.text(ANY_CHAR, max_size=30))
hostile_text = st.one_of(
    st.text(ANY_CHAR, max_size=500),
    st.lists(piece, max_size=40).map("".join),
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def check_detection(text: str, detection: Detection) -> None:
    assert isinstance(detection, Detection)
    assert detection.verdict in VERDICTS
    p = detection.ai_probability
    assert p is None or 0.0 <= p <= 1.0
    for sentence in detection.sentences:
        assert 0 <= sentence.start <= sentence.end <= len(text)
        assert sentence.text == text[sentence.start:sentence.end]
        assert sentence.ai_probability is None or 0.0 <= sentence.ai_probability <= 1.0
    # The result must be serialisable as the CLI and the server do it.
    json.dumps(detection.to_dict(), ensure_ascii=False)


def detect_or_input_error(detector: Detector, text: str) -> None:
    try:
        detection = detector.detect(text)
    except InputError as error:
        assert str(error)
        return
    check_detection(text, detection)


@SETTINGS
@given(text=hostile_text)
def test_detect_returns_result_or_input_error(detector, text):
    detect_or_input_error(detector, text)


@SETTINGS
@given(text=st.text(ANY_CHAR, min_size=1, max_size=200), where=st.integers(0, len(KOREAN)))
def test_hostile_text_inside_korean(detector, text, where):
    parts = list(KOREAN)
    parts.insert(where, text)
    detect_or_input_error(detector, " ".join(parts))


@SETTINGS
@given(mark=st.sampled_from(HOSTILE))
def test_every_sentence_interleaved_with_one_hostile_piece(detector, mark):
    text = mark.join(KOREAN * 3)
    detect_or_input_error(detector, text)


def test_one_megabyte_single_line(detector):
    unit = "인공지능은다양한분야에서활용되고있습니다" + "abc123" + "\u200b" + "😀" + "漢字" + "\u0301" + ", "
    text = (unit * (1_000_000 // len(unit.encode("utf-8")) + 1))[:400_000]
    assert len(text.encode("utf-8")) >= 1_000_000 and "\n" not in text
    # Over the default max_chars: refused with an InputError, not truncated and not crashed.
    with pytest.raises(InputError):
        detector.detect(text)


def test_one_megabyte_single_line_within_raised_limit():
    # Mostly 25-byte emoji ZWJ sequences, so the line is 1 MB while the Korean part stays quick to analyse.
    detector = Detector(max_chars=1_000_000)
    unit = "인공지능은 다양한 분야에서 활용되고 있습니다 abc, " + "👩\u200d👩\u200d👧\u200d👦" * 8 + "\u202e漢字\u0301 "
    text = unit * (1_000_000 // len(unit.encode("utf-8")) + 1)
    assert len(text.encode("utf-8")) >= 1_000_000 and "\n" not in text and len(text) <= 1_000_000
    detect_or_input_error(detector, text)


def _set_stdin(monkeypatch, data: bytes) -> None:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr(stream, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdin", stream)


@pytest.fixture(scope="module")
def shared_detector(detector):
    return lambda mode, threshold_mode: detector


@SETTINGS
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.lists(st.sampled_from(KOREAN + HOSTILE), max_size=20).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
))
def test_cli_check_stdin_exits_0_or_2(monkeypatch, capsys, shared_detector, data):
    monkeypatch.setattr(cli, "_make_detector", shared_detector)
    _set_stdin(monkeypatch, data)
    try:
        code = cli.main(["check", "-", "--json"])
    except SystemExit as exit_:  # argparse would exit 2 itself; anything else is a failure
        code = exit_.code
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 0:
        result = json.loads(out)
        assert result["verdict"] in VERDICTS
    else:
        assert err.startswith("kodetect: error: ") and err.count("\n") == 1 and "Traceback" not in err
