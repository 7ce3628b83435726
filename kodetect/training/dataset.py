"""Training and validation sets built from ../shared/data with the shortcuts taken out.

In dev/ the human and AI texts come from different sources, so length, genre, layout and politeness
separate them for reasons that will not hold for users. The controls here:

* every source is one group: a text and its crop never sit on both sides of a train/validation split,
  and leave-one-source-out validation drops whole groups;
* texts are cropped at sentence boundaries to lengths drawn from one shared distribution, then
  each length bin is balanced between human and AI, so length cannot predict the label;
* big sources are capped, so tweets or one benchmark's answers cannot dominate, and within a source
  of several genres no genre takes more than half;
* formatting (markdown, emoji) is stripped by the normaliser for training and inference alike.

KatFish enters through the paper's seed-42 train split only (80% of humans + GPT-4o); its Solar,
Qwen2 and Llama3.1 texts and the reserved humans stay unseen by the shipped model.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kodetect.text.language import script_profile
from kodetect.text.normalize import normalize

# Crop targets are log-uniform between these lengths (characters).
CROP_MIN_CHARS = 60
CROP_MAX_CHARS = 1500
LENGTH_BIN_EDGES = (0, 80, 120, 200, 350, 600, 1000, 10**9)
SOURCE_CAP = {"default": 2500, "instructkr/LogicKor": 5000}
DEV_FILES = ("dev/human.jsonl", "dev/ai.jsonl", "dev2/human.jsonl", "dev2/ai.jsonl")
VALIDATION_SHARE = 0.2
KATFISH_TRAIN_SEED = "42"

_SENTENCE_BREAK = re.compile(r"(?<=[.!?。…])\s+|\n+")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    label: int
    group: str  # the source family, for grouped splits and leave-one-source-out
    genre: str
    generator: str


def source_group(row: dict) -> str:
    """The source family a row belongs to (a repository, or a KatFish genre)."""
    if row["id"].startswith("katfish-"):
        return f"katfish-{row['genre']}"
    repo = row["source"].split(":", 1)[0]
    if repo == "ddindidu/K-OMG":
        return "K-OMG-human" if row["label"] == 0 else "K-OMG-generated"
    if repo == "yiunsr/boddari":
        return "boddari-news" if row["genre"] == "news" else "boddari-review"
    return repo


def read_jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _unit_hash(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / 16**12


def is_validation(row_id: str) -> bool:
    """Deterministic 20% of rows, by id, reserved for validation and calibration."""
    return _unit_hash("val:" + row_id) < VALIDATION_SHARE


def crop(text: str, rng: random.Random) -> str:
    """Cut `text` at sentence boundaries to a length drawn log-uniformly from the shared range."""
    target = math.exp(rng.uniform(math.log(CROP_MIN_CHARS), math.log(CROP_MAX_CHARS)))
    if len(text) <= target:
        return text
    pieces = [p for p in _SENTENCE_BREAK.split(text) if p and p.strip()]
    if len(pieces) <= 1:
        return text[: int(target)]
    start = 0 if rng.random() < 0.5 else rng.randrange(len(pieces))
    out: list[str] = []
    length = 0
    for piece in pieces[start:]:
        out.append(piece)
        length += len(piece) + 1
        if length >= target:
            break
    return " ".join(out) if length >= CROP_MIN_CHARS else text[: int(target)]


def _length_bin(text: str) -> int:
    n = len(text)
    for i in range(len(LENGTH_BIN_EDGES) - 1):
        if LENGTH_BIN_EDGES[i] <= n < LENGTH_BIN_EDGES[i + 1]:
            return i
    return len(LENGTH_BIN_EDGES) - 2


def _round_robin(examples: list[Example], k: int, rng: random.Random) -> list[Example]:
    """Take k examples spreading the picks evenly over source groups."""
    by_group: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_group[ex.group].append(ex)
    for items in by_group.values():
        rng.shuffle(items)
    picked: list[Example] = []
    groups = sorted(by_group)
    while len(picked) < k and groups:
        for g in list(groups):
            if by_group[g]:
                picked.append(by_group[g].pop())
                if len(picked) == k:
                    break
            else:
                groups.remove(g)
    return picked


def balance_lengths(examples: list[Example], rng: random.Random) -> list[Example]:
    """Equal numbers of human and AI examples in every length bin."""
    bins: dict[tuple[int, int], list[Example]] = defaultdict(list)
    for ex in examples:
        bins[(_length_bin(ex.text), ex.label)].append(ex)
    out: list[Example] = []
    for b in range(len(LENGTH_BIN_EDGES) - 1):
        human, ai = bins[(b, 0)], bins[(b, 1)]
        k = min(len(human), len(ai))
        out.extend(_round_robin(human, k, rng))
        out.extend(_round_robin(ai, k, rng))
    return out


def load_pool(data_dir: Path, min_hangul: int, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """All usable rows as cropped examples, split into (train pool, validation pool) before balancing."""
    splits = json.loads((data_dir / "katfish" / "splits.json").read_text(encoding="utf-8"))
    katfish_train = {i for g in splits for i in splits[g][KATFISH_TRAIN_SEED]["train"]}
    rows: list[dict] = []
    for name in DEV_FILES:
        rows += list(read_jsonl(data_dir / name))
    for genre in ("essay", "poetry", "abstract"):
        rows += [r for r in read_jsonl(data_dir / "katfish" / f"{genre}.jsonl") if r["id"] in katfish_train]

    by_group: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_group[source_group(row)].append(row)
    train: list[Example] = []
    validation: list[Example] = []
    for group in sorted(by_group):
        members = by_group[group]
        # One random stream per source: adding a source leaves every other source's crops as they were,
        # so cached features and language-model scores of those crops stay valid.
        rng = random.Random(f"{seed}:{group}")
        rng.shuffle(members)
        cap = SOURCE_CAP.get(group, SOURCE_CAP["default"])
        several_genres = len({row["genre"] for row in members}) > 1
        for row in _cap_genres(members, cap // 2 if several_genres else cap)[:cap]:
            text = crop(row["text"], rng)
            # What the detector judges: the prose left after code and foreign lines are set aside.
            if script_profile(normalize(text).text).hangul < min_hangul:
                continue
            ex = Example(row["id"], text, int(row["label"]), group, row["genre"], row["generator"])
            (validation if is_validation(row["id"]) else train).append(ex)
    return train, validation


def _cap_genres(members: list[dict], cap: int) -> list[dict]:
    """At most `cap` rows of each genre, order kept. A source with several genres gives each at most
    half its cap, so one genre cannot crowd out the others (korean-mt-bench is mostly LLM judges'
    critiques, its essays and stories a few dozen)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for row in members:
        seen[row["genre"]] += 1
        if seen[row["genre"]] <= cap:
            out.append(row)
    return out


def build_sets(data_dir: Path, min_hangul: int, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Length-balanced (train, validation) sets; see the module docstring for the protocol."""
    rng = random.Random(seed + 1)
    train, validation = load_pool(data_dir, min_hangul, seed)
    return balance_lengths(train, rng), balance_lengths(validation, rng)


def stable_subsample(examples: Sequence[Example], per_cell: int) -> list[Example]:
    """At most `per_cell` examples of every (source, label), chosen by a hash of the id, order kept.

    For deep mode, whose language-model pass costs about a second per text: the choice of a text does
    not depend on the rest of the pool, so adding a source or a cap elsewhere keeps the cached scores.
    """
    cells: dict[tuple[str, int], list[Example]] = defaultdict(list)
    for ex in examples:
        cells[(ex.group, ex.label)].append(ex)
    keep = {id(ex) for members in cells.values()
            for ex in sorted(members, key=lambda e: _unit_hash("sub:" + e.id))[:per_cell]}
    return [ex for ex in examples if id(ex) in keep]
