"""Texts the shipped models never trained on, and scoring them through `kodetect.Detector`.

Two held-out sets: the validation pool (20% of every source by id hash, cropped like the training
texts; the thresholds and calibration were fitted on it, so its rates are not independent of the
model) and the KatFish seed-42 test splits (unseen generators Solar, Qwen2, Llama3.1 and the
reserved human 20%: fully independent).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.report.context import Context
from kodetect.eval.data import load_katfish, load_katfish_splits
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS
from kodetect.training.dataset import KATFISH_TRAIN_SEED, source_group

POOLS = {"validation": "validation pool", "katfish-test": "KatFish seed-42 test splits"}
# What each human genre is, so the FPR table names the people who would be falsely accused.
GENRE_NAMES = {
    "essay": "student essays (KatFish)",
    "poetry": "poems (KatFish)",
    "abstract": "paper abstracts (KatFish)",
    "news": "news articles (Wikinews, KLUE)",
    "review": "book and lodging reviews",
    "review-short": "short movie reviews (NSMC, KLUE)",
    "comment": "tweets (K-OMG)",
    "wiki": "Wikipedia sentences (KLUE)",
    "qa-answer": "benchmark answers (LogicKor, KoMT-Bench)",
    "chat": "chatbot turns (KoChatGPT)",
}


@dataclass(frozen=True)
class HeldOut:
    pool: str
    id: str
    text: str
    label: int
    genre: str
    group: str
    generator: str


def validation_set(ctx: Context) -> list[HeldOut]:
    _, validation = ctx.pools
    return [HeldOut("validation", e.id, e.text, e.label, e.genre, e.group, e.generator) for e in validation]


def katfish_test_set(ctx: Context) -> list[HeldOut]:
    """The union of the seed-42 test splits; the reserved humans, shared by the three tests, once."""
    splits = load_katfish_splits()
    out = []
    for genre in KATFISH_GENRES:
        rows = {r["id"]: r for r in load_katfish(genre)}
        ids = dict.fromkeys(i for t in KATFISH_TESTS for i in splits[genre][KATFISH_TRAIN_SEED][t])
        out += [HeldOut("katfish-test", i, rows[i]["text"], rows[i]["label"], genre, f"katfish-{genre}",
                        rows[i]["generator"]) for i in ids]
    return out


def originals(ctx: Context) -> list[HeldOut]:
    """The held-out texts uncropped: the validation pool's rows as the data gives them, and KatFish's test rows.

    Cropping made the validation texts 60-1500 characters long; the length curve cuts texts itself.
    """
    out = []
    for e in validation_set(ctx):
        row = ctx.rows_by_id[e.id]
        out.append(HeldOut("validation", e.id, row["text"], e.label, e.genre, source_group(row), e.generator))
    return out + katfish_test_set(ctx)


def score(detector, texts: Sequence[str], what: str) -> np.ndarray:
    """Document probabilities from `Detector.score`; nan where the detector abstains."""
    out = np.full(len(texts), np.nan)
    started = time.perf_counter()
    for i, p in enumerate(detector.score(texts)):
        if p is not None:
            out[i] = p
        if (i + 1) % 500 == 0:
            print(f"  {what}: {i + 1}/{len(texts)} texts, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out
