"""Terminal view of a `Detection`: a pure function of the result and a colour switch.

Kept free of I/O so it can be tested without a terminal; `should_color` decides the switch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TextIO

from kodetect.attribution.names import UNKNOWN, display_name
from kodetect.detection import Attribution, Detection, Evidence, SentenceScore
from kodetect.text.normalize import tampering_kind

# Sentence colour bands. They guide the eye only; the verdict's thresholds belong to the model.
LOW_BAND = 0.35
HIGH_BAND = 0.65
BAR_WIDTH = 20
TOP_EVIDENCE = 5
# Families listed after the most similar one.
RUNNERS_UP = 2

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_RED = "\x1b[31m"

VERDICT_LINES: dict[str, str] = {
    "ai": "AI 생성 가능성 높음 / likely AI-generated",
    "human": "사람이 쓴 글일 가능성 높음 / likely human-written",
    "uncertain": "판단 보류: 어느 쪽으로도 뚜렷하지 않음"
    " / uncertain: the signals do not clearly point either way",
    "insufficient": "판단 불가: 분석할 한국어 텍스트가 너무 적음"
    " / cannot judge: too little Korean text to analyse",
    "unsupported-language": "판단 불가: 대부분 한국어가 아닌 텍스트"
    " / cannot judge: the text is mostly not Korean, and kodetect only analyses Korean",
}
_VERDICT_COLORS = {"ai": _RED, "human": _GREEN, "uncertain": _YELLOW}

Paint = Callable[[str, str], str]
_ARROWS = {"ai": "↑ AI   ", "human": "↓ human", "neutral": "· –    "}


def should_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on an interactive terminal, and never when NO_COLOR is set (no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_detection(
    detection: Detection, *, color: bool = False, source: str | None = None, top_evidence: int = TOP_EVIDENCE
) -> str:
    """Readable multi-line report of one detection, ending with a newline."""
    paint = _painter(color)
    lines: list[str] = []
    if source:
        lines.append(paint(source, _BOLD))
    lines.append(_probability_line(detection.ai_probability, paint))
    lines.append(paint(VERDICT_LINES.get(detection.verdict, detection.verdict),
                       _VERDICT_COLORS.get(detection.verdict, _BOLD)))
    if detection.attribution is not None:
        lines += attribution_lines(detection.attribution, paint)
    lines.append(paint(
        f"model {detection.model.name} {detection.model.version} · mode {detection.mode} · "
        f"threshold mode {detection.threshold_mode}",
        _DIM,
    ))
    normalisation = normalization_line(detection.normalization.tampering)
    if normalisation:
        lines.append(paint(normalisation, _YELLOW))

    if detection.sentences:
        lines += ["", paint("Sentences / 문장별 점수", _BOLD)]
        lines += [_sentence_line(s, paint) for s in detection.sentences]

    evidence = top_evidence_items(detection.evidence, top_evidence)
    if evidence:
        lines += ["", paint(f"Top evidence / 주요 근거 (top {len(evidence)})", _BOLD)]
        lines += [_evidence_line(e, paint) for e in evidence]
    return "\n".join(lines) + "\n"


def top_evidence_items(evidence: list[Evidence], n: int = TOP_EVIDENCE) -> list[Evidence]:
    """The n items that moved the score most, strongest first."""
    return sorted(evidence, key=lambda e: abs(e.contribution), reverse=True)[:n]


def attribution_lines(attribution: Attribution, paint: Paint | None = None) -> list[str]:
    """The most similar model family with its probability, the next ones, and the caution that goes with it."""
    paint = paint or _painter(False)
    ranked = list(attribution.probabilities.items())
    if attribution.family == UNKNOWN:
        head = f"{display_name(UNKNOWN)} / {display_name(UNKNOWN, korean=True)}"
        others = ranked[: RUNNERS_UP + 1]
        tail = "closest / 가장 가까운 계열: "
    else:
        english, hangul = display_name(attribution.family), display_name(attribution.family, korean=True)
        name = english if english == hangul else f"{english} / {hangul}"
        head = f"{name} ({_percent(attribution.probabilities.get(attribution.family, 0.0))})"
        others = [(f, p) for f, p in ranked if f != attribution.family][:RUNNERS_UP]
        tail = "then / 그다음: "
    listed = ", ".join(f"{display_name(f)} {_percent(p)}" for f, p in others)
    first = f"Most similar model family / 가장 비슷한 모델 계열: {paint(head, _BOLD)}"
    return [
        first + (f"  ({tail}{listed})" if listed else ""),
        paint("  a resemblance in style, not proof of which model wrote it / 문체가 닮았다는 뜻일 뿐, "
              "그 모델이 썼다는 증거는 아닙니다", _DIM),
    ]


def normalization_line(tampering: Mapping[str, int]) -> str | None:
    """One line naming what was undone, or None when the text was not tampered with."""
    parts = []
    for key, count in tampering.items():
        if count <= 0:
            continue
        kind = tampering_kind(key)
        parts.append(f"{kind.verb} {count} {kind.noun}")
    if not parts:
        return None
    return "정규화 / normalised before analysis: " + ", ".join(parts)


def _probability_line(probability: float | None, paint: Paint) -> str:
    if probability is None:
        return "AI probability / AI 생성 확률: n/a"
    filled = round(probability * BAR_WIDTH)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    percent = paint(_percent(probability), _BOLD)
    return f"AI probability / AI 생성 확률: {percent} {paint(bar, _band(probability))}"


def _sentence_line(sentence: SentenceScore, paint: Paint) -> str:
    # Line breaks inside a sentence would break the one-sentence-per-line layout.
    text = " ".join(sentence.text.split())
    if sentence.ai_probability is None:
        return f"  [  n/a] {text}"
    label = f"[{_percent(sentence.ai_probability):>5}]"
    return "  " + paint(f"{label} {text}", _band(sentence.ai_probability))


def _evidence_line(item: Evidence, paint: Paint) -> str:
    arrow = _ARROWS.get(item.direction, item.direction)
    colour = {"ai": _RED, "human": _GREEN}.get(item.direction, _DIM)
    head = f"{arrow} {item.contribution:+.2f}"
    return f"  {paint(head, colour)}  {item.name} = {item.value:.3g}  {item.description}".rstrip()


def _percent(probability: float) -> str:
    return f"{probability * 100:.0f}%"


def _band(probability: float) -> str:
    if probability < LOW_BAND:
        return _GREEN
    if probability < HIGH_BAND:
        return _YELLOW
    return _RED


def _painter(color: bool) -> Paint:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    return paint
