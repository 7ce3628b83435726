"""The attribution classifier's texts: the AI texts of dev/ and dev2/ (and KatFish's seed-42 train split).

Controls against shortcuts:
* a source's genre that only one family wrote there is left out (`single_family_cells`): K-OMG's
  comments, KoChatGPT's chat turns, KoMT-Bench's reference answers, Danawa's reviews and the GPT-4o
  essays, poems and abstracts of KatFish's seed-42 train split are all GPT, so they teach "a poem is
  GPT", not what GPT's writing is like. With them kept, KatFish's Qwen2, Llama3.1 and Solar texts
  were nearly all called GPT (the report's "cells kept" columns measure it). So KatFish's
  train split is read, as the detector's training reads it, and then falls to this rule; what remains
  is answers, judgments, role-play and writing tasks that several families answered in one source;
* a source is capped per family (`FAMILY_SOURCE_CAP`, picks spread evenly over its generators);
* texts the detector would not judge (fewer than its `min_hangul` Hangul characters, or mostly not
  Korean) are left out, because attribution is only ever asked of judged texts;
* polyglot-ko-1.3b's K-OMG rows are left out: a 2022 base model whose output here is mostly
  degenerate (repetition, English, @-handles; see the data README), unlike anything a user checks.

KatFish's Solar, Qwen2 and Llama3.1 texts are never trained on: they are an external test
(`katfish_heldout`) of three known families in three genres the training texts do not cover.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from kodetect.eval.attribution import AttributionExample, prompt_key
from kodetect.eval.generator_families import generator_family
from kodetect.text.language import script_profile
from kodetect.training.dataset import KATFISH_TRAIN_SEED, source_group

AI_FILES = ("dev/ai.jsonl", "dev2/ai.jsonl")
KATFISH_GENRES = ("essay", "poetry", "abstract")
FAMILY_SOURCE_CAP = 1000
EXCLUDED_GENERATORS = frozenset({"polyglot-ko-1.3b"})
DATA_FILES = (*AI_FILES, *(f"katfish/{g}.jsonl" for g in KATFISH_GENRES), "katfish/splits.json")


def _read(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def judged(text: str, min_hangul: int, min_korean_share: float) -> bool:
    """Whether the detector would give this text a verdict (and so, maybe, an attribution)."""
    profile = script_profile(text)
    return profile.hangul >= min_hangul and profile.letters > 0 and profile.korean_share >= min_korean_share


def _example(row: dict) -> AttributionExample:
    return AttributionExample(row["id"], row["text"], row["generator"], generator_family(row["generator"]),
                              source_group(row), prompt_key(row), row["genre"])


def _katfish_split_ids(data_dir: Path, names: Sequence[str]) -> set[str]:
    splits = json.loads((data_dir / "katfish" / "splits.json").read_text(encoding="utf-8"))
    return {i for genre in splits for name in names for i in splits[genre][KATFISH_TRAIN_SEED][name]}


def load_rows(data_dir: Path, min_hangul: int, min_korean_share: float) -> list[AttributionExample]:
    """Every usable AI row of the training files, uncapped, with its generator's family (not merged)."""
    rows: list[dict] = []
    for name in AI_FILES:
        rows += [r for r in _read(data_dir / name) if r["label"] == 1]
    train_ids = _katfish_split_ids(data_dir, ["train"])
    for genre in KATFISH_GENRES:
        rows += [r for r in _read(data_dir / "katfish" / f"{genre}.jsonl") if r["label"] == 1 and r["id"] in train_ids]
    return [_example(r) for r in rows
            if r["generator"] not in EXCLUDED_GENERATORS and judged(r["text"], min_hangul, min_korean_share)]


def cap_family_sources(examples: Sequence[AttributionExample], cap: int | None, seed: int = 0
                       ) -> list[AttributionExample]:
    """At most `cap` examples per (family, source), taken round-robin over generators; deterministic.

    Returned in input order, so a cap never reorders the data.
    """
    if cap is None:
        return list(examples)
    rng = random.Random(seed)
    cells: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, e in enumerate(examples):
        cells[(e.family, e.source)][e.generator].append(i)
    keep: set[int] = set()
    for key in sorted(cells):
        queues = [cells[key][g] for g in sorted(cells[key])]
        for queue in queues:
            rng.shuffle(queue)
        taken = 0
        while taken < cap and any(queues):
            for queue in queues:
                if queue and taken < cap:
                    keep.add(queue.pop())
                    taken += 1
    return [e for i, e in enumerate(examples) if i in keep]


def single_family_cells(examples: Sequence[AttributionExample]) -> dict[str, str]:
    """Each source's genres that only one family wrote there: {"source/genre": that family}."""
    families: dict[str, set[str]] = defaultdict(set)
    for e in examples:
        families[cell(e)].add(e.family)
    return {key: next(iter(f)) for key, f in sorted(families.items()) if len(f) == 1}


def cell(example: AttributionExample) -> str:
    return f"{example.source}/{example.genre}"


def merge_families(examples: Sequence[AttributionExample], labels: Sequence[str]) -> list[AttributionExample]:
    """Examples whose family is not among `labels` relabelled "other"."""
    keep = set(labels)
    return [e if e.family in keep else replace(e, family="other") for e in examples]


def katfish_heldout(data_dir: Path, min_hangul: int, min_korean_share: float) -> list[AttributionExample]:
    """KatFish's AI texts by the generators the seed-42 train split leaves out (Solar, Qwen2, Llama3.1)."""
    test_ids = _katfish_split_ids(data_dir, ["test_solar", "test_qwen", "test_llama"])
    rows = []
    for genre in KATFISH_GENRES:
        rows += [r for r in _read(data_dir / "katfish" / f"{genre}.jsonl") if r["label"] == 1 and r["id"] in test_ids]
    return [_example(r) for r in rows if judged(r["text"], min_hangul, min_korean_share)]
