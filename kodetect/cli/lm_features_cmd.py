"""`kodetect lm-features`: fill the language-model feature cache that deep-mode training and the benchmark read.

    kodetect lm-features [--workers 2]   # scores KatFish and deep mode's pools (~2 h on 2 cores)
    kodetect lm-features --build-support  # rebuilds artifacts/gemma3-270m-support.npy

`kodetect train --mode deep` computes what is missing itself, one text at a time; this pass runs
several language-model processes and can be interrupted and resumed.
"""

from __future__ import annotations

import argparse
import sys

from kodetect.cli.arguments import positive_int
from kodetect.errors import InputError

PARTS = ("katfish", "validation", "train")


def add_lm_features_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=positive_int, default=2, help="language-model processes (default 2)")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="score only this part (repeatable; default: all of them)")
    parser.add_argument("--build-support", action="store_true",
                        help="rebuild the packaged token support from dev/ (changes every cache key)")


def run_lm_features(args: argparse.Namespace) -> int:
    from kodetect.eval.data import data_dir, load_katfish
    from kodetect.eval.protocols import KATFISH_GENRES
    from kodetect.model.shipped import MIN_HANGUL
    from kodetect.training.augment import edited_copies
    from kodetect.training.dataset import build_sets
    from kodetect.training.lm_featurize import build_packaged_support, lm_feature_matrix
    from kodetect.training.train import deep_pools

    directory = data_dir()
    if directory is None:
        raise InputError("../shared/data not found (set KODETECT_DATA_DIR)")
    if args.build_support:
        build_packaged_support(directory)
        return 0
    # What `kodetect train --mode deep` reads: its share of the pools, and the edited copies of its
    # training texts (each copy gets its own language-model pass).
    train_pool, validation_pool = deep_pools(*build_sets(directory, MIN_HANGUL))
    train_texts = [e.text for e in train_pool]
    parts = {
        "katfish": [r["text"] for g in KATFISH_GENRES for r in load_katfish(g)],
        "validation": [e.text for e in validation_pool],
        "train": train_texts + [text for _, text in edited_copies(train_texts)],
    }
    for name in args.only or PARTS:
        print(f"{name}: {len(parts[name])} texts", file=sys.stderr)
        lm_feature_matrix(parts[name], workers=args.workers)
    return 0
