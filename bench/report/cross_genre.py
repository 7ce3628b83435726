"""Cross-genre: train without a genre, test on it (KatFish genres and the dev corpora's genres).

Two protocols. Leave one genre out: the shipped recipe's training pool without that genre; a
KatFish genre is then tested on all of its KatFish texts (none was trained on), a dev/dev2 genre on
its pool texts, completed with the other side's validation texts from other genres when the genre
is one-sided (wiki, petition, magazine, legal and short reviews are human-only, chat, qa-answer,
evaluation-feedback, letters, stories and role-play AI-only). And the dev corpora only (dev/ and
dev2/, no KatFish text at all) tested on each KatFish genre in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.report.context import DEV_FILES, KATFISH_FILES, Context, memoized_features
from bench.report.markdown import DASH, Section, fmt, table
from bench.report.zero_shot import comparison_table, zero_shot_results
from kodetect.eval.data import load_katfish
from kodetect.eval.metrics import auroc, tpr_at_fpr
from kodetect.eval.protocols import KATFISH_GENRES, Recipe, cross_genre_katfish, fit_examples
from kodetect.training.dataset import Example
from kodetect.training.recipe import fast_recipe
from kodetect.training.train import ModePools, mode_recipe


@dataclass(frozen=True)
class GenreHeldOut:
    genre: str
    test: str  # what the test set is made of
    n_human: int
    n_ai: int
    auroc: float
    tpr_at_1pct_fpr: float


def leave_one_genre_out(recipe: Recipe, train_pool: Sequence[Example], validation_pool: Sequence[Example],
                        katfish_rows: dict[str, list[dict]],
                        fit_pool: Sequence[Example] | None = None) -> list[GenreHeldOut]:
    """Train without one genre, test on it; see the module docstring for the test sets. `fit_pool`: the
    examples trained on instead of `train_pool` (see `kodetect.eval.protocols.out_of_source`)."""
    fit_pool = train_pool if fit_pool is None else fit_pool
    everything = [*train_pool, *validation_pool]
    results: list[GenreHeldOut] = []
    for genre in sorted({e.genre for e in everything}):
        train = [e for e in fit_pool if e.genre != genre]
        if genre in katfish_rows:
            rows = katfish_rows[genre]
            texts, labels, what = [r["text"] for r in rows], [r["label"] for r in rows], "all KatFish texts"
        else:
            held = [e for e in everything if e.genre == genre]
            sides = {e.label for e in held}
            what = "pool texts"
            if len(sides) == 1:
                other = 1 - sides.pop()
                held += [e for e in validation_pool if e.genre != genre and e.label == other]
                what = f"pool texts + validation {'AI' if other else 'human'} texts of other genres"
            texts, labels = [e.text for e in held], [e.label for e in held]
        score = fit_examples(recipe, train)
        y, s = np.array(labels), score(texts)
        results.append(GenreHeldOut(genre, what, int((y == 0).sum()), int((y == 1).sum()), auroc(y, s),
                                    tpr_at_fpr(y, s, 0.01)))
    return results


def genre_table(by_genre: dict[str, list[GenreHeldOut]]) -> str:
    """One row per held-out genre of the first mode, each mode's AUROC and TPR@1%FPR matched by genre (deep
    mode's subsample may lack a small genre: a dash there)."""
    header = ["held-out genre", "test set", "n human", "n AI"]
    for mode in by_genre:
        header += [f"AUROC {mode}", f"TPR@1%FPR {mode}"]
    keyed = {mode: {r.genre: r for r in results} for mode, results in by_genre.items()}
    rows = []
    for r in next(iter(by_genre.values())):
        row: list[object] = [r.genre, r.test, r.n_human, r.n_ai]
        for results in keyed.values():
            other = results.get(r.genre)
            row += [fmt(other.auroc), fmt(other.tpr_at_1pct_fpr, digits=1)] if other else [DASH, DASH]
        rows.append(row)
    return table(header, rows)


def _recipes(ctx: Context, katfish_texts: list[str], notes: list[str]) -> dict[str, tuple[Recipe, ModePools]]:
    """Fast mode on the protocol pools; deep mode scored on its subsample (fitted as it is trained) when its LM
    features are cached for it and for KatFish."""
    recipes: dict[str, tuple[Recipe, ModePools]] = {"fast": (fast_recipe, ctx.fast_mode_pools)}
    train, validation = ctx.deep_protocol_pools
    reason = ctx.deep_protocol_reason([e.text for e in [*train, *validation]] + katfish_texts)
    if reason is None:
        from kodetect.training.train import DEEP_TRAIN_PER_CELL

        pools = ctx.deep_mode_pools
        recipes["deep"] = (mode_recipe("deep", pools), pools)
        fitted = ("its n-gram heads on the full training pool, as fast mode's, and its fusion on its subsample"
                  if pools.full_heads else "on its subsample")
        notes.append(f"Deep mode trains {fitted} ({len(train)} texts, at most "
                     f"{DEEP_TRAIN_PER_CELL} of every source and side, as `kodetect train --mode deep`), "
                     "and is tested on the subsample, so its dev-genre test sets are smaller.")
    else:
        notes.append(f"Deep mode not measured here: {reason}.")
    return recipes


def run(ctx: Context) -> Section:
    section = Section("cross-genre", "Cross-genre: train without a genre, test on it",
                      data_files=DEV_FILES + KATFISH_FILES, models=["recipe retrained without each genre"])
    train, _ = ctx.protocol_pools
    katfish_rows = {g: load_katfish(g) for g in KATFISH_GENRES}
    katfish_texts = [r["text"] for rows in katfish_rows.values() for r in rows]
    notes: list[str] = []
    recipes = _recipes(ctx, katfish_texts, notes)
    by_genre, dev_only, zero_shot = {}, {}, {}
    needed = list(dict.fromkeys([e.text for _, pools in recipes.values()
                                 for e in [*pools.fit, *pools.train, *pools.validation]] + katfish_texts))
    with memoized_features(warm=needed):
        for mode, (recipe, pools) in recipes.items():
            by_genre[mode] = leave_one_genre_out(recipe, pools.train, pools.validation, katfish_rows, pools.fit)
            dev = [e for e in pools.fit if not e.group.startswith("katfish")]
            dev_only[mode] = cross_genre_katfish(recipe, [e.text for e in dev], np.array([e.label for e in dev]),
                                                     [e.group for e in dev])
        if "deep" in recipes:
            # A zero-shot score ignores its training texts, so "trained on the dev corpora only" is simply the score.
            zero_shot = zero_shot_results(lambda recipe: cross_genre_katfish(recipe, [], np.array([])))

    section.blocks.append(
        "Leave one genre out: the training pool without the genre; KatFish genres are tested on every KatFish "
        "text of the genre (none was trained on), dev/ and dev2/ genres on their pool texts, completed with the "
        "other side's validation texts of other genres when the pools have only one side of the genre (a genre's "
        "texts can come from several sources: wiki holds KLUE's Wikipedia sentences and dev2's Wikipedia articles). "
        f"AUROC and TPR at 1% FPR ×100. Training pool: {len(train)} texts.")
    section.blocks.append(genre_table(by_genre))
    _dev_only_blocks(section, train, dev_only, zero_shot)
    section.blocks.extend(notes)
    section.facts = {
        mode: {"leave_one_genre_out": {r.genre: r.auroc for r in by_genre[mode]},
               "dev_only_to_katfish": {r.held_out.removeprefix("katfish-"): r.auroc for r in dev_only[mode]}}
        for mode in recipes
    }
    if zero_shot:
        section.facts["zero_shot_on_katfish"] = {
            name: {r.held_out.removeprefix("katfish-"): r.auroc for r in results} for name, results in zero_shot.items()
        }
    return section


def _dev_only_blocks(section: Section, train: Sequence[Example], dev_only: dict, zero_shot: dict) -> None:
    dev = [e for e in train if not e.group.startswith("katfish")]
    section.blocks.append(
        f"Trained on the dev corpora only (dev/ and dev2/: the training pool without any KatFish text, {len(dev)} "
        "texts for fast mode), tested on all of each KatFish genre:")
    header = ["KatFish genre", "n"]
    for mode in dev_only:
        header += [f"AUROC {mode}", f"TPR@1%FPR {mode}"]
    rows = []
    for i, r in enumerate(dev_only["fast"]):
        row = [r.held_out.removeprefix("katfish-"), r.n_test]
        for results in dev_only.values():
            row += [fmt(results[i].auroc), fmt(results[i].tpr_at_1pct_fpr, digits=1)]
        rows.append(row)
    section.blocks.append(table(header, rows))
    if zero_shot:
        section.blocks.append(
            "The zero-shot scores of the same language model (no training at all) on the same texts, for "
            "comparison with the dev-corpora-only rows above (AUROC ×100):")
        section.blocks.append(comparison_table(
            ["KatFish genre"], [[r.held_out.removeprefix("katfish-")] for r in dev_only["deep"]], dev_only["deep"],
            zero_shot))
