"""Feature extraction for thousands of training texts: parallel, and cached on disk by text hash."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kodetect.features.ngrams import VIEW_STRING, VIEWS
from kodetect.features.vector import core_features, ngram_views, prepare
from kodetect.training.cache import shared_cache

# Bump when a feature's definition, or the normalisation before it, changes, so stale cache entries are
# not reused. core-4: texts without word spaces get them back (text/spacing.py); core-5: stray jamo
# from Kiwi's spacing no longer cost a piece its spaces; core-6: code blocks and foreign-language lines are set
# aside (text/code.py).
FEATURE_VERSION = "core-6"


def default_cache_dir() -> Path:
    return Path(os.environ.get("KODETECT_CACHE_DIR", Path.home() / ".cache" / "kodetect"))


def _key(text: str) -> str:
    return hashlib.sha256(f"{FEATURE_VERSION}\0{text}".encode()).hexdigest()


def _extract(text: str) -> tuple[dict[str, float], dict[str, str]]:
    prepared = prepare(text)
    return core_features(prepared.analysis), ngram_views(prepared.analysis.sentences)


def featurize(
    texts: Sequence[str], cache_dir: Path | None = None, n_jobs: int | None = None, progress: bool = True
) -> tuple[np.ndarray, list[str], dict[str, list[str]]]:
    """Stylometric feature matrix, feature names, and each n-gram view's strings, one per text."""
    cache_dir = cache_dir or default_cache_dir()
    cache_file = cache_dir / f"features-{FEATURE_VERSION}.jsonl"
    cache = shared_cache(cache_file, "features", lambda entry: (entry["f"], entry["v"])).entries()
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    if missing:
        cache_dir.mkdir(parents=True, exist_ok=True)
        n_jobs = n_jobs or os.cpu_count() or 1
        with open(cache_file, "a", encoding="utf-8") as out, ProcessPoolExecutor(n_jobs) as pool:
            todo = [t for _, t in missing]
            # Worker start-up (loading Kiwi) costs seconds; not worth it for one worker or a few texts.
            serial = n_jobs == 1 or len(todo) < 64
            results = map(_extract, todo) if serial else pool.map(_extract, todo, chunksize=32)
            for (k, _), (features, views) in tqdm(
                zip(missing, results, strict=True), total=len(missing), disable=not progress, desc="features"
            ):
                stored = {name: views[name] for name in sorted(set(VIEW_STRING.values()))}
                cache[k] = (features, stored)
                out.write(json.dumps({"k": k, "f": features, "v": stored}, ensure_ascii=False) + "\n")
    names = list(cache[keys[0]][0]) if keys else []
    matrix = np.array([[cache[k][0][n] for n in names] for k in keys], dtype=np.float64)
    return matrix, names, {view: [cache[k][1][VIEW_STRING[view]] for k in keys] for view in VIEWS}
