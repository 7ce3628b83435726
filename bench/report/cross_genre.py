"""Cross-genre: train without a genre, test on it (KatFish genres and dev genres).

Two protocols. Leave one genre out: the shipped recipe's training pool without that genre; a
KatFish genre is then tested on all of its KatFish texts (none was trained on), a dev genre on its
pool texts, completed with the other side's validation texts from other genres when the genre is
one-sided (news, reviews and wiki are human-only in dev/, chat and qa-answer AI-only). And
dev/ only (no KatFish text at all) tested on each KatFish genre in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.report.context import DEV_FILES, KATFISH_FILES, Context, memoized_features
from bench.report.markdown import Section, fmt, table
from bench.report.zero_shot import comparison_table, zero_shot_results
from kodetect.eval.data import load_katfish
from kodetect.eval.metrics import auroc, tpr_at_fpr
from kodetect.eval.protocols import KATFISH_GENRES, Recipe, cross_genre_katfish
from kodetect.training.dataset import Example
from kodetect.training.recipe import fast_recipe


@dataclass(frozen=True)
class GenreHeldOut:
    genre: str
    test: str  # what the test set is made of
    n_human: int
    n_ai: int
    auroc: float
    tpr_at_1pct_fpr: float


def leave_one_genre_out(recipe: Recipe, train_pool: Sequence[Example], validation_pool: Sequence[Example],
                        katfish_rows: dict[str, list[dict]]) -> list[GenreHeldOut]:
    """Train without one genre, test on it; see the module docstring for the test sets."""
    everything = [*train_pool, *validation_pool]
    results: list[GenreHeldOut] = []
    for genre in sorted({e.genre for e in everything}):
        train = [e for e in train_pool if e.genre != genre]
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
        score = recipe([e.text for e in train], np.array([e.label for e in train]))
        y, s = np.array(labels), score(texts)
        results.append(GenreHeldOut(genre, what, int((y == 0).sum()), int((y == 1).sum()), auroc(y, s),
                                    tpr_at_fpr(y, s, 0.01)))
    return results


def run(ctx: Context) -> Section:
    section = Section("cross-genre", "Cross-genre: train without a genre, test on it",
                      data_files=DEV_FILES + KATFISH_FILES, models=["recipe retrained without each genre"])
    train, validation = ctx.protocol_pools
    katfish_rows = {g: load_katfish(g) for g in KATFISH_GENRES}
    recipes: dict[str, Recipe] = {"fast": fast_recipe}
    needed = [e.text for e in [*train, *validation]] + [r["text"] for rows in katfish_rows.values() for r in rows]
    reason = ctx.deep_protocol_reason(needed)
    notes = []
    if reason is None:
        from kodetect.training.recipe import deep_recipe

        recipes["deep"] = deep_recipe
    else:
        notes.append(f"Deep mode not measured here: {reason}.")

    by_genre, dev_only, zero_shot = {}, {}, {}
    dev = [e for e in train if not e.group.startswith("katfish")]
    with memoized_features(warm=needed):
        for mode, recipe in recipes.items():
            by_genre[mode] = leave_one_genre_out(recipe, train, validation, katfish_rows)
            dev_only[mode] = cross_genre_katfish(recipe, [e.text for e in dev], np.array([e.label for e in dev]))
        if "deep" in recipes:
            # A zero-shot score ignores its training texts, so "trained on dev/ only" is simply the score.
            zero_shot = zero_shot_results(lambda recipe: cross_genre_katfish(recipe, [], np.array([])))

    section.blocks.append(
        "Leave one genre out: the training pool without the genre; KatFish genres are tested on every KatFish "
        "text of the genre (none was trained on), dev genres on their pool texts, completed with the other "
        "side's validation texts of other genres when dev/ has only one side of the genre. AUROC and TPR at "
        f"1% FPR ×100. Training pool: {len(train)} texts.")
    header = ["held-out genre", "test set", "n human", "n AI"]
    for mode in recipes:
        header += [f"AUROC {mode}", f"TPR@1%FPR {mode}"]
    rows = []
    for i, r in enumerate(by_genre["fast"]):
        row = [r.genre, r.test, r.n_human, r.n_ai]
        for mode in recipes:
            row += [fmt(by_genre[mode][i].auroc), fmt(by_genre[mode][i].tpr_at_1pct_fpr, digits=1)]
        rows.append(row)
    section.blocks.append(table(header, rows))
    section.blocks.append(
        f"Trained on dev/ only (the training pool without any KatFish text, {len(dev)} texts), tested on all "
        "of each KatFish genre:")
    header = ["KatFish genre", "n"]
    for mode in recipes:
        header += [f"AUROC {mode}", f"TPR@1%FPR {mode}"]
    rows = []
    for i, r in enumerate(dev_only["fast"]):
        row = [r.held_out.removeprefix("katfish-"), r.n_test]
        for mode in recipes:
            row += [fmt(dev_only[mode][i].auroc), fmt(dev_only[mode][i].tpr_at_1pct_fpr, digits=1)]
        rows.append(row)
    section.blocks.append(table(header, rows))
    if zero_shot:
        section.blocks.append(
            "The zero-shot scores of the same language model (no training at all) on the same texts, for "
            "comparison with the dev/-only rows above (AUROC ×100):")
        section.blocks.append(comparison_table(
            ["KatFish genre"], [[r.held_out.removeprefix("katfish-")] for r in dev_only["deep"]], dev_only["deep"],
            zero_shot))
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
