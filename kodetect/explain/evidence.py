"""The evidence of one detection: the signals that moved its score most, each as a sentence about the text."""

from __future__ import annotations

import numpy as np

from kodetect.detection import Evidence, NormalizationReport
from kodetect.explain.catalog import signal
from kodetect.explain.context import Said, TextContext, value_text
from kodetect.explain.korean import josa
from kodetect.explain.models import genre_contrast_said, head_said, is_language_model, language_model_said
from kodetect.explain.stylometry import family
from kodetect.features.genre import CONTRAST_SUFFIX
from kodetect.model.artifact import FusionHead, NgramHead
from kodetect.text.normalize import tampering_kind

EVIDENCE_ITEMS = 8
# Contributions smaller than this (in log-odds) are reported as neutral.
NEUTRAL_CONTRIBUTION = 0.05
HEAD_SUFFIX = "_logit"

# Short forms for the one-line summary of the readable view.
TAMPERING_SHORT_KO = {
    "invisible_characters": "보이지 않는 문자 {n}개 제거",
    "invalid_characters": "인코딩할 수 없는 문자 {n}개 제거",
    "homoglyph": "비슷한 모양의 다른 문자 {n}개 교체",
    "full_width": "전각 문자 {n}개 변환",
    "decomposed_hangul": "자모로 흩어 쓴 한글 {n}곳 재조합",
    "non_nfc": "NFC가 아닌 문자열 {n}곳 정규화",
    "missing_spaces": "빠진 띄어쓰기 {n}곳 복원",
}
TAMPERING_KO = {
    "invisible_characters": "보이지 않는 문자(폭 없는 공백·결합 문자·방향 표시) {n}개를 지우고 분석했습니다.",
    "invalid_characters": "인코딩할 수 없는 문자 {n}개를 지우고 분석했습니다.",
    "homoglyph": "다른 문자 체계의 비슷한 모양 글자 {n}개를 원래 글자로 바꾸고 분석했습니다.",
    "full_width": "전각 문자 {n}개를 보통 글자로 바꾸고 분석했습니다.",
    "decomposed_hangul": "자모로 흩어 쓴 한글 {n}곳을 음절로 다시 모아 분석했습니다.",
    "non_nfc": "유니코드 NFC가 아닌 문자열 {n}곳을 정규화하고 분석했습니다.",
    "missing_spaces": "띄어쓰기가 거의 없어 분석 전에 띄어쓰기 {n}곳을 되살렸습니다.",
}


def explain_signal(name: str, value: float, direction: str, ctx: TextContext,
                   heads: dict[str, NgramHead]) -> Said:
    """One signal's sentence about this text, in Korean and English."""
    if name.endswith(HEAD_SUFFIX) and name.removesuffix(HEAD_SUFFIX) in heads:
        return head_said(name, ctx, heads[name.removesuffix(HEAD_SUFFIX)], direction)
    if name.endswith(CONTRAST_SUFFIX) and name.removesuffix(CONTRAST_SUFFIX).removesuffix(HEAD_SUFFIX) in heads:
        return genre_contrast_said(name.removesuffix(CONTRAST_SUFFIX), value)
    if is_language_model(name):
        return language_model_said(name, ctx, value, direction)
    explainer = family(name)
    if explainer is not None:
        return explainer(ctx, name, direction)
    entry = signal(name)  # a feature of a newer artifact: its description and value, still a sentence
    ko_cmp, en_cmp = ctx.compare(name)
    return Said(f"{josa(entry.ko, '은/는')} 이 글에서 {value_text(value, entry.unit, 'ko')}입니다.{ko_cmp}",
                f"{entry.en}: {value_text(value, entry.unit, 'en')} in this text.{en_cmp}")


def feature_evidence(fusion: FusionHead, row: np.ndarray, ctx: TextContext | None = None,
                     heads: dict[str, NgramHead] | None = None, items: int = EVIDENCE_ITEMS) -> list[Evidence]:
    """The features that moved the document's log-odds most, largest share first, each explained in words
    when the text's context is given."""
    contributions = fusion.contributions(row)
    order = np.argsort(-np.abs(contributions))[:items]
    evidence = []
    for i in order:
        name, c = fusion.names[i], float(contributions[i])
        direction = "neutral" if abs(c) < NEUTRAL_CONTRIBUTION else ("ai" if c > 0 else "human")
        said = None if ctx is None else explain_signal(name, float(row[i]), direction, ctx, heads or {})
        typical = (ctx.reference or {}).get(name, {}) if ctx is not None else {}
        evidence.append(Evidence(
            name, round(float(row[i]), 4), direction, round(c, 4), signal(name).en,
            explanation={} if said is None else {"ko": said.ko, "en": said.en},
            quotes=[] if said is None else list(said.quotes),
            reference={side: round(float(v), 4) for side, v in typical.items() if side in ("human", "ai")},
        ))
    return evidence


def tampering_evidence(report: NormalizationReport) -> list[Evidence]:
    # Tampering is shown, not scored: copied web text also carries stray invisible characters.
    out = []
    for kind, count in report.tampering.items():
        if not count:
            continue
        names = tampering_kind(kind)
        ko = TAMPERING_KO.get(kind, "분석 전에 " + kind.replace("_", " ") + " {n}곳을 바로잡았습니다.").format(n=count)
        en = f"Before analysis kodetect {names.verb} {count} {names.noun}."
        out.append(Evidence(f"tampering_{kind}", float(count), "neutral", 0.0, names.description,
                            explanation={"ko": ko, "en": en}))
    return out
