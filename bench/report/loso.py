"""Leave-one-source-out and leave-one-generator-family-out on the shipped recipe's pools.

Both retrain the recipe without the held-out texts (kodetect.eval.protocols.leave_one_source_out,
kodetect.eval.generator_families.leave_one_generator_family_out). Deep mode is retrained too when
its language-model features are cached for the pools.
"""

from __future__ import annotations

from collections import Counter

from bench.report.context import DEV_FILES, KATFISH_FILES, Context, memoized_features
from bench.report.markdown import Section, fmt, table
from bench.report.zero_shot import comparison_table, zero_shot_results
from kodetect.eval.generator_families import FAMILIES, family_members, generator_family, leave_one_generator_family_out
from kodetect.eval.protocols import leave_one_source_out
from kodetect.training.recipe import fast_recipe


def _recipes(ctx: Context, section: Section) -> dict[str, object]:
    recipes: dict[str, object] = {"fast": fast_recipe}
    train, validation = ctx.protocol_pools
    reason = ctx.deep_protocol_reason([e.text for e in [*train, *validation]])
    if reason is None:
        from kodetect.training.recipe import deep_recipe

        recipes["deep"] = deep_recipe
    else:
        section.blocks.append(f"Deep mode not measured here: {reason}.")
    return recipes


def _pool_note(ctx: Context) -> str:
    train, validation = ctx.protocol_pools
    full_train, full_validation = ctx.pools
    if len(train) == len(full_train) and len(validation) == len(full_validation):
        return (f"Pools: the shipped recipe's training set ({len(train)} texts) and validation set "
                f"({len(validation)} texts), cropped and length-balanced as for the shipped model.")
    return (f"Pools (--quick): a stratified subsample of {len(train)} of {len(full_train)} training and "
            f"{len(validation)} of {len(full_validation)} validation texts.")


def _retrain(ctx: Context, section: Section, protocol) -> dict[str, list]:
    """`protocol(recipe, train pool, validation pool)` for every recipe that can run here, by mode."""
    train, validation = ctx.protocol_pools
    recipes = _recipes(ctx, section)
    with memoized_features(warm=[e.text for e in [*train, *validation]]):
        return {mode: protocol(recipe, train, validation) for mode, recipe in recipes.items()}


def _by_mode_table(results: dict[str, list], header: list[str], first_cells) -> str:
    """One row per held-out item (`first_cells` of the fast result), AUROC and TPR@1%FPR for each mode."""
    for mode in results:
        header += [f"AUROC {mode}", f"TPR@1%FPR {mode}"]
    rows = []
    for i, r in enumerate(results["fast"]):
        row = first_cells(r)
        for mode in results:
            other = results[mode][i]
            row += [fmt(other.auroc), fmt(other.tpr_at_1pct_fpr, digits=1)]
        rows.append(row)
    return table(header, rows)


def run_sources(ctx: Context) -> Section:
    section = Section("loso", "Leave one source out", data_files=DEV_FILES + KATFISH_FILES,
                      models=["recipe retrained without each source"])
    results = _retrain(ctx, section, leave_one_source_out)
    section.blocks.insert(0, (
        "Train without one source, test on it. A held-out AI source is tested against the validation humans "
        "of every other source, a held-out human source against the validation AI texts of the others. "
        + _pool_note(ctx) + " AUROC and TPR at 1% FPR ×100."))
    section.blocks.append(_by_mode_table(results, ["held-out source", "side", "n test"],
                                         lambda r: [r.held_out, r.side, r.n_test]))
    section.facts = {mode: [(r.held_out, r.side, r.auroc) for r in rs] for mode, rs in results.items()}
    if "deep" in results:
        train, validation = ctx.protocol_pools
        zero_shot = zero_shot_results(lambda recipe: leave_one_source_out(recipe, train, validation))
        section.blocks.append("The zero-shot scores of the same language model (no training at all) on the same "
                              "test sets, beside deep mode (AUROC ×100):")
        section.blocks.append(comparison_table(["held-out source", "side"],
                                               [[r.held_out, r.side] for r in results["deep"]], results["deep"],
                                               zero_shot))
        section.facts["zero_shot"] = {name: [(r.held_out, r.side, r.auroc) for r in rs]
                                      for name, rs in zero_shot.items()}
    return section


def run_families(ctx: Context) -> Section:
    section = Section("families", "Leave one generator family out", data_files=DEV_FILES + KATFISH_FILES,
                      models=["recipe retrained without each family's AI texts"])
    results = _retrain(ctx, section, leave_one_generator_family_out)
    section.blocks.insert(0, (
        "Train without every AI text of one generator family, test on that family's texts (both pools) "
        "against all validation humans. Families group the data's `generator` strings by model maker "
        "(kodetect/eval/generator_families.py; the mapping is listed below). " + _pool_note(ctx)))
    section.blocks.append(_by_mode_table(results, ["held-out family", "generators", "n AI", "n human"],
                                         lambda r: [FAMILIES[r.family], r.n_generators, r.n_ai, r.n_human]))

    # The mapping over the whole data (not only the pools), with text counts, so every string is accounted for.
    counts: Counter[str] = Counter()
    for row in ctx.rows_by_id.values():
        if row["label"] == 1:
            counts[row["generator"]] += 1
    members = family_members(counts)
    section.blocks.append("Family of every generator string in the data (texts in dev/ and katfish/):")
    section.blocks.append(table(
        ["family", "texts", "generators"],
        [[FAMILIES[f], sum(counts[g] for g in gs), ", ".join(f"`{g}`" for g in gs)] for f, gs in members.items()],
    ))
    section.facts = {
        mode: [(r.family, r.auroc) for r in rs] for mode, rs in results.items()
    }
    section.facts["families_in_data"] = {f: len(gs) for f, gs in members.items()}
    section.facts["generators_in_data"] = len(counts)
    train, validation = ctx.protocol_pools
    section.facts["pool_families"] = sorted({generator_family(e.generator) for e in [*train, *validation]
                                            if e.label == 1})
    return section
