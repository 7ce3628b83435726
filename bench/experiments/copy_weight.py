"""How much should deep mode's fusion head weigh the edited training copies? Chosen on dev/ data only.

    python bench/experiments/copy_weight.py [--weights 1,0.5,0.25,0.1,0] [--out bench/results/copy_weight.md]

Deep mode trains on the texts plus ending-switched copies (`kodetect.training.augment`). The copies
teach the model that the speech level says little about authorship, but a copy's language-model
scores move with its new endings, so at full weight the fusion head learns to trust those scores less.
For each weight of the copies in the fusion head (n-gram heads always take them at full weight), the
deep recipe is trained and measured on dev/ data as `bench/experiments/dev_choice.py` describes.

Result: bench/results/copy_weight.md. Adopted: deep mode ships with weight 0.25 (`DEEP_COPY_WEIGHT` in
kodetect/training/recipe.py says why).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.experiments.dev_choice import choice_main  # noqa: E402
from kodetect.training.recipe import DEEP_COPY_WEIGHT, deep_recipe  # noqa: E402

if __name__ == "__main__":
    # The zero-shot anchor off: this choice was made before it existed, and is kept comparable.
    sys.exit(choice_main(__doc__, "copy_weight.py", "1,0.5,0.25,0.1,0",
                         lambda w: partial(deep_recipe, copy_weight=w, anchor={}), "weight", "copy weight",
                         f"Shipped weight: {DEEP_COPY_WEIGHT}."))
