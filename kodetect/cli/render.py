"""Terminal view of a `Detection`: a pure function of the result, a language and a colour switch.

Kept free of I/O so it can be tested without a terminal; `should_color` decides the switch. The view
speaks one language (`lang`, Korean by default): the people who act on a verdict are mostly Korean
teachers, graders and editors, and every evidence line is a sentence about the text, never a feature name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from kodetect.attribution.names import UNKNOWN, display_name
from kodetect.detection import Attribution, Detection, Evidence, ProfileInfo, SentenceScore
from kodetect.explain.evidence import TAMPERING_SHORT_KO
from kodetect.explain.placement import Placement, placement_sentence
from kodetect.profiles.bounds import percent_at_most
from kodetect.text.normalize import tampering_kind

# Sentence colour bands. They guide the eye only; the verdict's thresholds belong to the model.
LOW_BAND = 0.35
HIGH_BAND = 0.65
BAR_WIDTH = 20
TOP_EVIDENCE = 5
LANGS = ("ko", "en")
# Families listed after the most similar one.
RUNNERS_UP = 2

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_RED = "\x1b[31m"

VERDICTS: dict[str, dict[str, str]] = {
    "ko": {
        "ai": "AI 생성 가능성 높음",
        "human": "사람이 쓴 글일 가능성 높음",
        "uncertain": "판단 보류: 어느 쪽으로도 뚜렷하지 않음",
        "insufficient": "판단 불가: 분석할 한국어 텍스트가 너무 적음",
        "unsupported-language": "판단 불가: 대부분 한국어가 아닌 텍스트 (kodetect는 한국어만 분석합니다)",
    },
    "en": {
        "ai": "likely AI-generated",
        "human": "likely human-written",
        "uncertain": "uncertain: the signals do not clearly point either way",
        "insufficient": "cannot judge: too little Korean text to analyse",
        "unsupported-language": "cannot judge: the text is mostly not Korean, and kodetect only analyses Korean",
    },
}
# A `human` verdict whose probability is on the AI side: a mode's AI cut is set so that people's writing
# from sources the model never saw is rarely called AI, which leaves AI-leaning texts below it. "Likely
# human-written" beside "AI probability 96%" would contradict the number, so the view says what happened.
LEANING_AI = 0.5
BELOW_AI_CUT: dict[str, str] = {
    "ko": "AI로 판정하지 않음: AI 쪽 신호가 있지만 이 판정 기준의 AI 판정선에는 못 미침",
    "en": "not called AI: the signals lean to AI, but not past this threshold mode's AI cut",
}
# Kept for callers of the bilingual line (one string with both languages).
VERDICT_LINES: dict[str, str] = {key: f"{VERDICTS['ko'][key]} / {VERDICTS['en'][key]}" for key in VERDICTS["ko"]}
CAUTION = {
    "ko": "어떤 탐지기도 AI 사용을 단정하는 유일한 근거가 되어서는 안 됩니다. 확률은 다른 정황과 함께 따져 볼 근거일 "
          "뿐이며, '판단 보류'는 도구가 판단하지 못했다는 뜻입니다.",
    "en": "No detector should be the sole basis for accusing a person of using AI. A probability is evidence to "
          "weigh with everything else you know; 'uncertain' means the tool does not know.",
}
_WORDS = {
    "ko": {"probability": "AI 생성 확률", "model": "모델", "mode": "방식", "threshold": "판정 기준",
           "sentences": "문장별 점수", "evidence": "판정 근거 (영향이 큰 순)", "document": "문서",
           "pages": "쪽", "too_short": "너무 짧아 판단하지 않음", "note": "참고",
           "normalised": "분석 전에 바로잡은 것", "ai": "AI 쪽  ", "human": "사람 쪽", "neutral": "중립   ",
           "legend": "색: 초록 = AI가 쓴 부분일 확률 35% 미만, 노랑 = 35~65%(어느 쪽인지 모름), 빨강 = 65% 이상. "
                     "문장 점수는 앞뒤 문장과 함께 본 값이고, 짧은 문장일수록 그 문장만의 근거를 덜 믿습니다. "
                     "'–'는 너무 짧아 판단하지 않은 문장입니다."},
    "en": {"probability": "AI probability", "model": "model", "mode": "mode", "threshold": "threshold mode",
           "sentences": "Sentences", "evidence": "Why (strongest first)", "document": "document",
           "pages": "pages", "too_short": "too short to judge", "note": "note",
           "normalised": "normalised before analysis", "ai": "→ AI   ", "human": "→ human", "neutral": "neutral",
           "legend": "Colour: green = under 35% probability that the sentence is AI-written, yellow = 35-65% (could "
                     "be either), red = 65% or more. A sentence is scored with its neighbours, and the shorter it "
                     "is, the less its own evidence counts; '–' marks a sentence too short to judge."},
}
_FORMAT_NAMES = {"txt": ("텍스트", "text"), "docx": ("Word .docx", "Word .docx"), "pdf": ("PDF", "PDF"),
                 "hwp": ("한글 .hwp", "Hangul .hwp"), "hwpx": ("한글 .hwpx", "Hangul .hwpx")}
_VERDICT_COLORS = {"ai": _RED, "human": _GREEN, "uncertain": _YELLOW}

Paint = Callable[[str, str], str]


def should_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on an interactive terminal, and never when NO_COLOR is set (no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def leans_ai_below_cut(detection: Detection) -> bool:
    """A `human` verdict with the probability at or above one half (see BELOW_AI_CUT)."""
    p = detection.ai_probability
    return detection.verdict == "human" and p is not None and p >= LEANING_AI


def verdict_line(detection: Detection, paint: Paint, lang: str) -> str:
    if leans_ai_below_cut(detection):
        return paint(BELOW_AI_CUT[lang], _YELLOW)
    return paint(VERDICTS[lang].get(detection.verdict, detection.verdict),
                 _VERDICT_COLORS.get(detection.verdict, _BOLD))


def render_detection(
    detection: Detection, *, color: bool = False, source: str | None = None, top_evidence: int = TOP_EVIDENCE,
    lang: str = "ko", document: Mapping[str, Any] | None = None, where: Placement | None = None,
) -> str:
    """Readable multi-line report of one detection, ending with the caution line and a newline."""
    paint = _painter(color)
    words = _WORDS[lang]
    lines: list[str] = []
    if source:
        lines.append(paint(source, _BOLD) + (f"  ({_document_line(document, lang)})" if document else ""))
    lines.append(_probability_line(detection.ai_probability, paint, words["probability"]))
    lines.append(verdict_line(detection, paint, lang))
    if where is not None:
        lines.append(placement_sentence(where, lang))
    if detection.attribution is not None:
        lines += attribution_lines(detection.attribution, paint, lang)
    lines.append(paint(f"{words['model']} {detection.model.name} {detection.model.version} · {words['mode']} "
                       f"{detection.mode} · {words['threshold']} {detection.threshold_mode}", _DIM))
    if detection.profile is not None:
        lines.append(profile_line(detection.profile, lang))
    normalisation = normalization_line(detection.normalization.tampering, lang)
    if normalisation:
        lines.append(paint(normalisation, _YELLOW))

    if detection.sentences:
        lines += ["", paint(words["sentences"], _BOLD)]
        judged = detection.ai_probability is not None
        if judged:
            lines.append(paint(words["legend"], _DIM))
        lines += [_sentence_line(s, paint, judged) for s in detection.sentences]

    evidence = top_evidence_items(detection.evidence, top_evidence)
    if evidence:
        lines += ["", paint(words["evidence"], _BOLD)]
        lines += [_evidence_line(e, paint, lang) for e in evidence]
    lines += ["", paint(CAUTION[lang], _BOLD)]
    return "\n".join(lines) + "\n"


def profile_line(profile: ProfileInfo, lang: str = "en") -> str:
    """The profile's promise in words: what its thresholds were fitted on and what they promise."""
    bound, target = percent_at_most(profile.fpr_bound), percent_at_most(profile.target_fpr)
    if lang == "ko":
        what = f"{profile.description} " if profile.description else "사람이 쓴 글 "
        line = (f"기준 {profile.name}: {what}{profile.human_texts:,}편으로 맞췄습니다. 이런 글을 AI로 판정할 확률 "
                f"{bound} 이하(신뢰도 95%)")
        if profile.fpr_bound > profile.target_fpr:
            line += f". 목표 {target}를 약속하기에는 글이 부족합니다"
        return line
    what = f"{profile.human_texts:,} human texts" + (f" ({profile.description})" if profile.description else "")
    line = (f"profile {profile.name}: thresholds fitted on {what}; at most {bound} "
            "of such texts are called AI (95% confidence)")
    if profile.fpr_bound > profile.target_fpr:
        line += f", too few texts for the {target} asked for"
    return line


def top_evidence_items(evidence: list[Evidence], n: int = TOP_EVIDENCE) -> list[Evidence]:
    """The n items that moved the score most, strongest first; tampering notes (no contribution) follow."""
    scored = [e for e in evidence if not e.name.startswith("tampering_")]
    return sorted(scored, key=lambda e: abs(e.contribution), reverse=True)[:n]


def attribution_lines(attribution: Attribution, paint: Paint | None = None, lang: str = "en") -> list[str]:
    """The most similar model family with its probability, the next ones, and the caution that goes with it."""
    paint = paint or _painter(False)
    korean = lang == "ko"
    ranked = list(attribution.probabilities.items())
    if attribution.family == UNKNOWN:
        head = display_name(UNKNOWN, korean=korean)
        others = ranked[: RUNNERS_UP + 1]
        tail = "가장 가까운 계열: " if korean else "closest: "
    else:
        name = display_name(attribution.family, korean=korean)
        head = f"{name} ({_percent(attribution.probabilities.get(attribution.family, 0.0))})"
        others = [(f, p) for f, p in ranked if f != attribution.family][:RUNNERS_UP]
        tail = "그다음: " if korean else "then: "
    listed = ", ".join(f"{display_name(f, korean=korean)} {_percent(p)}" for f, p in others)
    label = "가장 비슷한 모델 계열" if korean else "Most similar model family"
    caution = ("문체가 닮았다는 뜻일 뿐, 그 모델이 썼다는 증거는 아닙니다" if korean
               else "a resemblance in style, not proof of which model wrote it")
    return [f"{label}: {paint(head, _BOLD)}" + (f"  ({tail}{listed})" if listed else ""), paint(f"  {caution}", _DIM)]


def normalization_line(tampering: Mapping[str, int], lang: str = "en") -> str | None:
    """One line naming what was undone, or None when the text was not tampered with."""
    parts = []
    for key, count in tampering.items():
        if count <= 0:
            continue
        if lang == "ko":
            parts.append(TAMPERING_SHORT_KO.get(key, key.replace("_", " ") + " {n}").format(n=count))
        else:
            kind = tampering_kind(key)
            parts.append(f"{kind.verb} {count} {kind.noun}")
    if not parts:
        return None
    return f"{_WORDS[lang]['normalised']}: " + ", ".join(parts)


def _document_line(document: Mapping[str, Any], lang: str) -> str:
    ko, en = _FORMAT_NAMES.get(str(document.get("format")), (str(document.get("format")),) * 2)
    words = _WORDS[lang]
    text = ko if lang == "ko" else en
    if document.get("pages"):
        text += f", {document['pages']}{words['pages']}" if lang == "ko" else f", {document['pages']} {words['pages']}"
    for warning in document.get("warnings") or ():
        text += f"; {words['note']}: {warning}"
    return text


def _probability_line(probability: float | None, paint: Paint, label: str) -> str:
    if probability is None:
        return f"{label}: n/a"
    filled = round(probability * BAR_WIDTH)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    percent = paint(_percent(probability), _BOLD)
    return f"{label}: {percent} {paint(bar, _band(probability))}"


def _sentence_line(sentence: SentenceScore, paint: Paint, judged: bool) -> str:
    # Line breaks inside a sentence would break the one-sentence-per-line layout.
    text = " ".join(sentence.text.split())
    if sentence.ai_probability is None:
        return paint(f"  [{'    –' if judged else '  n/a'}] {text}", _DIM if judged else "")
    label = f"[{_percent(sentence.ai_probability):>5}]"
    return "  " + paint(f"{label} {text}", _band(sentence.ai_probability))


def _evidence_line(item: Evidence, paint: Paint, lang: str) -> str:
    side = _WORDS[lang].get(item.direction, item.direction)
    colour = {"ai": _RED, "human": _GREEN}.get(item.direction, _DIM)
    # A sentence about the text; an item without one (made by older code) still reads as its description.
    said = item.explanation.get(lang) or item.description
    return f"  {paint(side, colour)}  {said}"


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
        return f"{code}{text}{_RESET}" if color and code else text

    return paint
