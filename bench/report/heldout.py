"""Texts the shipped models never trained on, and scoring them through `kodetect.Detector`.

Two held-out sets: the validation pool (20% of every source of dev/, dev2/ and KatFish's train split
by id hash, cropped like the training texts; the thresholds and calibration were fitted on scores of
it, so its rates are not independent of the model) and the KatFish seed-42 test splits (unseen
generators Solar, Qwen2, Llama3.1 and the reserved human 20%: fully independent).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.report.context import Context
from kodetect.eval.data import load_katfish, load_katfish_splits
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS
from kodetect.training.dataset import KATFISH_TRAIN_SEED, source_group

POOLS = {"validation": "validation pool", "validation-new": "validation pool, sources new to the model",
         "katfish-test": "KatFish seed-42 test splits"}
# What each genre is, so the tables name the people who would be falsely accused (and the AI genres).
# A genre can span several sources (news: Wikinews and KLUE; wiki: KLUE sentences and Wikipedia articles),
# so the tables give the source beside it.
GENRE_NAMES = {
    "essay": "essays",
    "poetry": "poems",
    "abstract": "paper abstracts",
    "news": "news articles",
    "review": "book, lodging and product reviews",
    "review-short": "short movie reviews",
    "comment": "tweets",
    "wiki": "Wikipedia text",
    "petition": "citizens' petitions (2017-2019)",
    "magazine": "magazine essays of the 1920s-30s",
    "legal": "the Constitution",
    "qa-answer": "answers to instructions and benchmark questions",
    "chat": "chatbot turns",
    "evaluation-feedback": "LLM judges' critiques",
    "letter": "letters",
    "story": "stories",
    "roleplay": "role-play answers",
    "writing": "writing-prompt answers",
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


def new_sources_apart(texts: list[HeldOut], card: dict) -> list[HeldOut]:
    """`texts` with the validation texts of sources the model's card does not list among its training groups
    moved to the pool "validation-new": a model trained before a source was added (dev2/) never saw it, so
    neither its classifier nor its thresholds are in-sample there."""
    trained = set(card.get("training_set", {}).get("by_group", {}))
    if not trained:
        return texts
    return [replace(h, pool="validation-new") if h.pool == "validation" and h.group not in trained else h
            for h in texts]


def validation_set(ctx: Context) -> list[HeldOut]:
    _, validation = ctx.pools
    return [HeldOut("validation", e.id, e.text, e.label, e.genre, e.group, e.generator) for e in validation]


def katfish_test_set() -> list[HeldOut]:
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
    return out + katfish_test_set()


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


@dataclass(frozen=True)
class Cuts:
    """A threshold mode's two cuts: `ai` and above is called AI, under `human` human, between uncertain."""

    ai: float
    human: float | None  # None: the model has no human cut (nothing is uncertain)


def card_cuts(thresholds: dict[str, dict[str, float]]) -> dict[str, Cuts]:
    return {m: Cuts(t["ai"], t.get("human")) for m, t in thresholds.items()}


def called(p: np.ndarray, cuts: Cuts) -> tuple[int, int, int]:
    """(called AI, uncertain, judged) among the scores in `p` that are not nan."""
    scored = p[~np.isnan(p)]
    uncertain = 0 if cuts.human is None else int(((scored >= cuts.human) & (scored < cuts.ai)).sum())
    return int((scored >= cuts.ai).sum()), uncertain, len(scored)
