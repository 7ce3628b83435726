import io
import re

from kodetect.cli.render import BELOW_AI_CUT, CAUTION, VERDICTS, normalization_line, render_detection, should_color
from kodetect.detection import Detection, Evidence, ModelInfo, NormalizationReport, SentenceScore
from kodetect.explain.placement import Placement

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
            Evidence(f"feat_{i}", i / 10, "ai" if c > 0 else "human", c, f"signal {i}",
                     explanation={"ko": f"근거 문장 {i}번입니다.", "en": f"Evidence sentence number {i}."})
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
    assert "AI 생성 가능성 높음" in out and "likely AI-generated" not in out  # Korean by default
    assert "kodetect-fast 1.2.3" in out and "판정 기준 balanced" in out
    english = render_detection(make_detection(), color=False, lang="en")
    assert "likely AI-generated" in english and "threshold mode balanced" in english
    assert not re.search("[가-힣]", english.replace("낮은 점수 문장입니다", "").replace("중간 점수 문장입니다", "")
                         .replace("높은 점수 문장입니다", ""))


def test_every_verdict_has_a_korean_and_an_english_line():
    for verdict in VERDICTS["ko"]:
        for lang in ("ko", "en"):
            p = 0.2 if verdict == "human" else 0.82
            out = render_detection(make_detection(verdict=verdict, ai_probability=p), color=False, lang=lang)
            assert VERDICTS[lang][verdict] in out


def test_a_human_verdict_with_an_ai_leaning_probability_is_not_called_likely_human():
    # A high low-fpr cut leaves AI-leaning texts below it: "96%" beside "likely human" would contradict.
    for lang in ("ko", "en"):
        out = render_detection(make_detection(verdict="human", ai_probability=0.96), color=False, lang=lang)
        assert BELOW_AI_CUT[lang] in out and VERDICTS[lang]["human"] not in out
        low = render_detection(make_detection(verdict="human", ai_probability=0.3), color=False, lang=lang)
        assert VERDICTS[lang]["human"] in low and BELOW_AI_CUT[lang] not in low


def test_the_view_ends_with_the_caution_in_its_language():
    for lang in ("ko", "en"):
        out = render_detection(make_detection(), color=False, lang=lang)
        assert out.rstrip("\n").splitlines()[-1] == CAUTION[lang]
    abstained = make_detection(ai_probability=None, verdict="insufficient", evidence=[])
    assert render_detection(abstained, color=False).rstrip("\n").endswith(CAUTION["ko"])


def test_top_five_evidence_by_absolute_contribution_as_sentences():
    out = render_detection(make_detection(), color=False)
    shown = [line for line in out.splitlines() if "근거 문장" in line]
    assert [re.search(r"(\d)번", line).group(1) for line in shown] == ["1", "5", "2", "6", "4"]
    assert shown[0].lstrip().startswith("사람 쪽") and shown[1].lstrip().startswith("AI 쪽")
    assert not any("feat_" in line for line in out.splitlines())  # no signal names, only sentences
    english = [line for line in render_detection(make_detection(), lang="en").splitlines()
               if "Evidence sentence" in line]
    assert english[0].lstrip().startswith("→ human") and english[1].lstrip().startswith("→ AI")


def test_evidence_without_a_sentence_reads_as_its_description():
    detection = make_detection(evidence=[Evidence("old", 1.0, "ai", 0.5, "an older signal")])
    assert "an older signal" in render_detection(detection)


def test_insufficient_shows_no_probability_and_explains():
    detection = make_detection(
        ai_probability=None,
        verdict="insufficient",
        sentences=[SentenceScore(0, 3, "안녕.", None)],
        evidence=[],
    )
    out = render_detection(detection, color=False, lang="en")
    assert "n/a" in out
    assert "too little Korean" in out
    assert "[  n/a] 안녕." in out
    assert "why" not in out.lower()
    assert "너무 적음" in render_detection(detection)


def test_a_sentence_too_short_to_judge_has_a_dash_and_the_legend_says_so():
    detection = make_detection(sentences=[SentenceScore(0, 3, "네.", None),
                                          SentenceScore(4, 20, "긴 문장입니다.", 0.4)])
    out = render_detection(detection, color=False)
    assert "[    –] 네." in out and "[  40%] 긴 문장입니다." in out
    assert "너무 짧아 판단하지 않은 문장" in out and "빨강 = 65% 이상" in out


def test_unsupported_language_explains_why():
    out = render_detection(
        make_detection(ai_probability=None, verdict="unsupported-language", sentences=[], evidence=[]),
        color=False, lang="en",
    )
    assert "mostly not Korean" in out


def test_placement_line_in_both_languages():
    where = Placement(human_below=0.996, ai_above=0.4, humans=1200, ais=900)
    ko = render_detection(make_detection(), where=where)
    assert "사람이 쓴 글 1,200편의 99.6%보다 높고" in ko and "AI가 쓴 글 900편의 40%보다 낮은" in ko
    en = render_detection(make_detection(), where=where, lang="en")
    assert "higher than 99.6% of 1,200 people's texts" in en
    assert "99.6%" not in render_detection(make_detection())  # no reference, no line


def test_document_line_names_the_format_and_pages():
    out = render_detection(make_detection(), source="essay.pdf", document={"format": "pdf", "pages": 3, "warnings": []})
    assert out.splitlines()[0] == "essay.pdf  (PDF, 3쪽)"


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
    assert "보이지 않는 문자 12개 제거" in normalization_line({"invisible_characters": 12}, "ko")

    tampered = make_detection(normalization=NormalizationReport(tampering={"invisible_characters": 12}))
    assert "removed 12 invisible" in render_detection(tampered, lang="en")
    assert "보이지 않는 문자 12개" in render_detection(tampered)
    formatting_only = make_detection(normalization=NormalizationReport(formatting={"emoji": 4}))
    assert "normalised" not in render_detection(formatting_only, lang="en")
    assert "바로잡은" not in render_detection(formatting_only)


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
