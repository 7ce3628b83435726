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
    parser.add_argument(
        "--out", type=Path, default=None,
        help="artifact path without extension; writes .npz and .json (default: the packaged model of the mode)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for cropping and sampling (default 0)")


def run_train(args: argparse.Namespace) -> int:
    from kodetect.eval.data import data_dir
    from kodetect.model.shipped import PACKAGED_MODELS
    from kodetect.training.train import train

    directory = args.data_dir or data_dir()
    if directory is None or not (Path(directory) / "dev" / "human.jsonl").exists():
        raise InputError("training data not found; pass --data-dir pointing at a folder with dev/ and katfish/")
    command = "kodetect train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    out = args.out or PACKAGED_MODELS[args.mode]
    model = train(Path(directory), out, seed=args.seed, command=command.strip(), mode=args.mode)
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
