"""The language model's zero-shot scores run through a protocol, and the table that sets deep mode beside
the best of them (the issue's bar: the fusion must beat every single zero-shot score it is built from)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bench.report.markdown import fmt, table
from kodetect.eval.protocols import HeldOutScore, Recipe

ZERO_SHOT_NAMES = {
    "lm_mean_log_likelihood": "log-likelihood",
    "lm_mean_entropy": "entropy",
    "lm_mean_log_rank": "log-rank",
    "lm_log_rank_ratio": "LRR",
    "lm_fast_detectgpt": "Fast-DetectGPT",
}


def zero_shot_results(protocol: Callable[[Recipe], list[HeldOutScore]]) -> dict[str, list[HeldOutScore]]:
    """`protocol(recipe)` for each zero-shot score; the scores ignore their training texts, so this only
    reads the language-model cache."""
    from kodetect.training.recipe import zero_shot_recipe

    return {name: protocol(zero_shot_recipe(feature)) for feature, name in ZERO_SHOT_NAMES.items()}


def comparison_table(first_header: Sequence[str], first_cells: Sequence[Sequence[object]],
                     deep: Sequence[HeldOutScore], zero_shot: dict[str, list[HeldOutScore]]) -> str:
    """AUROC ×100 of each zero-shot score per held-out row, the best of them, and deep mode's margin over it."""
    rows = []
    for i, (cells, result) in enumerate(zip(first_cells, deep, strict=True)):
        scores = {name: results[i].auroc for name, results in zero_shot.items()}
        best = max(scores, key=scores.__getitem__)
        rows.append([*cells, *(fmt(v) for v in scores.values()), f"{fmt(scores[best])} ({best})",
                     fmt(result.auroc - scores[best])])
    return table([*first_header, *zero_shot, "best zero-shot", "deep − best zero-shot"], rows)
