"""How much should deep mode's fusion head weigh the edited training copies? Chosen on dev/ data only.

    python bench/copy_weight.py [--weights 1,0.5,0.25,0.1,0] [--out bench/results/copy_weight.md]

Deep mode trains on the texts plus ending-switched copies (`kodetect.training.augment`). The copies
teach the model that the speech level says little about authorship, but a copy's language-model
scores move with its new endings, so at full weight the fusion head learns to trust those scores less.
For each weight of the copies in the fusion head (n-gram heads always take them at full weight), the
deep recipe is trained on the dev/ part of the shipped training pool (no KatFish text anywhere) and
measured on:

- the dev/ validation texts, clean, and with the validation texts that have an ending-switched copy
  replaced by it (the copies the training recipe would make of them; their LM features are cached);
- how far that edit moves each edited text's score, in standard deviations of the clean scores;
- leave one dev genre out (`bench.report.cross_genre.leave_one_genre_out` on dev/ genres only): the
  transfer to a genre the model never saw, which is what KatFish's unseen genres ask of it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report.context import memoized_features  # noqa: E402
from bench.report.cross_genre import leave_one_genre_out  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.metrics import auroc, tpr_at_fpr  # noqa: E402
from kodetect.training.augment import edited_copies  # noqa: E402
from kodetect.training.dataset import build_sets  # noqa: E402
from kodetect.training.recipe import DEEP_COPY_WEIGHT, deep_recipe  # noqa: E402
from kodetect.training.train import MIN_HANGUL  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="1,0.5,0.25,0.1,0")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    data = data_dir()
    if data is None:
        print("needs ../shared/data (or KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    train, validation = build_sets(data, MIN_HANGUL)
    dev_train = [e for e in train if not e.group.startswith("katfish")]
    dev_validation = [e for e in validation if not e.group.startswith("katfish")]
    texts = [e.text for e in dev_validation]
    labels = np.array([e.label for e in dev_validation])
    copies = dict(edited_copies(texts))
    edited = np.array(sorted(copies))
    attacked = [copies.get(i, text) for i, text in enumerate(texts)]

    rows = []
    with memoized_features(warm=[e.text for e in dev_train] + texts + list(copies.values())):
        for weight in (float(w) for w in args.weights.split(",")):
            recipe = partial(deep_recipe, copy_weight=weight)
            score = recipe([e.text for e in dev_train], np.array([e.label for e in dev_train]))
            clean, switched = score(texts), score(attacked)
            held_out = leave_one_genre_out(recipe, dev_train, dev_validation, {})
            rows.append({
                "weight": weight,
                "auroc": auroc(labels, clean),
                "tpr": tpr_at_fpr(labels, clean, 0.01),
                "auroc_switched": auroc(labels, switched),
                "shift": float(np.mean(np.abs(switched[edited] - clean[edited])) / np.std(clean)),
                "genres": {r.genre: r.auroc for r in held_out},
            })
            print(f"weight {weight}: done", file=sys.stderr)

    genres = list(rows[0]["genres"])
    full = next((r for r in rows if r["weight"] == 1.0), rows[0])
    lines = [
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} by `python bench/copy_weight.py "
        f"{' '.join(sys.argv[1:])}` in {(time.perf_counter() - started) / 60:.1f} min. Training: the dev/ part of the "
        f"shipped training pool ({len(dev_train)} texts, plus their copies); validation: the dev/ validation texts "
        f"({len(dev_validation)}, {len(copies)} of them with an ending-switched copy). No KatFish text is used. "
        f"Shipped weight: {DEEP_COPY_WEIGHT}.",
        "",
        "| copy weight | val AUROC | val TPR@1%FPR | val AUROC, ending-switched | score shift (std) "
        f"| shift vs weight 1 | {' | '.join(genres)} | leave-one-genre-out mean |",
        "|---" * (7 + len(genres)) + "|",
    ]
    for r in rows:
        per_genre = [100 * r["genres"][g] for g in genres]
        lines.append(
            f"| {r['weight']:g} | {100 * r['auroc']:.2f} | {100 * r['tpr']:.1f} | {100 * r['auroc_switched']:.2f} "
            f"| {r['shift']:.3f} | {r['shift'] / full['shift']:.2f}x | {' | '.join(f'{v:.2f}' for v in per_genre)} "
            f"| {np.mean(per_genre):.2f} |")
    lines += ["", "Leave one genre out: trained without the genre, tested on its texts (completed with the other "
              "side's validation texts of other genres where dev/ has only one side), AUROC ×100."]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
