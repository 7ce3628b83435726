"""Language-model features for thousands of training and evaluation texts, cached on disk.

Scoring a text with the LM costs about a second on 2 cores, so every result is kept in a JSONL
cache keyed by the LM, its token support and the hash of the text the LM reads (the normalised text,
so an attacked copy that normalisation undoes shares its original's entry); protocols that retrain many times
then only pay for the first pass, and an interrupted pass resumes where it stopped.

    python -m kodetect.training.lm_scores [--workers 2]   # scores KatFish and the training pool
    python -m kodetect.training.lm_scores --build-support  # rebuilds artifacts/gemma3-270m-support.npy
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kodetect.features.language_model import LM_FEATURES, lm_features
from kodetect.lm.support import load_support, support_digest
from kodetect.model.shipped import DEFAULT_LM_NAME
from kodetect.text.normalize import normalize
from kodetect.training.cache import shared_cache
from kodetect.training.featurize import default_cache_dir

# Bump when an LM feature's definition, or what normalisation hands the LM, changes. lm-2: texts
# without word spaces get them back (text/spacing.py); keyed by the normalised text from then on.
LM_FEATURE_VERSION = "lm-2"

_worker_lm = None


def model_key(lm_name: str = DEFAULT_LM_NAME, support: np.ndarray | None = None) -> str:
    return f"{LM_FEATURE_VERSION}-{lm_name}-{support_digest(support)}"


# Protocols look the same thousands of texts up dozens of times; normalising each text anew (with
# Kiwi's spacing for the few that lack spaces) cost ~6 s per lookup of the training pool.
@lru_cache(maxsize=100_000)
def _text_key(key: str, text: str) -> str:
    return hashlib.sha256(f"{key}\0{normalize(text).text}".encode()).hexdigest()


def _load_default_lm(threads: int):
    from kodetect.lm.backend import TorchCausalLM

    return TorchCausalLM.default(threads=threads, support=load_support())


def _init_worker(threads: int) -> None:
    global _worker_lm
    _worker_lm = _load_default_lm(threads)


def _score(text: str) -> dict[str, float]:
    """The features, plus a few spare statistics so a new feature need not mean rescoring."""
    assert _worker_lm is not None
    stats = _worker_lm.score(normalize(text).text).stats
    spare = {}
    if len(stats):
        spare = {
            "n_tokens": float(len(stats)),
            "top1_share": float(np.mean(stats.rank == 1)),
            "logprob_q10": float(np.quantile(stats.logprob, 0.1)),
            "logprob_q50": float(np.quantile(stats.logprob, 0.5)),
            "entropy_std": float(stats.entropy.std()),
        }
    return {**lm_features(stats), **spare}


def _read_cache(path: Path) -> dict[str, dict[str, float]]:
    return shared_cache(path, "lm", lambda entry: entry["f"]).entries()


def cache_path(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / f"lm-features-{model_key(support=load_support())}.jsonl"


def lm_feature_matrix(
    texts: Sequence[str], cache_dir: Path | None = None, workers: int = 1, progress: bool = True
) -> np.ndarray:
    """LM feature rows (columns `LM_FEATURES`) of the default deep-mode LM, one per text.

    The model is only loaded when some text is missing from the cache.
    """
    path = cache_path(cache_dir)
    key = path.stem.removeprefix("lm-features-")
    cache = _read_cache(path)
    keys = [_text_key(key, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        todo = [t for _, t in missing]
        with open(path, "a", encoding="utf-8") as out:
            for k, features in tqdm(
                zip((k for k, _ in missing), _score_all(todo, workers), strict=True),
                total=len(todo), disable=not progress, desc="language model",
            ):
                cache[k] = features
                out.write(json.dumps({"k": k, "f": features}) + "\n")
                out.flush()
    return np.array([[cache[k][name] for name in LM_FEATURES] for k in keys], dtype=np.float64).reshape(
        len(keys), len(LM_FEATURES)
    )


def _score_all(texts: list[str], workers: int) -> Iterable[dict[str, float]]:
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    if workers <= 1:
        _init_worker(threads)
        yield from map(_score, texts)
        return
    with get_context("spawn").Pool(workers, _init_worker, (threads,)) as pool:
        yield from pool.imap(_score, texts, chunksize=4)


def build_packaged_support(directory: Path) -> np.ndarray:
    """Every token of the normalised dev/ texts (human and AI; never KatFish) under the default LM."""
    from kodetect.lm.backend import TorchCausalLM
    from kodetect.lm.support import PACKAGED_SUPPORT, build_support

    def texts() -> Iterable[str]:
        for name in ("human", "ai"):
            with open(directory / "dev" / f"{name}.jsonl", encoding="utf-8") as handle:
                yield from (normalize(json.loads(line)["text"]).text for line in handle)

    support = build_support(TorchCausalLM.default(threads=1).tokenizer, texts())
    np.save(PACKAGED_SUPPORT, support)
    print(f"{PACKAGED_SUPPORT}: {len(support)} tokens, digest {support_digest(support)}", file=sys.stderr)
    return support


def main(argv: list[str] | None = None) -> int:
    from kodetect.eval.data import data_dir, load_katfish
    from kodetect.eval.protocols import KATFISH_GENRES
    from kodetect.model.shipped import MIN_HANGUL
    from kodetect.training.dataset import build_sets

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=("katfish", "validation", "train", "length"), action="append")
    parser.add_argument("--build-support", action="store_true",
                        help="rebuild the packaged token support from dev/ (changes every cache key)")
    args = parser.parse_args(argv)
    if data_dir() is None:
        print("../shared/data not found (set KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    if args.build_support:
        build_packaged_support(data_dir())
        return 0
    train_pool, validation_pool = build_sets(data_dir(), MIN_HANGUL)
    _, length_pool = build_sets(data_dir(), 10)  # the model card's length curve includes short texts
    parts = {
        "katfish": [r["text"] for g in KATFISH_GENRES for r in load_katfish(g)],
        "validation": [e.text for e in validation_pool],
        "train": [e.text for e in train_pool],
        "length": [e.text for e in length_pool],
    }
    for name in args.only or parts:
        print(f"{name}: {len(parts[name])} texts", file=sys.stderr)
        lm_feature_matrix(parts[name], workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
