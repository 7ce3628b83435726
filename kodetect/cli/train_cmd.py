"""`kodetect train`: rebuild a packaged artifact (fast or deep mode) and its model card from ../shared/data."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from kodetect.errors import InputError


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from kodetect.detector import MODES

    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="folder with dev/ and katfish/ (default: ../shared/data next to the repository, or $KODETECT_DATA_DIR)",
    )
    parser.add_argument("--mode", choices=MODES, default="fast", help="which artifact to build (default: fast)")
    parser.add_argument("--attribution", action="store_true",
                        help="build the model-family attribution artifact instead (kodetect/attribution/)")
    parser.add_argument(
        "--out", type=Path, default=None,
        help="artifact path without extension; writes .npz and .json (default: the packaged model of the mode, "
        "or the packaged attribution model with --attribution)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for cropping and sampling (default 0)")
    parser.add_argument(
        "--deep-heads", choices=("subsample", "full"), default=None,
        help="deep mode: fit its n-gram heads on its language-model subsample (as its fusion) or on the full "
        "training pool, as fast mode's (default: kodetect.training.train.DEEP_HEADS_POOL)",
    )
    parser.add_argument(
        "--genre-neighbours", type=int, default=None, metavar="K",
        help="read the n-gram heads' logits against the K human training texts nearest in genre; 0 turns it "
        "off (default: kodetect.training.recipe.FAST_GENRE_NEIGHBOURS or DEEP_GENRE_NEIGHBOURS)",
    )


def run_train(args: argparse.Namespace) -> int:
    from kodetect.eval.data import data_dir
    from kodetect.model.shipped import PACKAGED_MODELS
    from kodetect.training.refit import refit_explanations
    from kodetect.training.train import train

    directory = args.data_dir or data_dir()
    if directory is None or not (Path(directory) / "dev" / "human.jsonl").exists():
        raise InputError("training data not found; pass --data-dir pointing at a folder with dev/ and katfish/")
    command = "kodetect train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    if args.attribution:
        return _train_attribution(Path(directory), args, command.strip())
    out = args.out or PACKAGED_MODELS[args.mode]
    if args.deep_heads and args.mode != "deep":
        raise InputError("--deep-heads applies to --mode deep only")
    if args.genre_neighbours is not None and args.genre_neighbours < 0:
        raise InputError("--genre-neighbours takes a count of 0 or more")
    model = train(Path(directory), out, seed=args.seed, command=command.strip(), mode=args.mode,
                  deep_heads=args.deep_heads, genre_neighbours=args.genre_neighbours)
    # What explains its answers is fitted on the validation pool: the sentence calibration, the medians
    # the evidence sentences compare with, and the signals' descriptions in the card.
    model = refit_explanations(out, Path(directory))
    validation, unseen = model.card["validation"], model.card["out_of_source"]
    worst = max((v["called_ai_thresholds_without_it"]["low-fpr"], k) for k, v in unseen["by_source"].items()
                if k.endswith("/human"))
    print(f"wrote {out}.npz and {out}.json (model {model.name} {model.version})")
    print(f"sources left out of training: AUROC {unseen['auroc_unseen_pooled']}; worst human source called AI "
          f"at low-fpr thresholds chosen without it: {worst[0]} ({worst[1]})")
    print(
        f"in-domain validation AUROC {validation['auroc']}, TPR at 1% FPR {validation['tpr_at_1pct_fpr']}, "
        f"FPR balanced {validation['fpr']['balanced']}, low-fpr {validation['fpr']['low-fpr']}"
    )
    return 0


def _train_attribution(directory: Path, args: argparse.Namespace, command: str) -> int:
    from kodetect.attribution import PACKAGED_MODEL
    from kodetect.training.attribution.train import train_attribution

    if not (directory / "dev2" / "ai.jsonl").exists():
        raise InputError(f"{directory} has no dev2/ai.jsonl; the attribution classifier trains on dev/ and dev2/")
    out = args.out or PACKAGED_MODEL
    model = train_attribution(directory, out, seed=args.seed, command=command)
    held = model.card["held_out_prompts"]
    print(f"wrote {out}.npz and {out}.json (model {model.card['name']} {model.version})")
    print(f"held-out prompts: top-1 accuracy {held['accuracy']}, macro-F1 {held['macro_f1']} over "
          f"{len(model.families)} families; a family is named for {held['named_share_at_cut']} of texts "
          f"(cut {model.cut}), right {held['accuracy_when_named']} of the time")
    return 0
