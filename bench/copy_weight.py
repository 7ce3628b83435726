"""How much should deep mode's fusion head weigh the edited training copies? Chosen on dev/ data only.

    python bench/copy_weight.py [--weights 1,0.5,0.25,0.1,0] [--out bench/results/copy_weight.md]

Deep mode trains on the texts plus ending-switched copies (`kodetect.training.augment`). The copies
teach the model that the speech level says little about authorship, but a copy's language-model
scores move with its new endings, so at full weight the fusion head learns to trust those scores less.
For each weight of the copies in the fusion head (n-gram heads always take them at full weight), the
deep recipe is trained and measured on dev/ data as `bench/dev_choice.py` describes.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dev_choice import GENRE_NOTE, dev_sets, measure, table  # noqa: E402
from bench.report.context import memoized_features  # noqa: E402
from kodetect.training.recipe import DEEP_COPY_WEIGHT, deep_recipe  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="1,0.5,0.25,0.1,0")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sets = dev_sets()
    if sets is None:
        print("needs ../shared/data (or KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = []
    with memoized_features(warm=sets.warm):
        for weight in (float(w) for w in args.weights.split(",")):
            # The zero-shot anchor off: this choice was made before it existed, and is kept comparable.
            rows.append({"weight": weight, **measure(partial(deep_recipe, copy_weight=weight, anchor={}), sets)})
            print(f"weight {weight}: done", file=sys.stderr)

    full = next((r for r in rows if r["weight"] == 1.0), rows[0])
    lines = [
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} by `python bench/copy_weight.py "
        f"{' '.join(sys.argv[1:])}` in {(time.perf_counter() - started) / 60:.1f} min. Training: the dev/ part of the "
        f"shipped training pool ({len(sets.train)} texts, plus their copies); validation: the dev/ validation texts "
        f"({len(sets.validation)}, {len(sets.copies)} of them with an ending-switched copy). No KatFish text is used. "
        f"Shipped weight: {DEEP_COPY_WEIGHT}.",
        "",
        *table("copy weight", rows, "weight", full),
        "",
        GENRE_NOTE,
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
