"""The token support deep mode restricts the language model's next-token distribution to.

Gemma 3's vocabulary has 262,144 entries, most of them words of other scripts that Korean text
never uses. The support is every token that occurs when the dev corpus (never KatFish) is
tokenised: on KatFish texts it holds 99.85-99.9% of the model's probability mass and every observed
token, and it makes the output projection and the per-token statistics about ten times cheaper.
It is a fixed artifact, built once, so training and detection always see the same distribution.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

PACKAGED_SUPPORT = Path(__file__).resolve().parent.parent / "artifacts" / "gemma3-270m-support.npy"


def build_support(tokenizer, texts: Iterable[str], batch_size: int = 2048) -> np.ndarray:
    """Sorted ids of every token the tokenizer produces on `texts`, plus its special tokens."""
    seen: set[int] = set(tokenizer.all_special_ids)
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
                seen.update(ids)
            batch = []
    if batch:
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            seen.update(ids)
    return np.array(sorted(seen), dtype=np.int32)


def support_digest(support: np.ndarray | None) -> str:
    if support is None:
        return "full"
    return hashlib.sha256(np.ascontiguousarray(support, dtype=np.int32).tobytes()).hexdigest()[:12]


def load_support(path: Path = PACKAGED_SUPPORT) -> np.ndarray:
    return np.load(path).astype(np.int64)
