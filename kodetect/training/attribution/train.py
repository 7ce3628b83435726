"""Build the packaged attribution artifact from ../shared/data, with its model card.

    kodetect train --attribution [--out kodetect/artifacts/attribution] [--data-dir DIR] [--seed 0]

Protocol: the AI texts of dev/, dev2/ and KatFish's seed-42 train split (kodetect/attribution/data.py),
capped per family and source. Five folds by prompt (kodetect.eval.attribution.prompt_fold) give
every text a prediction from a fit that never saw its prompt; on those held-out predictions the
temperature (margins -> probabilities) and the "unknown" cut are chosen. The shipped classifier is
then fitted on all the texts. The card records the held-out-prompt scores, the families with their
texts and prompts, and the command.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kodetect.attribution.features import VIEWS, WIDTH, strings_from_cached
from kodetect.attribution.model import AttributionModel
from kodetect.attribution.names import display_name
from kodetect.eval.attribution import (
    AttributionExample,
    answered_at,
    attribution_scores,
    choose_cut,
    leave_prompt_out,
)
from kodetect.eval.data import file_sha256
from kodetect.model.shipped import MIN_HANGUL, MIN_KOREAN_SHARE
from kodetect.training.attribution.data import (
    DATA_FILES,
    EXCLUDED_GENERATORS,
    FAMILY_SOURCE_CAP,
    cap_family_sources,
    cell,
    katfish_heldout,
    load_rows,
    merge_families,
    single_family_cells,
)
from kodetect.training.attribution.families import MIN_PROMPTS, MIN_TEXTS, learnable_families
from kodetect.training.attribution.fit import (
    SVM_C,
    Corpus,
    build_corpus,
    fit_heads,
    fit_temperature,
    margins,
    recipe,
    softmax,
    to_model,
)
from kodetect.training.featurize import featurize
from kodetect.version import __version__

NAME = "kodetect-attribution"
FOLDS = 5
# A family is named only when, on held-out prompts, named families were right this often;
# below the cut the answer is "unknown".
MIN_PRECISION = 0.8
DESCRIPTION = ("Generator-family attribution: one-vs-rest linear SVM over hashed TF-IDF n-grams (characters 1-5, "
               "words 1-2, morphemes 1-3, line layout 1-3, the text as given 1-4, its first and last 60 characters "
               "1-4), softmax with a temperature fitted on held-out prompts. "
               "It names the family whose texts the input most resembles; that is a resemblance, not proof of "
               "which model wrote it.")


@dataclass(frozen=True)
class TrainingSet:
    examples: list[AttributionExample]  # family labels already merged
    families: list[str]
    merged: dict[str, str]  # family merged into "other": why
    left_out_cells: dict[str, str]  # "source/genre" only one family wrote: that family (empty when kept)


def training_set(data_dir: Path, seed: int = 0, cap: int | None = FAMILY_SOURCE_CAP,
                 keep_single_family_cells: bool = False, like: TrainingSet | None = None) -> TrainingSet:
    """The classifier's texts (see data.py).

    `keep_single_family_cells` keeps the shortcut the shipped model avoids, so the report can measure
    it. `like`: take that set's families (and merges) instead of deciding them on these texts, so a
    smaller cap (the report's --quick) keeps the shipped families.
    """
    examples = cap_family_sources(load_rows(data_dir, MIN_HANGUL, MIN_KOREAN_SHARE), cap, seed)
    left_out = {} if keep_single_family_cells else single_family_cells(examples)
    examples = [e for e in examples if cell(e) not in left_out]
    families, merged = (like.families, like.merged) if like is not None else learnable_families(examples)
    return TrainingSet(merge_families(examples, families), families, merged, left_out)


def view_strings_of(examples: Sequence[AttributionExample], progress: bool = False) -> list[dict[str, str]]:
    """Each example's view strings, from the detector's feature cache (computed once per text)."""
    _, _, views = featurize([e.text for e in examples], progress=progress)
    return [strings_from_cached(e.text, c, m)
            for e, c, m in zip(examples, views["char_ngram"], views["morph_ngram"], strict=True)]


def family_indices(examples: Sequence[AttributionExample], families: Sequence[str]) -> np.ndarray:
    index = {f: i for i, f in enumerate(families)}
    return np.array([index[e.family] for e in examples], dtype=int)


def calibrate(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(temperature, cut) from held-out-prompt margins."""
    temperature = fit_temperature(scores, labels)
    probabilities = softmax(scores, temperature)
    return temperature, choose_cut(probabilities, probabilities.argmax(axis=1) == labels, MIN_PRECISION)


def _round(x: float) -> float:
    return round(float(x), 4)


def held_out_summary(examples: Sequence[AttributionExample], families: Sequence[str], probabilities: np.ndarray,
                     cut: float) -> dict[str, Any]:
    predicted = [families[i] for i in probabilities.argmax(axis=1)]
    scores = attribution_scores([e.family for e in examples], predicted, families)
    answered = answered_at(probabilities, cut)
    correct = np.array([p == e.family for p, e in zip(predicted, examples, strict=True)])
    return {
        "n": scores.n,
        "accuracy": _round(scores.accuracy),
        "macro_f1": _round(scores.macro_f1),
        "balanced_accuracy": _round(scores.balanced_accuracy),
        "by_family": {f.family: {"n": f.support, "precision": _round(f.precision), "recall": _round(f.recall),
                                 "f1": _round(f.f1)} for f in scores.families},
        "named_share_at_cut": _round(answered.mean()),
        "accuracy_when_named": _round(correct[answered].mean()) if answered.any() else None,
    }


def _family_table(examples: Sequence[AttributionExample], merged: dict[str, str]) -> dict[str, Any]:
    by_family: dict[str, list[AttributionExample]] = defaultdict(list)
    for e in examples:
        by_family[e.family].append(e)
    out = {}
    for family, members in by_family.items():
        out[family] = {
            "name": display_name(family),
            "texts": len(members),
            "prompts": len({e.prompt for e in members}),
            "sources": dict(sorted(Counter(e.source for e in members).items())),
            "generators": sorted({e.generator for e in members}, key=str.lower),
        }
    if merged:
        out["other"]["merged_families"] = merged
    return out


def _katfish_check(model: AttributionModel, data_dir: Path, families: Sequence[str]) -> dict[str, Any]:
    """The shipped classifier on KatFish's held-out generators: families it knows, genres it never saw."""
    examples = [e for e in katfish_heldout(data_dir, MIN_HANGUL, MIN_KOREAN_SHARE) if e.family in families]
    strings = view_strings_of(examples)
    out: dict[str, Any] = {}
    for source in sorted({e.source for e in examples}):
        for family in sorted({e.family for e in examples if e.source == source}):
            picked = [strings[i] for i, e in enumerate(examples) if e.source == source and e.family == family]
            probabilities = np.array([model.probabilities(s) for s in picked])
            top = [model.families[i] for i in probabilities.argmax(axis=1)]
            named = probabilities.max(axis=1) >= model.cut
            out[f"{source}/{family}"] = {
                "n": len(picked),
                "top1_accuracy": _round(np.mean([t == family for t in top])),
                "most_common_top1": Counter(top).most_common(1)[0][0],
                "named_share": _round(named.mean()),
            }
    return out


def train_attribution(data_dir: Path, out: Path, seed: int = 0, command: str | None = None,
                      progress: bool = True) -> AttributionModel:
    started = datetime.now(UTC)
    data = training_set(data_dir, seed)
    examples, families = data.examples, data.families
    print(f"attribution: {len(examples)} texts, families {', '.join(families)}", file=sys.stderr)
    corpus = build_corpus(examples, view_strings_of(examples, progress))
    labels = family_indices(examples, families)

    held_out = leave_prompt_out(recipe(corpus, families), examples, FOLDS, seed)
    temperature, cut = calibrate(held_out, labels)
    held_probabilities = softmax(held_out, temperature)

    heads, intercept = fit_heads(corpus, np.arange(len(examples)), labels, len(families))
    model = to_model(heads, intercept, families, temperature, cut)
    digest = hashlib.sha256()
    for view in VIEWS:
        digest.update(np.ascontiguousarray(heads[view].coef).tobytes())
    digest.update(repr((families, temperature, cut)).encode())
    model.card = {
        "name": NAME,
        "version": f"{__version__}+{digest.hexdigest()[:10]}",
        "description": DESCRIPTION,
        "kodetect_version": __version__,
        "trained_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command or f"kodetect train --attribution --out {out}",
        "seed": seed,
        "data_files": {name: file_sha256(data_dir / name) for name in DATA_FILES},
        "training_set": {
            "n": len(examples),
            "cap_per_family_and_source": FAMILY_SOURCE_CAP,
            "min_hangul": MIN_HANGUL,
            "excluded_generators": sorted(EXCLUDED_GENERATORS),
            "left_out_single_family_cells": data.left_out_cells,
            "katfish": "read through the seed-42 train split only (GPT-4o: one family, so left out with its genres); "
                       "KatFish's Solar, Qwen2 and Llama3.1 texts are never trained on",
        },
        "family_details": _family_table(examples, data.merged),
        "merge_rule": f"families with fewer than {MIN_TEXTS} texts or {MIN_PROMPTS} prompts are merged into other",
        "classifier": {"kind": "one-vs-rest linear SVM, every family and within it every source weighing the same",
                       "C": SVM_C, "views": list(VIEWS),
                       "hash_width": WIDTH, "coefficients": "int8, one scale per view and family"},
        "held_out_prompts": {
            "protocol": f"{FOLDS} folds by prompt key (kodetect.eval.attribution.prompt_key); every text "
                        "predicted by a fit that never saw its prompt",
            "min_precision_for_cut": MIN_PRECISION,
            **held_out_summary(examples, families, held_probabilities, cut),
        },
        "caution": "A resemblance, not proof: many open models are tuned on another family's outputs and write "
                   "like it, and a family's newer models may write differently from those it was trained on.",
    }
    model.card["held_out_prompts"]["int8_agreement"] = _round(_quantization_agreement(model, corpus, out))
    model.card["katfish_held_out_generators"] = _katfish_check(AttributionModel.load(out), data_dir, families)
    model.save(out)
    return model


def _quantization_agreement(model: AttributionModel, corpus: Corpus, out: Path) -> float:
    """Share of training texts whose top family is the same after the int8 round trip (saves the artifact)."""
    rows = np.arange(len(corpus.examples))
    before = margins(model.heads, model.intercept, corpus, rows).argmax(axis=1)
    model.save(out)
    loaded = AttributionModel.load(out)
    after = margins(loaded.heads, loaded.intercept, corpus, rows).argmax(axis=1)
    return float(np.mean(before == after))
