"""Edited copies of training texts, so the model cannot rely on what an editor changes freely.

The speech level of sentence endings (-다 / -요 / -습니다) separates the training sources, but one
find-and-replace pass changes it without changing who wrote the text: trained on clean texts only,
the fast mode lost 7.8 AUROC points to the `ending-switch` attack. Adding, for half of the training
texts, a copy whose endings were moved to another speech level (same label) teaches the model that
the speech level alone says little.

Copies share a group with their original, so out-of-fold stacking never scores a text with an
n-gram head that saw its twin. Which texts get a copy depends on the text alone, so the shipped model
and the benchmark's retrained recipes edit the same texts the same way, and one language-model pass per
copy (cached) serves them all.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from kodetect.eval.attacks import ending_switch
from kodetect.training.dataset import Example

AUGMENT_SHARE = 0.5
AUGMENT_EDITS = {"ending-switch": ending_switch}


def edited_copies(texts: Sequence[str], seed: int = 0) -> list[tuple[int, str]]:
    """(index of the original, edited text) for about AUGMENT_SHARE of `texts`.

    Whether and how a text is edited depends on the text alone, so its copy is the same however the
    list is ordered. Copies identical to their original (nothing to edit) are left out.
    """
    out = []
    for index, text in enumerate(texts):
        for name in AUGMENT_EDITS:
            edited = _edited(text, name, seed)
            if edited is not None:
                out.append((index, edited))
    return out


# Retraining protocols fit dozens of times on overlapping texts; each edit costs a morphological analysis.
@lru_cache(maxsize=50_000)
def _edited(text: str, name: str, seed: int) -> str | None:
    rng = random.Random(f"{seed}:{name}:{text}")
    if rng.random() >= AUGMENT_SHARE:
        return None
    edited = AUGMENT_EDITS[name](text, rng)
    return edited if edited != text else None


def augment_examples(examples: Sequence[Example], seed: int = 0) -> list[Example]:
    """The examples followed by their edited copies (ids suffixed with `~edited`)."""
    texts = [e.text for e in examples]
    copies = edited_copies(texts, seed)
    return [*examples, *(replace(examples[i], id=f"{examples[i].id}~edited", text=text) for i, text in copies)]


def augment_texts(
    texts: Sequence[str], labels: np.ndarray, seed: int = 0, copy_labels: Collection[int] = (0, 1)
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts and labels with the edited copies appended, and each row's group (its original's index).
    `copy_labels`: whose texts get copies (the recipes copy both sides; experiments read one side's worth)."""
    labels = np.asarray(labels)
    copies = [(i, text) for i, text in edited_copies(texts, seed) if labels[i] in copy_labels]
    all_texts = [*texts, *(text for _, text in copies)]
    all_labels = np.concatenate([labels, labels[[i for i, _ in copies]]]).astype(labels.dtype)
    groups = np.concatenate([np.arange(len(texts)), np.array([i for i, _ in copies], dtype=int)])
    return all_texts, all_labels, groups


def copy_weights(n_rows: int, n_originals: int, copy_weight: float) -> np.ndarray:
    """Row weights for texts followed by their edited copies: 1 for an original, `copy_weight` for a copy."""
    weights = np.ones(n_rows)
    weights[n_originals:] = copy_weight
    return weights


def original_id(example_id: str) -> str:
    return example_id.removesuffix("~edited")
