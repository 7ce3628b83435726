"""Which side's edited copies does fast mode need against the ending-switch attack?

    python bench/experiments/copy_sides_attack.py [--sides both,ai,none] [--fusion-weights 0.25/0.25,0/0]
        [--endings-in polite] [--out bench/results/copy_sides_attack.md]

Fast mode trains on its texts plus ending-switched copies of about half of them (`kodetect.training.augment`),
human and AI alike. Read on sources left out of training (`generalize_choices.py`), copies of the AI texts
only kept every human source under 1% called AI and lifted the pooled TPR at 1% FPR from 53.4 to 57.6.
The copies exist for the attack, so this measures what each choice leaves of that robustness.

For each choice of copied side, fast mode's recipe is fitted on the shipped training pool (the KatFish
seed-42 test splits and the validation pool are not in it) and scores two sets clean and ending-switched
(every text edited, human and AI alike, one rng per row as `kodetect eval --attack` does):
the validation pool (unseen texts of the training sources) and the KatFish seed-42 test splits (unseen
generators). Raw scores: AUROC and the TPR at 1% FPR do not depend on calibration. "human over clean cut"
is the share of human texts at or above the cut that calls 1% of the clean human texts AI, after the edit:
what the attack does to people who edit their own writing with it. `--endings-in` adds a model that reads every
text with its declarative endings moved into one speech level (`endings_in_register`): robust by construction.

Result: bench/results/copy_sides_attack.md, read with the held-out readings in bench/results/generalize_choices.md.
Each side's copies hold one half of the attack (without the human texts' copies, ending-switched people's texts are
called AI; without the AI texts', ending-switched AI text passes), and one speech level for every text costs the
detector more on unseen sources than the copies do. The shipped copies stay.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.report.heldout import katfish_test_set  # noqa: E402
from kodetect.eval.attacks import ATTACKS, REGISTERS, attack_rng, endings_in_register  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.metrics import auroc, tpr_at_fpr  # noqa: E402
from kodetect.model.shipped import MIN_HANGUL  # noqa: E402
from kodetect.training.augment import augment_texts  # noqa: E402
from kodetect.training.dataset import build_sets  # noqa: E402
from kodetect.training.featurize import featurize  # noqa: E402
from kodetect.training.fit import fit_heads, raw_scores  # noqa: E402

OUT = ROOT / "bench" / "results" / "copy_sides_attack.md"
SIDES = {"both": (0, 1), "ai": (1,), "human": (0,), "none": ()}
ATTACK = "ending-switch"


def fit(texts: list[str], labels: np.ndarray, copy_labels: tuple[int, ...],
        fusion_copy_weights: tuple[float, float] = (1.0, 1.0)):
    """fast mode's recipe (`recipe.fit_fast`) with copies of the texts of `copy_labels` only, a copy weighing
    `fusion_copy_weights[its label]` in the fusion head (the n-gram heads take copies at full weight)."""
    all_texts, all_labels, groups = augment_texts(texts, labels, copy_labels=copy_labels)
    features, names, views = featurize(all_texts, progress=False)
    weights = None
    if fusion_copy_weights != (1.0, 1.0):
        weights = np.where(np.arange(len(all_texts)) >= len(texts), np.asarray(fusion_copy_weights)[all_labels], 1.0)
    heads = fit_heads(features, names, views, all_labels, groups=groups, fusion_weights=weights)
    return heads, len(all_texts) - len(texts)


def configurations(sides: str, fusion_weights: str) -> list[tuple[str, tuple[int, ...], tuple[float, float]]]:
    """(label, copied labels, fusion copy weights (human, AI)): one per side named, then one per fusion weight
    pair ("h/a") with copies of both sides."""
    out = [(side, SIDES[side], (1.0, 1.0)) for side in filter(None, sides.split(","))]
    for pair in filter(None, fusion_weights.split(",")):
        human, ai = (float(w) for w in pair.split("/"))
        out.append((f"both, fusion weights {human:g} / {ai:g}", SIDES["both"], (human, ai)))
    return out


def readings(y: np.ndarray, clean: np.ndarray, attacked: np.ndarray) -> dict[str, float]:
    human_clean = np.sort(clean[y == 0])[::-1]
    cut = np.nextafter(human_clean[int(np.floor(0.01 * len(human_clean)))], np.inf)
    return {
        "AUROC clean": 100 * auroc(y, clean),
        "AUROC attacked": 100 * auroc(y, attacked),
        "drop": 100 * (auroc(y, clean) - auroc(y, attacked)),
        "TPR@1%FPR clean": 100 * tpr_at_fpr(y, clean, 0.01),
        "TPR@1%FPR attacked": 100 * tpr_at_fpr(y, attacked, 0.01),
        "human over clean cut": 100 * float(np.mean(attacked[y == 0] >= cut)),
        "AI over clean cut": 100 * float(np.mean(attacked[y == 1] >= cut)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", default="both,ai,none", help="whose texts get copies: both, ai, human, none")
    parser.add_argument("--fusion-weights", default="",
                        help='comma-separated "human/AI" weights of the copies in the fusion head, copies of both '
                             'sides (default: none)')
    parser.add_argument("--endings-in", choices=REGISTERS,
                        help="one more row: no copies, and every text (training, clean and attacked) with its "
                             "declarative endings moved into this speech level before the model reads it")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if data_dir() is None:
        print("../shared/data not found", file=sys.stderr)
        return 2
    started = time.time()
    train, validation = build_sets(data_dir(), MIN_HANGUL)
    texts, labels = [e.text for e in train], np.array([e.label for e in train])
    sets = {"validation pool": [(e.id, e.text, e.label) for e in validation],
            "KatFish seed-42 test": [(h.id, h.text, h.label) for h in katfish_test_set()]}
    attacked = {name: [ATTACKS[ATTACK](t, attack_rng(0, ATTACK, i)) for i, t, _ in rows] for name, rows in sets.items()}
    results = []

    def read(side: str, heads, n_copies: int, seen=lambda t: t) -> None:
        """Score both sets clean and attacked, each text as `seen` rewrites it before the model reads it."""
        for name, rows in sets.items():
            y = np.array([label for _, _, label in rows])
            clean_f, _, clean_v = featurize([seen(t) for _, t, _ in rows], progress=False)
            attacked_f, _, attacked_v = featurize([seen(t) for t in attacked[name]], progress=False)
            numbers = readings(y, raw_scores(heads, clean_f, clean_v), raw_scores(heads, attacked_f, attacked_v))
            results.append((side, n_copies, name, int((y == 0).sum()), int((y == 1).sum()), numbers))
            print(f"{side} / {name}: {numbers} ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)

    for side, copy_labels, fusion_copy_weights in configurations(args.sides, args.fusion_weights):
        read(side, *fit(texts, labels, copy_labels, fusion_copy_weights))
    if args.endings_in:
        def seen(text: str) -> str:
            return endings_in_register(text, args.endings_in)

        read(f"none, every text's endings in {args.endings_in}", *fit([seen(t) for t in texts], labels, ()), seen)
    header = list(results[0][-1])
    lines = [
        "# Fast mode's edited copies by side, against the ending-switch attack",
        "",
        f"Generated by `python bench/experiments/copy_sides_attack.py --sides {args.sides}"
        + (f" --fusion-weights {args.fusion_weights}" if args.fusion_weights else "")
        + (f" --endings-in {args.endings_in}" if args.endings_in else "") + "` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {(time.time() - started) / 60:.1f} min. Training: the shipped "
        f"training pool ({len(train)} texts) plus the copies of the side named; raw scores, ×100.",
        "",
        "| copies of | copies | test set | human | AI | " + " | ".join(header) + " |",
        "|---" * (len(header) + 5) + "|",
        *(f"| {side} | {n} | {name} | {h} | {a} | " + " | ".join(f"{v:.2f}" for v in numbers.values()) + " |"
          for side, n, name, h, a, numbers in results),
    ]
    args.out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
