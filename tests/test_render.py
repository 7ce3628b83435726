import io

from kodetect.cli.render import VERDICT_LINES, normalization_line, render_detection, should_color
from kodetect.detection import Detection, Evidence, ModelInfo, NormalizationReport, SentenceScore

ANSI = "\x1b["
GREEN, YELLOW, RED = "\x1b[32m", "\x1b[33m", "\x1b[31m"


def make_detection(**overrides) -> Detection:
    fields = dict(
        ai_probability=0.82,
        verdict="ai",
        mode="fast",
        threshold_mode="balanced",
        sentences=[
            SentenceScore(0, 10, "낮은 점수 문장입니다.", 0.10),
            SentenceScore(11, 24, "중간 점수\n문장입니다.", 0.50),
            SentenceScore(25, 38, "높은 점수 문장입니다.", 0.93),
        ],
        evidence=[
            Evidence(f"feat_{i}", i / 10, "ai" if c > 0 else "human", c, f"signal {i}")
            for i, c in enumerate([0.05, -0.9, 0.4, 0.01, -0.2, 0.7, 0.3])
        ],
        normalization=NormalizationReport(),
        model=ModelInfo("kodetect-fast", "1.2.3"),
    )
    fields.update(overrides)
    return Detection(**fields)


def test_plain_view_has_no_ansi_and_brackets_each_sentence():
    out = render_detection(make_detection(), color=False)
    assert ANSI not in out
    assert "[  10%] 낮은 점수 문장입니다." in out
    assert "[  50%] 중간 점수 문장입니다." in out  # line break inside a sentence flattened
    assert "[  93%] 높은 점수 문장입니다." in out
    assert out.endswith("\n")


def test_header_shows_probability_bar_verdict_and_model():
    out = render_detection(make_detection(), color=False, source="essay.txt")
    lines = out.splitlines()
    assert lines[0] == "essay.txt"
    assert "82%" in lines[1] and "█" * 16 + "░" * 4 in lines[1]
    assert "AI 생성 가능성 높음 / likely AI-generated" in out
    assert "kodetect-fast 1.2.3" in out and "threshold mode balanced" in out


def test_every_verdict_has_a_korean_and_english_line():
    for verdict, line in VERDICT_LINES.items():
        assert " / " in line
        out = render_detection(make_detection(verdict=verdict), color=False)
        assert line in out


def test_top_five_evidence_by_absolute_contribution():
    out = render_detection(make_detection(), color=False)
    shown = [line for line in out.splitlines() if "feat_" in line]
    names = [line.split("feat_")[1].split()[0] for line in shown]
    assert names == ["1", "5", "2", "6", "4"]
    assert shown[0].lstrip().startswith("↓ human") and "-0.90" in shown[0]
    assert shown[1].lstrip().startswith("↑ AI") and "+0.70" in shown[1]


def test_insufficient_shows_no_probability_and_explains():
    detection = make_detection(
        ai_probability=None,
        verdict="insufficient",
        sentences=[SentenceScore(0, 3, "안녕.", None)],
        evidence=[],
    )
    out = render_detection(detection, color=False)
    assert "n/a" in out
    assert "too little Korean" in out
    assert "[  n/a] 안녕." in out
    assert "evidence" not in out.lower()


def test_unsupported_language_explains_why():
    out = render_detection(
        make_detection(ai_probability=None, verdict="unsupported-language", sentences=[], evidence=[]),
        color=False,
    )
    assert "mostly not Korean" in out


def test_colour_bands_per_sentence():
    out = render_detection(make_detection(), color=True)
    line_for = {key: next(ln for ln in out.splitlines() if key in ln) for key in ("낮은", "중간", "높은")}
    assert GREEN in line_for["낮은"]
    assert YELLOW in line_for["중간"]
    assert RED in line_for["높은"]


def test_normalisation_line_only_when_tampered():
    assert normalization_line({}) is None
    assert normalization_line({"invisible_characters": 0}) is None
    line = normalization_line({"invisible_characters": 12, "homoglyph": 3, "some_new_kind": 1})
    assert "removed 12 invisible (zero-width) characters" in line
    assert "replaced 3 look-alike letters" in line
    assert "undid 1 some new kind" in line

    tampered = make_detection(normalization=NormalizationReport(tampering={"invisible_characters": 12}))
    assert "removed 12 invisible" in render_detection(tampered)
    formatting_only = make_detection(normalization=NormalizationReport(formatting={"emoji": 4}))
    assert "normalised" not in render_detection(formatting_only)


class FakeStream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_should_color_needs_tty_and_no_no_color():
    assert should_color(FakeStream(True), environ={})
    assert not should_color(FakeStream(False), environ={})
    assert not should_color(FakeStream(True), environ={"NO_COLOR": "1"})
