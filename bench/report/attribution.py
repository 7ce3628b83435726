"""Which model family wrote it: the attribution classifier on prompts, sources and genres it never saw.

Everything is retrained here from the same recipe as the shipped artifact (kodetect/attribution/train.py),
on the same texts (--quick: a few per family and source), with kodetect.eval.attribution's protocols:

* leave-prompt-out: 5 folds by prompt key, so no prompt is on both sides; accuracy, macro-F1, per
  family, per source, per length, the confusion matrix, and the "unknown" cut chosen on these
  held-out predictions;
* variants, judged by leave-prompt-out only (full run): the detector's two views alone, plus layout,
  character 4-5-grams and words, and the shipped seven views;
* leave-one-source-out: each source's texts predicted by a fit without that source and without
  any text of another source that answers one of its prompts;
* shortcut check: KatFish's Qwen2, Llama3.1 and Solar texts (never trained on; essays, poems and
  abstracts, genres no training source has) predicted by the recipe trained on all texts, and by
  the same recipe keeping the single-family (source, genre) cells the shipped model leaves out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.report import figures
from bench.report.context import Context, cap_per_group
from bench.report.markdown import Section, fmt, table
from kodetect.attribution import PACKAGED_MODEL, attribution_model
from kodetect.attribution.features import VIEWS
from kodetect.attribution.names import display_name
from kodetect.eval.attribution import (
    LENGTH_BUCKETS,
    AttributionExample,
    answered_at,
    attribution_scores,
    leave_one_source_out,
    leave_prompt_out,
    length_bucket,
    top1,
)
from kodetect.eval.data import file_sha256
from kodetect.model.shipped import MIN_HANGUL, MIN_KOREAN_SHARE
from kodetect.training.attribution.data import DATA_FILES, FAMILY_SOURCE_CAP, katfish_heldout
from kodetect.training.attribution.fit import Corpus, build_corpus, recipe, softmax
from kodetect.training.attribution.train import (
    FOLDS,
    MIN_PRECISION,
    TrainingSet,
    calibrate,
    family_indices,
    training_set,
    view_strings_of,
)

TARGET_ACCURACY = 0.70
TARGET_MACRO_F1 = 0.60
QUICK_CAP = 40  # texts per (family, source) in --quick
QUICK_HELDOUT = 30  # KatFish texts per (genre, family) in --quick
VARIANTS = {
    "character + morpheme n-grams (the detector's views)": ("char", "morph"),
    "+ line layout": ("char", "morph", "layout"),
    "+ character 4-5-grams and words": ("char", "morph", "char_long", "word", "layout"),
    "+ the text as given and its first and last 60 characters (shipped)": VIEWS,
}


def _pct(x: float | None) -> str:
    return fmt(x, digits=1)


def _bucket_name(bucket: tuple[int, int]) -> str:
    lo, hi = bucket
    return f"{lo}-{hi - 1}" if hi < 10**8 else f"{lo}+"


def run(ctx: Context) -> Section:
    section = Section("attribution", "Which model family wrote it (attribution)", data_files=DATA_FILES,
                      models=["attribution recipe retrained per split", f"shipped {attribution_model().version}"])
    cap = QUICK_CAP if ctx.settings.quick else FAMILY_SOURCE_CAP
    shipped = training_set(ctx.data)
    data = training_set(ctx.data, cap=cap, like=shipped)
    kept = training_set(ctx.data, cap=cap, keep_single_family_cells=True, like=shipped)
    heldout = [e for e in katfish_heldout(ctx.data, MIN_HANGUL, MIN_KOREAN_SHARE) if e.family in data.families]
    if ctx.settings.quick:
        heldout = cap_per_group(heldout, QUICK_HELDOUT, key=lambda e: (e.source, e.family))
    # The corpus holds counts by text id only, so one serves both training sets (`data` is part of `kept`).
    everything = list({e.id: e for e in [*kept.examples, *heldout]}.values())
    corpus = build_corpus(everything, view_strings_of(everything))
    examples, families = data.examples, data.families

    scores = leave_prompt_out(recipe(corpus, families), examples, FOLDS)
    labels = family_indices(examples, families)
    temperature, cut = calibrate(scores, labels)
    probabilities = softmax(scores, temperature)
    predicted = top1(scores, families)
    overall = attribution_scores([e.family for e in examples], predicted, families)

    section.blocks.append(_intro(ctx, data, cap))
    section.blocks.append(_summary_table(examples, families, overall, probabilities, predicted, cut))
    section.blocks.append(_family_table(examples, families, overall))
    section.blocks.append("Top-1 accuracy on held-out prompts by source and by length of the text:")
    section.blocks.append(_source_table(examples, predicted))
    section.blocks.append(_length_table(examples, predicted, families))
    _confusion(ctx, section, overall)
    if not ctx.settings.quick:
        section.blocks.append(_variants(corpus, examples, families, scores))
    section.blocks.append(_loso(corpus, examples, families, temperature, cut))
    section.blocks.append(_katfish(corpus, data, kept, heldout, temperature, cut))
    section.blocks.append(_shipped())
    section.facts = {"accuracy": overall.accuracy, "macro_f1": overall.macro_f1, "families": len(families),
                     "cut": cut}
    return section


def _intro(ctx: Context, data: TrainingSet, cap: int) -> str:
    size = (f"--quick: at most {cap} texts per family and source, {len(data.examples)} in all" if ctx.settings.quick
            else f"all {len(data.examples)} training texts of the shipped artifact")
    left_out = ", ".join(f"`{c}`" for c in data.left_out_cells) or "none"
    merged = "; ".join(f"{display_name(f)} ({why})" for f, why in data.merged.items()) or "none"
    return (
        f"`Detection.attribution` names the model family a text most resembles, for `ai` and `uncertain` verdicts. "
        f"The classifier is retrained here with the shipped recipe ({size}). Every split is by prompt: answers to "
        f"the same question by different models share its topic and wording, so a text is only ever predicted by "
        f"a fit that never saw its prompt (`kodetect/eval/attribution.py`: LogicKor question ids, MT-Bench "
        f"question numbers across KoMT-Bench, pnu-clink and ko-bench, KoInFoBench items, judge items). Left out "
        f"of training because one family wrote all of them (they teach the genre, not the family): {left_out}. "
        f"Merged into other: {merged}. Rates ×100. Also read: `dev2/ai.jsonl` "
        f"{file_sha256(ctx.data / 'dev2' / 'ai.jsonl')[:12]}.")


def _summary_table(examples: Sequence[AttributionExample], families: Sequence[str], overall, probabilities,
                   predicted: Sequence[str], cut: float) -> str:
    answered = answered_at(probabilities, cut)
    correct = np.array([p == e.family for p, e in zip(predicted, examples, strict=True)])
    met = lambda value, target: "met" if value >= target else "**not met**"  # noqa: E731
    rows = [
        ["texts / prompts / families", f"{len(examples)} / {len({e.prompt for e in examples})} / {len(families)}"],
        ["top-1 accuracy (always naming the largest family: "
         f"{100 * max(Counter(e.family for e in examples).values()) / len(examples):.1f})",
         f"{_pct(overall.accuracy)} (target {100 * TARGET_ACCURACY:.0f}: {met(overall.accuracy, TARGET_ACCURACY)})"],
        ["macro-F1", f"{_pct(overall.macro_f1)} (target {100 * TARGET_MACRO_F1:.0f}: "
                     f"{met(overall.macro_f1, TARGET_MACRO_F1)})"],
        ["balanced accuracy (mean recall per family)", _pct(overall.balanced_accuracy)],
        [f"a family named (top probability ≥ cut {cut:.2f}, chosen for ≥ {100 * MIN_PRECISION:.0f}% right)",
         _pct(float(answered.mean()))],
        ["accuracy when a family is named", _pct(float(correct[answered].mean())) if answered.any() else "–"],
    ]
    return table(["leave-prompt-out (5 folds)", ""], rows)


def _family_table(examples: Sequence[AttributionExample], families: Sequence[str], overall) -> str:
    prompts: dict[str, set[str]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(set)
    generators: dict[str, set[str]] = defaultdict(set)
    for e in examples:
        prompts[e.family].add(e.prompt)
        sources[e.family].add(e.source)
        generators[e.family].add(e.generator)
    scores = {f.family: f for f in overall.families}
    rows = []
    for family in families:
        s = scores[family]
        rows.append([display_name(family), s.support, len(prompts[family]), len(sources[family]),
                     len(generators[family]), _pct(s.precision), _pct(s.recall), _pct(s.f1)])
    return table(["family", "texts", "prompts", "sources", "generators", "precision", "recall", "F1"], rows)


def _source_table(examples: Sequence[AttributionExample], predicted: Sequence[str]) -> str:
    by_source: dict[str, list[bool]] = defaultdict(list)
    families: dict[str, set[str]] = defaultdict(set)
    for e, p in zip(examples, predicted, strict=True):
        by_source[e.source].append(e.family == p)
        families[e.source].add(e.family)
    rows = [[source, len(hits), len(families[source]), _pct(float(np.mean(hits)))]
            for source, hits in sorted(by_source.items())]
    return table(["source", "texts", "families", "top-1 accuracy"], rows)


def _length_table(examples: Sequence[AttributionExample], predicted: Sequence[str], families: Sequence[str]) -> str:
    rows = []
    for bucket in LENGTH_BUCKETS:
        picked = [i for i, e in enumerate(examples) if length_bucket(e.text) == bucket]
        if not picked:
            continue
        s = attribution_scores([examples[i].family for i in picked], [predicted[i] for i in picked], families)
        rows.append([_bucket_name(bucket), s.n, _pct(s.accuracy), _pct(s.macro_f1)])
    return table(["characters", "texts", "top-1 accuracy", "macro-F1"], rows)


def _confusion(ctx: Context, section: Section, overall) -> None:
    reason = figures.matplotlib_reason()
    if reason:
        section.blocks.append(f"Figure not drawn: {reason}.")
        return
    path = confusion_figure(ctx.figures_dir / "attribution_confusion.png", overall.confusion,
                            [display_name(f) for f in overall.labels],
                            figures.korean("Model family: true (rows) against predicted, held-out prompts",
                                           "모델 계열 혼동 행렬"))
    section.figures.append(ctx.figure_link(path))
    section.blocks.append(f"![Confusion matrix of the family attribution]({ctx.figure_link(path)})")


def confusion_figure(path: Path, confusion: np.ndarray, names: Sequence[str], title: str) -> Path:
    """Row-normalised confusion matrix with the share in each cell (rows: true family)."""
    plt = figures._plt()
    totals = confusion.sum(axis=1, keepdims=True)
    shares = np.divide(confusion, totals, out=np.zeros(confusion.shape), where=totals > 0)
    fig, ax = plt.subplots(figsize=(0.62 * len(names) + 2.6, 0.55 * len(names) + 1.8))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            if shares[i, j] >= 0.005:
                ax.text(j, i, f"{100 * shares[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{n} ({int(t)})" for n, t in zip(names, totals.ravel(), strict=True)], fontsize=8)
    ax.set_xlabel("predicted family (% of the row)")
    ax.set_ylabel("true family (texts)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return figures._save(fig, path)


def _variants(corpus: Corpus, examples: Sequence[AttributionExample], families: Sequence[str],
              shipped_scores: np.ndarray) -> str:
    rows = []
    for name, views in VARIANTS.items():
        scores = (shipped_scores if views == VIEWS else
                  leave_prompt_out(recipe(corpus, families, views=views), examples, FOLDS))
        s = attribution_scores([e.family for e in examples], top1(scores, families), families)
        rows.append([name, _pct(s.accuracy), _pct(s.macro_f1), _pct(s.balanced_accuracy)])
    return ("Variants, chosen by these leave-prompt-out numbers only (the same folds; each adds views to the "
            "row above):\n\n" + table(["views", "top-1 accuracy", "macro-F1", "balanced accuracy"], rows))


def _named(scores: np.ndarray, family: str, families: Sequence[str], temperature: float, cut: float) -> list[str]:
    """Share of texts named at the shipped cut, and how many of those are right (`k/n`)."""
    probabilities = softmax(scores, temperature)
    named = answered_at(probabilities, cut)
    right = sum(families[i] == family for i in probabilities[named].argmax(axis=1))
    return [_pct(float(named.mean())), f"{right}/{int(named.sum())}" if named.any() else "–"]


def _loso(corpus: Corpus, examples: Sequence[AttributionExample], families: Sequence[str], temperature: float,
          cut: float) -> str:
    results = leave_one_source_out(recipe(corpus, families), examples)
    rows = []
    for result in results:
        predicted = top1(result.probabilities, families)
        by_family: dict[str, list[int]] = defaultdict(list)
        for row, i in enumerate(result.indices):
            by_family[examples[i].family].append(row)
        for family, picked in sorted(by_family.items(), key=lambda kv: families.index(kv[0])):
            if family not in result.trained_families:
                continue
            guesses = [predicted[r] for r in picked]
            hits = sum(g == family for g in guesses)
            common = Counter(g for g in guesses if g != family).most_common(1)
            rows.append([result.source, display_name(family), len(guesses), _pct(hits / len(guesses)),
                         f"{display_name(common[0][0])} ({common[0][1]})" if common else "–",
                         *_named(result.probabilities[picked], family, families, temperature, cut)])
    return ("Leave one source out: a family must be recognised in a source it was never trained on (every text "
            "of the source, and every text elsewhere that answers one of its prompts, left out of training). "
            "Families absent from the other sources cannot be named and are not listed. The last two columns "
            "apply the temperature and cut chosen on held-out prompts above: how often a family is named at "
            "all, and how many of the named ones are right:\n\n"
            + table(["held-out source", "family", "texts", "top-1 accuracy", "most common wrong answer",
                     "named at the cut", "right when named"], rows))


def _katfish(corpus: Corpus, data: TrainingSet, kept: TrainingSet, heldout: Sequence[AttributionExample],
             temperature: float, cut: float) -> str:
    fits = {"shipped": (recipe(corpus, data.families)(data.examples), data.families),
            "kept": (recipe(corpus, kept.families)(kept.examples), kept.families)}
    rows = []
    for source, family in sorted({(e.source, e.family) for e in heldout}):
        picked = [e for e in heldout if e.source == source and e.family == family]
        row = [source.removeprefix("katfish-"), display_name(family), len(picked)]
        for name, (predict, labels) in fits.items():
            scores = predict(picked)
            guesses = top1(scores, labels)
            common = Counter(guesses).most_common(1)[0]
            row += [_pct(sum(g == family for g in guesses) / len(picked)), f"{display_name(common[0])} ({common[1]})"]
            if name == "shipped":
                row += _named(scores, family, labels, temperature, cut)
        rows.append(row)
    return ("Shortcut check on KatFish's Qwen2, Llama3.1 and Solar texts (never trained on; essays, poems and "
            f"abstracts, {len(heldout)} texts, genres none of the training texts has), top-1 of a fit on all "
            "training texts, and at the cut as above. The last pair of columns is the same recipe keeping the "
            "(source, genre) cells only one family wrote, as a first version did (KatFish's GPT-4o train split "
            "among them):\n\n"
            + table(["genre", "family", "texts", "top-1 accuracy", "most common answer", "named at the cut",
                     "right when named", "top-1, cells kept", "most common answer, cells kept"], rows))


def _shipped() -> str:
    model = attribution_model()
    size = sum(PACKAGED_MODEL.with_suffix(s).stat().st_size for s in (".npz", ".json"))
    held = model.card.get("held_out_prompts", {})
    return (f"Shipped artifact `kodetect/artifacts/attribution.*`: {model.version}, {size / 2**20:.1f} MiB, "
            f"{len(model.families)} families, temperature {model.temperature:.2f}, cut {model.cut:.2f}; its card "
            f"records leave-prompt-out top-1 {_pct(held.get('accuracy'))} and macro-F1 {_pct(held.get('macro_f1'))} "
            f"from `{model.card.get('command')}`. Deep mode uses the same classifier.")
