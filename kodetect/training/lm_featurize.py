"""Language-model features for thousands of training and evaluation texts, cached on disk.

Scoring a text with the LM costs about a second on 2 cores, so every result is kept in a JSONL
cache keyed by the LM, its token support and the hash of the text the LM reads (the normalised text,
so an attacked copy that normalisation undoes shares its original's entry); protocols that retrain many times
then only pay for the first pass, and an interrupted pass resumes where it stopped.
`kodetect lm-features` fills the cache ahead of training (see `kodetect.cli.lm_features_cmd`).
"""

from __future__ import annotations

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
def text_key(key: str, text: str) -> str:
    """The cache key of `text` under the model key `key`."""
    return hashlib.sha256(f"{key}\0{normalize(text).text}".encode()).hexdigest()


def _load_default_lm(threads: int):
    from kodetect.lm.backend import TorchCausalLM

    return TorchCausalLM.default(threads=threads, support=load_support())


def _init_worker(threads: int) -> None:
    global _worker_lm
    _worker_lm = _load_default_lm(threads)


def _features(text: str) -> dict[str, float]:
    """The features, plus a few spare statistics so a new feature need not mean rescoring."""
    assert _worker_lm is not None
    stats = _worker_lm.text_stats(normalize(text).text).stats
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


def read_cache(path: Path) -> dict[str, dict[str, float]]:
    """Every cached entry of the file at `path`, by text key."""
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
    cache = read_cache(path)
    keys = [text_key(key, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        todo = [t for _, t in missing]
        with open(path, "a", encoding="utf-8") as out:
            for k, features in tqdm(
                zip((k for k, _ in missing), compute_features(todo, workers), strict=True),
                total=len(todo), disable=not progress, desc="language model",
            ):
                cache[k] = features
                out.write(json.dumps({"k": k, "f": features}) + "\n")
                out.flush()
    return np.array([[cache[k][name] for name in LM_FEATURES] for k in keys], dtype=np.float64).reshape(
        len(keys), len(LM_FEATURES)
    )


def compute_features(texts: list[str], workers: int = 1) -> Iterable[dict[str, float]]:
    """The features of `texts` from a fresh language-model pass (the cache is neither read nor written)."""
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    if workers <= 1:
        _init_worker(threads)
        yield from map(_features, texts)
        return
    with get_context("spawn").Pool(workers, _init_worker, (threads,)) as pool:
        yield from pool.imap(_features, texts, chunksize=4)


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
