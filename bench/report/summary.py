"""The plain-language summary, in English and Korean, built only from numbers this run measured.

It heads BENCHMARKS.md and, with `--readme`, replaces the README's section between the markers
below, so the README can never quote a number the report does not contain.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from bench.report.context import Context
from bench.report.heldout import GENRE_NAMES
from bench.report.katfish import BASELINE_ROW
from bench.report.markdown import Section
from bench.report.source_holdout import BASELINE_LABEL, MIN_N, ProtocolRun, RunSummary, mode_difference, summarize
from kodetect.eval.generator_families import FAMILIES, family_members
from kodetect.eval.heldout import SourceRates
from kodetect.eval.metrics import wilson_interval
from kodetect.eval.protocols import KATFISH_GENRES

START = "<!-- bench:summary:start -->"
END = "<!-- bench:summary:end -->"
README_TITLE = "How accurate is it? / 얼마나 정확한가요?"

GENRES_KO = {
    "essay": "에세이", "poetry": "시", "abstract": "논문 초록", "news": "뉴스 기사", "review": "서평·숙소·상품 후기",
    "review-short": "짧은 영화평", "comment": "트윗", "wiki": "위키백과", "petition": "국민청원(2017–2019)",
    "magazine": "1920–30년대 잡지 글", "legal": "헌법", "qa-answer": "지시·벤치마크 답변", "chat": "챗봇 대화",
    "evaluation-feedback": "LLM 평가문", "letter": "편지", "story": "이야기", "roleplay": "역할극 답변",
    "writing": "글쓰기 과제 답변",
}
FAMILY_SHORT = {"gpt": "GPT", "claude": "Claude", "google": "Gemini/PaLM/Gemma", "qwen": "Qwen", "llama": "Llama",
                "mistral": "Mistral", "solar": "Solar", "korean": "Korean models (KULLM, EEVE, ...)",
                "other": "other makers"}


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%" if n else "–"


def _interval(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{100 * lo:.1f}–{100 * hi:.1f}%"


def _worst_genre(sources: dict, threshold_mode: str) -> tuple[str, str] | None:
    """The human source and genre (and held-out set) with the highest false-positive rate at `threshold_mode`.

    `sources`: (genre, source, pool) -> {mode: (called AI, uncertain, judged)}, as the calibration section's
    facts hold them."""
    rated = [(key, r[threshold_mode]) for key, r in sources.items() if r.get(threshold_mode, (0, 0, 0))[2]]
    if not rated:
        return None
    (genre, source, pool), (k, _, n) = max(rated, key=lambda x: (x[1][0] / x[1][2], x[1][2]))
    sizes = f"{min(r[1][2] for r in rated)}-{max(r[1][2] for r in rated)}"
    if k == 0:
        return (f" With `{threshold_mode}`, no human source had a single false positive ({len(rated)} groups of "
                f"{sizes} texts).",
                f" `{threshold_mode}` 모드에서는 어느 출처에서도 오탐이 없었습니다({len(rated)}개 묶음, 각 {sizes}편).")
    where = {"katfish-test": "KatFish test", "validation-new": "validation pool, a source new to the model"}.get(
        pool, "validation pool, in-sample for the thresholds")
    where_ko = {"katfish-test": "KatFish 시험 세트", "validation-new": "검증 세트, 모델이 학습하지 않은 출처"}.get(
        pool, "검증 세트, 임계값을 정한 출처")
    return (f" The highest false-positive rate of any human source with `{threshold_mode}` was {_pct(k, n)} "
            f"({GENRE_NAMES.get(genre, genre)}, {source}, {where}: {k} of {n}, 95% interval {_interval(k, n)}).",
            f" `{threshold_mode}` 모드의 출처별 최고 오탐률은 {_pct(k, n)}({GENRES_KO.get(genre, genre)}, {source}, "
            f"{where_ko}: {n}편 중 {k}편, 95% 구간 {_interval(k, n)})입니다.")


def _measured(ctx: Context) -> tuple[list[str], dict[str, list[str]]]:
    """Human genres and AI generator families of the data the report evaluated."""
    human_genres = sorted({r["genre"] for r in ctx.rows_by_id.values() if r["label"] == 0},
                          key=lambda g: list(GENRE_NAMES).index(g) if g in GENRE_NAMES else 99)
    members = family_members(r["generator"] for r in ctx.rows_by_id.values() if r["label"] == 1)
    return human_genres, members


def _katfish_sentences(facts: dict) -> tuple[str, str]:
    """The KatFish protocol's AUROCs of kodetect against the paper, in English and Korean."""
    methods = facts["methods"]

    def aurocs(name: str) -> str:
        return " / ".join(f"{100 * methods[name][g][0]:.1f}" for g in KATFISH_GENRES)

    parts = [f"{label} {aurocs(name)}" for name, label in (("kodetect fast", "kodetect fast"),
                                                          ("kodetect deep", "kodetect deep"),
                                                          (BASELINE_ROW, "TF-IDF baseline")) if name in methods]
    pub = " / ".join(f"{100 * facts['published'][g]:.1f}" for g in KATFISH_GENRES)
    seeds = len(facts["seeds"])
    english = (f"**Unseen generators (KatFish protocol, {seeds} seed{'s' if seeds > 1 else ''}).** AUROC ×100 "
               f"for essays / poems / abstracts: " + "; ".join(parts) + f"; KatFishNet as published {pub}.")
    korean = ("**학습에 없던 생성 모델 (KatFish 프로토콜).** 에세이 / 시 / 초록 AUROC×100: " + "; ".join(parts)
              + f"; 논문에 발표된 KatFishNet {pub}.")
    plus_dev = [f"{label} {aurocs(name)}" for name, label in (("kodetect fast, train split + dev corpus", "fast"),
                                                             ("kodetect deep, train split + dev corpus", "deep"),
                                                             (f"{BASELINE_ROW}, train split + dev corpus",
                                                              "TF-IDF baseline")) if name in methods]
    if plus_dev:
        english += " Trained on the dev corpus as well, as the shipped models are: " + "; ".join(plus_dev) + "."
        korean += " 배포 모델처럼 dev 코퍼스도 함께 학습하면: " + "; ".join(plus_dev) + "."
    return english, korean


def _false_positive_sentences(mode: str, facts: dict) -> tuple[str, str]:
    """The shipped model at its shipped cuts: the KatFish test (independent) and the validation pool (in-sample
    for the cuts). Rates are (called AI, uncertain, judged)."""
    kf, val = facts["katfish-test"], facts["validation"]
    low, bal, tpr, tpr_bal = kf["fpr low-fpr"], kf["fpr balanced"], kf["tpr low-fpr"], kf["tpr balanced"]
    val_low = val["fpr low-fpr"]
    text = (f"**False positives of the shipped {mode} model.** With the default `low-fpr` mode, {low[0]} of "
            f"{low[2]} human texts of the KatFish seed-42 test ({_pct(low[0], low[2])}; "
            f"{_pct(low[1], low[2])} uncertain) were called AI, and {_pct(val_low[0], val_low[2])} of the "
            "validation pool's humans (in-sample: the thresholds were chosen on their sources); "
            f"{_pct(tpr[0], tpr[2])} of the unseen generators' KatFish texts were caught ({_pct(tpr[1], tpr[2])} "
            f"uncertain). With `balanced`: {_pct(bal[0], bal[2])} of the KatFish humans called AI, "
            f"{_pct(tpr_bal[0], tpr_bal[2])} of the AI texts caught.")
    ko_text = (f"**배포된 {mode} 모델의 오탐(사람 글을 AI로 판정).** 기본 `low-fpr` 모드에서 "
               f"KatFish 시드 42 시험 세트의 사람 글 {low[2]}편 중 {low[0]}편({_pct(low[0], low[2])}, "
               f"판단 보류 {_pct(low[1], low[2])}), 검증 세트 사람 글의 {_pct(val_low[0], val_low[2])}"
               "(임계값을 정한 출처이므로 표본 내 수치)이 AI로 판정되었고, "
               f"학습에 없던 생성 모델의 KatFish 글은 {_pct(tpr[0], tpr[2])}를 잡았습니다"
               f"(판단 보류 {_pct(tpr[1], tpr[2])}). `balanced` 모드: "
               f"사람 글 오탐 {_pct(bal[0], bal[2])}, AI 글 탐지 {_pct(tpr_bal[0], tpr_bal[2])}.")
    new = facts.get("validation-new", {}).get("fpr low-fpr")
    if new and new[2]:
        text += (f" On validation texts of sources this packaged model never trained on, {_pct(new[0], new[2])} of "
                 f"{new[2]} human texts were called AI ({_pct(new[1], new[2])} uncertain).")
        ko_text += (f" 이 배포 모델이 학습하지 않은 출처의 검증 세트 사람 글 {new[2]}편 중 "
                    f"{_pct(new[0], new[2])}가 AI로 판정되었습니다(판단 보류 {_pct(new[1], new[2])}).")
    for threshold_mode in ("low-fpr", "balanced"):
        sentence = _worst_genre(facts.get("human_sources", {}), threshold_mode)
        if sentence:
            text += sentence[0]
            ko_text += sentence[1]
    return text, ko_text


def _rate_text(rate: SourceRates, korean: bool = False) -> str:
    k, n = rate.called_ai, rate.n
    if korean:
        return f"{_pct(k, n)}({n}편 중 {k}편, 95% 구간 {_interval(k, n)})"
    return f"{_pct(k, n)} ({k} of {n}, 95% interval {_interval(k, n)})"


def _pooled_tpr(s: RunSummary, english: str, korean: str = "") -> str:
    """`english` (or `korean`) with `{}` filled by the pooled TPR at 1% FPR against unseen sources; nothing for
    a run kept from before that reading existed."""
    tpr = s.pooled_unseen_tpr
    return "" if math.isnan(tpr) else (korean or english).format(f"{100 * tpr:.1f}%")


def _mode_english(s: RunSummary, baseline: RunSummary | None, pools: str) -> str:
    if s.worst is None:
        return f"*{s.name}*: no held-out source with n ≥ {s.min_n}."
    text = (f"*{s.name}* ({pools}): pooled AUROC against unseen sources {100 * s.pooled_unseen:.1f}"
            f"{_pooled_tpr(s, ' (TPR {} at 1% FPR)')}; mean AUROC "
            f"over {s.n_sources} held-out sources {100 * s.mean_auroc:.1f}, worst {100 * s.worst.auroc:.1f} "
            f"({s.worst.held_out}, {s.worst.side}).")
    worst, unc_h, unc_a = s.worst_human, s.most_uncertain("human"), s.most_uncertain("ai")
    if worst is not None:
        text += (f" At `low-fpr` thresholds chosen without the source, {s.humans_over_bar} of {len(s.human_rates)} "
                 f"human sources had more than 1% called AI; the worst was {worst.source}: {_rate_text(worst)}.")
    if unc_h is not None and unc_a is not None:
        text += (f" At most {_pct(unc_h.uncertain, unc_h.n)} of a human source ({unc_h.source}) and "
                 f"{_pct(unc_a.uncertain, unc_a.n)} of an AI source ({unc_a.source}) came back `uncertain`.")
    if baseline is not None and baseline.worst is not None:
        mean_ok, worst_ok = s.mean_auroc > baseline.mean_auroc, s.worst.auroc > baseline.worst.auroc
        text += (f" The TF-IDF baseline on the same texts: mean {100 * baseline.mean_auroc:.1f}, worst "
                 f"{100 * baseline.worst.auroc:.1f}{_pooled_tpr(baseline, ', pooled TPR {} at 1% FPR')}; "
                 f"{s.name} {'beats' if mean_ok else 'does not beat'} it on the "
                 f"mean and {'beats' if worst_ok else 'does not beat'} it on the worst case.")
    return text


def _mode_korean(s: RunSummary, baseline: RunSummary | None) -> str:
    if s.worst is None:
        return f"*{s.name}*: {s.min_n}편 이상인 출처가 없습니다."
    text = (f"*{s.name}*: 처음 보는 출처끼리 비교한 AUROC {100 * s.pooled_unseen:.1f}"
            f"{_pooled_tpr(s, '', '(오탐 1%에서 탐지율 {})')}, "
            f"출처 {s.n_sources}개의 평균 AUROC {100 * s.mean_auroc:.1f}, "
            f"최저 {100 * s.worst.auroc:.1f}({s.worst.held_out}).")
    worst, unc_h, unc_a = s.worst_human, s.most_uncertain("human"), s.most_uncertain("ai")
    if worst is not None:
        text += (f" 그 출처 없이 정한 `low-fpr` 임계값에서 사람 글 출처 {len(s.human_rates)}개 중 "
                 f"{s.humans_over_bar}개가 1%를 넘게 AI로 판정되었고, "
                 f"가장 높은 곳은 {worst.source}: {_rate_text(worst, korean=True)}입니다.")
    if unc_h is not None and unc_a is not None:
        text += (f" `uncertain`(판단 보류)은 사람 글 출처에서 최대 {_pct(unc_h.uncertain, unc_h.n)}"
                 f"({unc_h.source}), AI 글 출처에서 최대 {_pct(unc_a.uncertain, unc_a.n)}({unc_a.source})였습니다.")
    if baseline is not None and baseline.worst is not None:
        mean_ok, worst_ok = s.mean_auroc > baseline.mean_auroc, s.worst.auroc > baseline.worst.auroc
        text += (f" 같은 글에서 TF-IDF 기준 모델은 평균 {100 * baseline.mean_auroc:.1f}, "
                 f"최저 {100 * baseline.worst.auroc:.1f}"
                 f"{_pooled_tpr(baseline, '', ', 오탐 1%에서 탐지율 {}')}로, {s.name} 모드가 "
                 f"평균에서 {'앞서고' if mean_ok else '앞서지 못하고'}, "
                 f"최저에서 {'앞섭니다' if worst_ok else '앞서지 못합니다'}.")
    return text


def generalization_sentences(runs: dict[str, ProtocolRun], min_n: int = MIN_N) -> list[tuple[str, str]]:
    """The summary's leave-one-source-out paragraph(s): out-of-source numbers, never in-domain validation ones."""
    out = []
    head_en = ("**New sources (leave one source out over dev/, dev2/ and KatFish's train split).** Each source scored "
               "by a model trained without it, with calibration and thresholds chosen without it too:")
    head_ko = ("**학습에 없던 출처 (dev/, dev2/, KatFish 학습 분할에서 한 출처씩 빼고 학습).** 각 출처를 그 출처 없이 "
               "학습하고 그 출처 없이 정한 보정·임계값으로 판정했습니다:")
    pairs = [("fast", BASELINE_LABEL, "full pools"),
             ("deep", f"{BASELINE_LABEL}, deep subsample", "deep mode's subsample of the pools")]
    for mode, baseline, pools in pairs:
        if mode in runs:
            base = summarize(runs[baseline], min_n) if baseline in runs else None
            summary = summarize(runs[mode], min_n)
            en, ko = _mode_english(summary, base, pools), _mode_korean(summary, base)
            out.append((f"{head_en} {en}" if not out else en, f"{head_ko} {ko}" if not out else ko))
    if "deep" in runs and "fast, deep subsample" in runs:
        d = mode_difference(runs["deep"], runs["fast, deep subsample"])
        if d.diffs:
            out.append((f"*Which mode on a new source:* on the same held-out texts, deep mode's AUROC is above fast "
                        f"mode's for {d.wins} of {len(d.diffs)} held-out sources, by {100 * d.mean:.2f} points on "
                        f"average: {d.better} mode is the more accurate on a source held out.",
                        f"*새 출처에서 어느 모드가 나은가:* 같은 글에서 deep 모드의 AUROC가 fast 모드보다 높은 출처는 "
                        f"{len(d.diffs)}개 중 {d.wins}개, 평균 차이 {100 * d.mean:.2f}포인트로, {d.better} 모드가 "
                        "학습에 없던 출처에서 더 정확합니다."))
    return out


def _abstention_sentences(target: dict[str, tuple[int, int]]) -> tuple[str, str]:
    (kb, n), (ka, _) = target["before"], target["after"]
    return (f"**Korean text with code.** Of the dev/ and dev2/ AI texts with at least 200 Hangul characters of prose, "
            f"{_pct(ka, n)} abstain now ({ka} of {n}), {_pct(kb, n)} before code and foreign-language lines were set "
            "aside.",
            f"**코드가 섞인 한국어 글.** 산문 한글이 200자 이상인 dev/·dev2/ AI 글 {n}편 중 판정을 보류한 글은 이제 "
            f"{ka}편({_pct(ka, n)})이며, 코드·외국어 줄을 제외하기 전에는 {kb}편({_pct(kb, n)})이었습니다.")


def _intro(ctx: Context, report_name: str) -> list[tuple[str, str]]:
    human_genres, members = _measured(ctx)
    n_generators = sum(len(v) for v in members.values())
    families_en = ", ".join(FAMILY_SHORT.get(f, FAMILIES[f]) for f in members)
    out = [(
        f"Full report: [{report_name}]({report_name}), generated by `{ctx.command}` on {ctx.started:%Y-%m-%d} "
        "(figures in `docs/figures/`). Measured only on this repository's data, never on text the model "
        f"trained on: human texts of {len(human_genres)} kinds ("
        + ", ".join(GENRE_NAMES.get(g, g) for g in human_genres)
        + f") and AI texts from {n_generators} generator names in {len(members)} families ({families_en}). "
        "Other genres, other writers and newer models may behave differently.",
        f"전체 결과: [{report_name}]({report_name}) (`{ctx.command}`, {ctx.started:%Y-%m-%d}). 이 저장소의 데이터 중 "
        f"학습에 쓰지 않은 글로만 측정했습니다: 사람이 쓴 글 {len(human_genres)}종("
        + ", ".join(GENRES_KO.get(g, g) for g in human_genres)
        + f")과 {len(members)}개 계열 {n_generators}개 생성 모델의 글. 다른 장르, 다른 필자, 새로운 모델에서는 결과가 "
        "다를 수 있습니다.")]
    if ctx.settings.quick:
        out.append(("These numbers come from the quick run (one KatFish seed, subsampled texts, fast mode only); "
                    "`python -m bench` measures everything.",
                    "아래 수치는 빠른 실행(--quick: KatFish 시드 1개, 표본 추출, fast 모드만) 결과이며, "
                    "`python -m bench`가 전체를 측정합니다."))
    return out


def _attack_sentences(facts: dict) -> list[tuple[str, str]]:
    if not facts.get("drops", {}).get("fast"):
        return []
    drops = {n: d for n, d in facts["drops"]["fast"].items() if not n.startswith("truncate")}
    worst = max(drops, key=lambda n: drops[n])
    return [(f"**Edited text.** Under {len(drops)} kinds of edits people make to pass AI text as their own "
             "(invisible characters, look-alike letters, spacing, commas, sentence endings, particles, typos), "
             f"the fast mode's largest AUROC drop was {100 * drops[worst]:.1f} points ({worst}).",
             f"**편집된 글.** AI 글을 자기 글처럼 보이게 하려는 편집 {len(drops)}종"
             "(보이지 않는 문자, 비슷한 모양의 글자, 띄어쓰기, 쉼표, 종결어미, 조사, 오타)에서 "
             "fast 모드의 AUROC 하락은 최대 "
             f"{100 * drops[worst]:.1f}포인트({worst})였습니다.")]


def _speed_sentences(facts: dict) -> list[tuple[str, str]]:
    if not facts.get("fast"):
        return []
    s = facts["fast"]
    return [(f"**Speed (fast mode, this machine).** {s['docs_per_s_1000']:.1f} documents/s of 1,000 characters "
             f"in one process, `kodetect check` cold start {s['cold_start_s']:.1f} s, peak memory "
             f"{s['peak_rss_mb']:.0f} MB.",
             f"**속도 (fast 모드).** 1,000자 문서 초당 {s['docs_per_s_1000']:.1f}건(프로세스 1개), "
             f"`kodetect check` 첫 실행 {s['cold_start_s']:.1f}초, 메모리 최대 {s['peak_rss_mb']:.0f} MB.")]


DISCLAIMER = ("**No detector should be the sole basis for accusing a person of using AI.** A probability is "
              "evidence to weigh with everything else you know; `uncertain` means the tool does not know.",
              "**어떤 탐지기도 AI 사용을 단정하는 유일한 근거가 되어서는 안 됩니다.** 확률은 다른 정황과 함께 "
              "따져 볼 근거일 뿐이며, `uncertain`은 도구가 판단하지 못했다는 뜻입니다.")


def build(ctx: Context, sections: dict[str, Section], report_name: str) -> tuple[str, str]:
    """(English paragraphs, Korean paragraphs) for the README section; numbers only from `sections`.

    What a new source gets (leave one source out, thresholds chosen without it) comes first; the shipped
    cuts on the validation pool are in-sample and say so."""
    paragraphs = _intro(ctx, report_name)
    facts = {key: section.facts for key, section in sections.items()}
    if facts.get("loso", {}).get("runs"):
        paragraphs += generalization_sentences(facts["loso"]["runs"], ctx.settings.loso_min_n)
    for mode in ("fast", "deep"):
        calibration = facts.get("calibration", {}).get(mode)
        if calibration and "katfish-test" in calibration:
            paragraphs.append(_false_positive_sentences(mode, calibration))
    if facts.get("katfish", {}).get("methods"):
        paragraphs.append(_katfish_sentences(facts["katfish"]))
    if facts.get("abstention", {}).get("prose_target"):
        paragraphs.append(_abstention_sentences(facts["abstention"]["prose_target"]))
    paragraphs += _attack_sentences(facts.get("attacks", {})) + _speed_sentences(facts.get("speed", {}))
    paragraphs.append(DISCLAIMER)
    return "\n\n".join(en for en, _ in paragraphs), "\n\n".join(ko for _, ko in paragraphs)


def readme_block(english: str, korean: str) -> str:
    return f"{START}\n## {README_TITLE}\n\n{english}\n\n{korean}\n{END}"


def update_readme(path: Path, block: str) -> bool:
    """Replace the marked section of `path`; False (file untouched) when the markers are missing."""
    text = path.read_text("utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        return False
    path.write_text(pattern.sub(lambda _: block, text, count=1), "utf-8")
    return True
