"""Should deep mode's fusion lean less on its stylometric and n-gram columns? Dev/ data only.

    python bench/experiments/core_shrink.py [--weights 1,0.1,0.03,0.01] [--out bench/results/core_shrink.md]

Trained on dev/ only, deep mode trails single zero-shot scores on KatFish's essays and poems, genres
dev/ does not have; dev/'s genres are mostly one-sided (news, reviews and wiki human-only, chat and
qa-answer AI-only), so style and n-grams can learn the genre as much as the author. This sweep makes
every column but the language-model features pay more L2 penalty (`deep_recipe(core_shrink=f)`: a
column at factor f pays 1/f² times the penalty; f = 1 is deep mode as shipped, f → 0 approaches the
language-model features alone). Each factor is trained and measured on dev/ data as
`bench/experiments/dev_choice.py` describes.

Not adopted (deep mode ships with f = 1). The best leave-one-dev-genre-out mean, at f = 0.1, was 0.55
points above f = 1 (94.25 against 93.70) and cost 0.51 points of dev validation AUROC, 7.4 points of
TPR at 1% FPR and 1.33x the score shift under an ending switch; smaller factors lost on both counts.
Result: bench/results/core_shrink.md.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.experiments.dev_choice import choice_main  # noqa: E402
from kodetect.training.recipe import deep_recipe  # noqa: E402

if __name__ == "__main__":
    sys.exit(choice_main(__doc__, "core_shrink.py", "1,0.1,0.03,0.01",
                         lambda f: partial(deep_recipe, core_shrink=f), "factor", "factor on non-LM columns",
                         "Deep mode ships with factor 1 (why: this script's docstring)."))
