"""Leave-one-source-out and leave-one-generator-family-out on the shipped recipe's pools.

Leave one source out fits each recipe once per source without it (kodetect.eval.protocols.out_of_source)
and reads everything off those fits: the classic table, the AUROC against unseen sources and the rates
at calibration and thresholds chosen without the source (bench/report/source_holdout.py). The TF-IDF
baseline runs through the same protocol. Leave one generator family out retrains per family
(kodetect.eval.generator_families). Deep mode is retrained on its own subsample of the pools (as
`kodetect train --mode deep` is) when its language-model features are cached for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from bench.report.context import DEV_FILES, KATFISH_FILES, Context, memoized_features
from bench.report.markdown import Section, fmt, table
from bench.report.source_holdout import (
    BASELINE_LABEL,
    MIN_N,
    ProtocolRun,
    baseline_holdout,
    beats_baseline,
    loso_table,
    mode_comparison,
    rates_table,
    read_holdout,
    restrict,
    summarize,
    summary_tables,
)
from bench.report.zero_shot import comparison_table, zero_shot_results
from kodetect.calibration.thresholds import DEEP_UNCERTAIN_SHARE, UNCERTAIN_SHARE
from kodetect.eval.generator_families import FAMILIES, family_members, generator_family, leave_one_generator_family_out
from kodetect.eval.protocols import Recipe, leave_one_source_out, out_of_source
from kodetect.training.recipe import fast_recipe
from kodetect.training.train import (
    DEEP_TRAIN_PER_CELL,
    DEEP_VALIDATION_PER_CELL,
    ModePools,
    mode_recipe,
)


def _deep_recipe(ctx: Context, section: Section) -> Recipe | None:
    """Deep mode's recipe when its LM features are cached for deep mode's pools; else None, with the reason noted."""
    train, validation = ctx.deep_protocol_pools
    reason = ctx.deep_protocol_reason([e.text for e in [*train, *validation]])
    if reason is not None:
        section.blocks.append(f"Deep mode not measured here: {reason}.")
        return None
    return mode_recipe("deep", ctx.deep_mode_pools)


def _recipes(ctx: Context, section: Section) -> dict[str, tuple[Recipe, ModePools]]:
    """Each mode's recipe with its pools: fast on the protocol pools, deep scored on its subsample."""
    recipes: dict[str, tuple[Recipe, ModePools]] = {"fast": (fast_recipe, ctx.fast_mode_pools)}
    deep = _deep_recipe(ctx, section)
    if deep is not None:
        recipes["deep"] = (deep, ctx.deep_mode_pools)
    return recipes


def _pool_note(ctx: Context) -> str:
    train, validation = ctx.protocol_pools
    full_train, full_validation = ctx.pools
    if len(train) == len(full_train) and len(validation) == len(full_validation):
        return (f"Pools: the shipped recipe's training set ({len(train)} texts) and validation set "
                f"({len(validation)} texts), cropped and length-balanced as for the shipped model.")
    return (f"Pools (--quick): a stratified subsample of {len(train)} of {len(full_train)} training and "
            f"{len(validation)} of {len(full_validation)} validation texts.")


def _deep_pool_note(ctx: Context) -> str:
    train, validation = ctx.deep_protocol_pools
    note = (f"Deep mode's pools: at most {DEEP_TRAIN_PER_CELL} training and {DEEP_VALIDATION_PER_CELL} validation "
            f"texts of every source and side "
            f"(`stable_subsample`, as `kodetect train --mode deep` uses): {len(train)} + {len(validation)} texts.")
    if ctx.deep_mode_pools.full_heads:
        note += (f" Its n-gram heads are fitted on the full training pool ({len(ctx.deep_mode_pools.fit)} texts, "
                 "as fast mode's), its fusion with the language-model features on the subsample's training texts.")
    return note


def _retrain(ctx: Context, section: Section, protocol: Callable) -> dict[str, list]:
    """`protocol(recipe, train pool, validation pool, fit_pool=...)` for every recipe that can run here, by mode."""
    recipes = _recipes(ctx, section)
    warm = list(dict.fromkeys(e.text for _, pools in recipes.values()
                              for e in [*pools.fit, *pools.train, *pools.validation]))
    with memoized_features(warm=warm):
        return {mode: protocol(recipe, pools.train, pools.validation, fit_pool=pools.fit)
                for mode, (recipe, pools) in recipes.items()}


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


INTRO = (
    "Train without one source, test on it: every recipe is fitted once per source without that source's texts, "
    "and every text of the pools is scored by the model that never saw its source "
    "(`kodetect.eval.protocols.out_of_source`). Three readings of the same fits:\n\n"
    "- **AUROC, TPR@1%FPR** (the classic table): a held-out source against the other side's *validation* texts "
    "of every other source. Those other sources were trained on, so this flatters the model.\n"
    "- **AUROC vs unseen sources**: a held-out source against the other side's texts of every other source, "
    "each scored by the model trained without *its* source, every source weighing the same "
    "(`kodetect.eval.heldout.unseen_auroc`): both sides new to the model, as for a user. Pooled over every source "
    "(`pooled_unseen_auroc`), and the pooled TPR at the cut calling 1% of those unseen humans AI "
    "(`pooled_unseen_tpr`; that cut is read off the same scores, so it measures the "
    "ranking's tails, not a shipped cut).\n"
    "- **Rates at thresholds chosen without the source**: calibration and both threshold modes fitted on the "
    "other sources' out-of-source scores, then applied to the held-out source (`heldout_rates`): what a new "
    "source of its kind would get. The shipped thresholds were chosen on all sources, so their rates on these "
    "sources are in-sample; these are not.\n\n"
    "The TF-IDF baseline (`kodetect.eval.baselines`: character 1-4-grams + word 1-2-grams, logistic regression) "
    "runs through the same protocol on the same pools; it has no calibration or thresholds of its own, so its "
    "rates use the same held-out calibration and threshold procedure on its out-of-source scores. "
    "AUROC and TPR ×100; n: the held-out source's texts, n test: with the other side's validation texts.")


def _summary_blocks(section: Section, runs: Sequence[ProtocolRun], pools: Sequence[str], baseline: str,
                    min_n: int) -> None:
    summaries = [summarize(run, min_n) for run in runs]
    aurocs, rates = summary_tables(summaries, pools)
    quick = f" (--quick; the issue counts n ≥ {MIN_N})" if min_n != MIN_N else ""
    section.blocks.append(f"Means and worst cases over held-out sources with n ≥ {min_n}{quick} (the issue's "
                          "targets: mean AUROC ≥ 97, worst AI source ≥ 90; at `low-fpr`, no human source over 1%, "
                          "no source over 20% uncertain). Worst cases name the source and side.")
    section.blocks.append(aurocs)
    section.blocks.append("At `low-fpr` thresholds chosen without the held-out source (in percent; count/total "
                          "[95% Wilson interval]; bold: over the bar):")
    section.blocks.append(rates)
    by_name = {s.name: s for s in summaries}
    section.blocks.append(" ".join(beats_baseline(s, by_name[baseline]) for s in summaries if s.name != baseline))


def _deep_blocks(ctx: Context, section: Section, recipe: Recipe, runs: dict[str, ProtocolRun], holdouts) -> None:
    """Deep mode on its subsample, with fast mode and the baseline read on exactly the same texts."""
    train, validation = ctx.deep_protocol_pools
    fit = ctx.deep_mode_pools.fit
    deep = read_holdout("deep", out_of_source(recipe, train, validation, fit), DEEP_UNCERTAIN_SHARE)
    keep = [*train, *validation]
    same = [deep, read_holdout("fast", restrict(holdouts["fast"], keep)),
            read_holdout(BASELINE_LABEL, restrict(holdouts[BASELINE_LABEL], keep))]
    section.blocks.append(
        "**Deep mode.** " + _deep_pool_note(ctx) + " Fast mode and the baseline are read on exactly these texts: "
        "their models are the ones above (trained without the source on the full pools), only the test texts and "
        "the texts the held-out thresholds are chosen on are deep mode's subsample.")
    section.blocks.append(loso_table(same))
    _summary_blocks(section, same, ["deep subsample"] * 3, BASELINE_LABEL, ctx.settings.loso_min_n)
    section.blocks.append(mode_comparison(same[0], same[1]))
    section.blocks.append(f"**deep**: rates at thresholds chosen without the held-out source (deep mode's uncertain "
                          f"band holds at most {DEEP_UNCERTAIN_SHARE:.0%} of any source it is chosen on, fast mode's "
                          f"{UNCERTAIN_SHARE:.0%}: `kodetect.calibration.thresholds.DEEP_UNCERTAIN_SHARE`):")
    section.blocks.append(rates_table(deep))
    runs["deep"] = deep
    runs["fast, deep subsample"] = same[1]
    runs[f"{BASELINE_LABEL}, deep subsample"] = same[2]
    zero_shot = zero_shot_results(lambda r: leave_one_source_out(r, train, validation))
    section.blocks.append("The zero-shot scores of the same language model (no training at all) on deep mode's "
                          "test sets, beside deep mode (AUROC ×100):")
    section.blocks.append(comparison_table(["held-out source", "side"], [[r.held_out, r.side] for r in deep.classic],
                                           list(deep.classic), zero_shot))
    section.facts["zero_shot"] = {name: [(r.held_out, r.side, r.auroc) for r in rs] for name, rs in zero_shot.items()}


def run_sources(ctx: Context) -> Section:
    section = Section("loso", "Leave one source out", data_files=DEV_FILES + KATFISH_FILES,
                      models=["recipes retrained without each source"])
    section.blocks.append(INTRO + " " + _pool_note(ctx))
    train, validation = ctx.protocol_pools
    deep = _deep_recipe(ctx, section)
    warm = [e.text for e in [*train, *validation]]
    with memoized_features(warm=warm):
        holdouts = {"fast": out_of_source(fast_recipe, train, validation),
                    BASELINE_LABEL: baseline_holdout(train, validation)}
        runs = {name: read_holdout(name, h) for name, h in holdouts.items()}
        section.blocks.append(loso_table(list(runs.values())))
        _summary_blocks(section, list(runs.values()), ["all"] * len(runs), BASELINE_LABEL, ctx.settings.loso_min_n)
        for run in runs.values():
            section.blocks.append(f"**{run.name}**: rates at thresholds chosen without the held-out source:")
            section.blocks.append(rates_table(run))
        if deep is not None:
            _deep_blocks(ctx, section, deep, runs, holdouts)
    section.facts["runs"] = runs
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
    if "deep" in results:
        section.blocks.append(_deep_pool_note(ctx) + " Its test sets are the same families' texts in that "
                              "subsample (the counts above are fast mode's).")

    # The mapping over the whole data (not only the pools), with text counts, so every string is accounted for.
    counts: Counter[str] = Counter()
    for row in ctx.rows_by_id.values():
        if row["label"] == 1:
            counts[row["generator"]] += 1
    members = family_members(counts)
    section.blocks.append("Family of every generator string in the data (texts in dev/, dev2/ and katfish/):")
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
