"""Accuracy protocols for the fast recipe, printed as markdown.

    python bench/protocols.py [--katfish] [--loso] [--cross-genre] [--deep] [--out FILE.md]

KatFish: the paper's 5 seeded splits (train on 80% human + GPT-4o, test on unseen Solar, Qwen2,
Llama3.1), our recipe retrained on each split, next to KatFishNet's own punctuation features run in
the same process and the paper's published numbers. Variants: "KatFish train split only" (exactly
the paper's training data) and "+ dev" (the split plus the balanced dev/ corpus, no KatFish rows).
Leave-one-source-out: see kodetect.eval.protocols.leave_one_source_out.
--deep adds deep mode (fast features + LM features), the LM features alone in a logistic
regression, and each zero-shot LM score used as it is (no training), all from the same Gemma 3 270M
pass (LM features are read from the cache that `python -m kodetect.training.lm_scores` fills).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kodetect.eval.data import data_dir
from kodetect.eval.protocols import (
    KATFISH_GENRES,
    KATFISH_PUBLISHED,
    KATFISH_TESTS,
    cross_genre_katfish,
    katfish_protocol,
    katfishnet_baseline,
    leave_one_source_out,
    mean_by,
)
from kodetect.features.language_model import ZERO_SHOT_DIRECTION
from kodetect.training.dataset import build_sets, deep_training_subset
from kodetect.training.recipe import deep_recipe, fast_recipe, lm_fusion_recipe, stylometry_recipe, zero_shot_recipe
from kodetect.training.train import MIN_HANGUL


def _katfish_table(rows: dict[str, list]) -> str:
    header = "| method | " + " | ".join(
        f"{g} {t.removeprefix('test_')}" for g in KATFISH_GENRES for t in KATFISH_TESTS
    ) + " | " + " | ".join(f"{g} mean" for g in KATFISH_GENRES) + " |"
    lines = [header, "|" + "---|" * (1 + len(KATFISH_GENRES) * (len(KATFISH_TESTS) + 1))]
    published = [KATFISH_PUBLISHED[g][t] for g in KATFISH_GENRES for t in KATFISH_TESTS]
    means = [np.mean([KATFISH_PUBLISHED[g][t] for t in KATFISH_TESTS]) for g in KATFISH_GENRES]
    cells = " | ".join(f"{v:.2f}" for v in [*published, *means])
    lines.append(f"| KatFishNet punctuation (published) | {cells} |")
    for name, results in rows.items():
        per_test = mean_by(results, lambda r: (r.genre, r.test))
        per_genre = mean_by(results, lambda r: (r.genre,))
        cells = [f"{100 * per_test[(g, t)][0]:.2f} ± {100 * per_test[(g, t)][1]:.2f}"
                 for g in KATFISH_GENRES for t in KATFISH_TESTS]
        cells += [f"**{100 * per_genre[(g,)][0]:.2f}**" for g in KATFISH_GENRES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--katfish", action="store_true")
    parser.add_argument("--loso", action="store_true")
    parser.add_argument("--cross-genre", action="store_true")
    parser.add_argument("--deep", action="store_true", help="add deep mode and the zero-shot LM baselines")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    zero_shot = {f"zero-shot {name.removeprefix('lm_')}": zero_shot_recipe(name) for name in ZERO_SHOT_DIRECTION}
    if data_dir() is None:
        print("../shared/data not found (set KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    run_all = not (args.katfish or args.loso or args.cross_genre)
    started = time.time()
    parts = [
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} by `python {' '.join(sys.argv)}`.",
        "AUROC x100, mean ± std over seeds 42-46.",
    ]
    train_pool, validation_pool = build_sets(data_dir(), MIN_HANGUL)
    # Deep-mode rows train on the deep subset of the pool (LM scoring is costly); fast is shown on
    # both, so the deep/fast comparison is on equal data.
    deep_pool = deep_training_subset(train_pool)
    if args.katfish or run_all:
        dev = [e for e in [*train_pool, *validation_pool] if not e.group.startswith("katfish")]
        extra = ([e.text for e in dev], np.array([e.label for e in dev]))
        rows = {
            "KatFishNet punctuation (reproduced here)": katfishnet_baseline(),
            "kodetect stylometry only, KatFish train split": katfish_protocol(stylometry_recipe),
            "kodetect fast, KatFish train split": katfish_protocol(fast_recipe),
            "kodetect fast, KatFish train split + dev": katfish_protocol(fast_recipe, extra_train=extra),
        }
        if args.deep:
            dev_subset = [e for e in deep_pool if not e.group.startswith("katfish")]
            extra_subset = ([e.text for e in dev_subset], np.array([e.label for e in dev_subset]))
            rows.update({name: katfish_protocol(recipe) for name, recipe in zero_shot.items()})
            rows["LM features only (logistic), KatFish train split"] = katfish_protocol(lm_fusion_recipe)
            rows["kodetect deep, KatFish train split"] = katfish_protocol(deep_recipe)
            rows["kodetect fast, KatFish train split + dev subset"] = katfish_protocol(fast_recipe,
                                                                                    extra_train=extra_subset)
            rows["kodetect deep, KatFish train split + dev subset"] = katfish_protocol(deep_recipe,
                                                                                    extra_train=extra_subset)
        parts += ["## KatFish protocol (unseen generators)", _katfish_table(rows)]
    if args.loso or run_all:
        recipes = {"fast": fast_recipe}
        pools = {"fast": train_pool}
        if args.deep:
            recipes.update({"fast (deep subset)": fast_recipe, "deep": deep_recipe, **zero_shot})
            pools.update(dict.fromkeys(recipes, deep_pool) | {"fast": train_pool})
        results = {name: leave_one_source_out(recipe, pools[name], validation_pool) for name, recipe in recipes.items()}
        header = " | ".join(f"{name} AUROC | {name} TPR@1%" for name in recipes)
        lines = [f"| held-out source | side | n test | {header} |", "|---|---|---|" + "---|---|" * len(recipes)]
        for i, r in enumerate(results["fast"]):
            cells = " | ".join(f"{100 * results[name][i].auroc:.2f} | {100 * results[name][i].tpr_at_1pct_fpr:.1f}"
                               for name in recipes)
            lines.append(f"| {r.held_out} | {r.side} | {r.n_test} | {cells} |")
        means = " | ".join(f"**{100 * np.mean([r.auroc for r in results[name]]):.2f}** | "
                           f"**{100 * np.mean([r.tpr_at_1pct_fpr for r in results[name]]):.1f}**" for name in recipes)
        lines.append(f"| mean | | | {means} |")
        parts += ["## Leave-one-source-out", "\n".join(lines)]
    if args.cross_genre or run_all:
        lines = ["| test genre (all of KatFish) | n | AUROC | TPR at 1% FPR |", "|---|---|---|---|"]
        recipes = {"stylometry only": stylometry_recipe, "fast": fast_recipe}
        if args.deep:
            recipes.update({"fast (deep subset)": fast_recipe, "deep": deep_recipe,
                            "LM features only": lm_fusion_recipe, **zero_shot})
        for name, recipe in recipes.items():
            pool = train_pool if name in ("stylometry only", "fast") else deep_pool
            dev = [e for e in pool if not e.group.startswith("katfish")]
            for r in cross_genre_katfish(recipe, [e.text for e in dev], np.array([e.label for e in dev])):
                cells = f"{r.n_test} | {100 * r.auroc:.2f} | {100 * r.tpr_at_1pct_fpr:.1f}"
                lines.append(f"| {r.held_out} ({name}) | {cells} |")
        parts += ["## Cross-genre: trained on dev/ only, tested on all of KatFish", "\n".join(lines)]
    parts.append(f"Run time: {time.time() - started:.0f} s.")
    report = "\n\n".join(parts) + "\n"
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
