"""Measure a variant of the deep recipe on dev/ data only, for choices made before any KatFish test.

Shared by `bench/copy_weight.py` and `bench/zero_shot_anchor.py`. The recipe is trained on the dev/ part
of the shipped training pool (no KatFish text anywhere) and measured on:

- the dev/ validation texts, clean, and with the validation texts that have an ending-switched copy
  replaced by it (the copies the training recipe would make of them; their LM features are cached);
- how far that edit moves each edited text's score, in standard deviations of the clean scores;
- leave one dev genre out (`bench.report.cross_genre.leave_one_genre_out` on dev/ genres only): the
  transfer to a genre the model never saw, which is what KatFish's unseen genres ask of it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report.cross_genre import leave_one_genre_out  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.metrics import auroc, tpr_at_fpr  # noqa: E402
from kodetect.training.augment import edited_copies  # noqa: E402
from kodetect.training.dataset import Example, build_sets  # noqa: E402
from kodetect.training.train import MIN_HANGUL  # noqa: E402


@dataclass(frozen=True)
class DevSets:
    train: list[Example]
    validation: list[Example]
    texts: list[str]  # the validation texts
    labels: np.ndarray
    copies: dict[int, str]  # validation index -> its ending-switched copy
    attacked: list[str]  # the validation texts, each with a copy replaced by it

    @property
    def warm(self) -> list[str]:
        return [e.text for e in self.train] + self.texts + list(self.copies.values())


def dev_sets() -> DevSets | None:
    data = data_dir()
    if data is None:
        return None
    train, validation = build_sets(data, MIN_HANGUL)
    dev_train = [e for e in train if not e.group.startswith("katfish")]
    dev_validation = [e for e in validation if not e.group.startswith("katfish")]
    texts = [e.text for e in dev_validation]
    copies = dict(edited_copies(texts))
    return DevSets(dev_train, dev_validation, texts, np.array([e.label for e in dev_validation]), copies,
                   [copies.get(i, text) for i, text in enumerate(texts)])


def measure(recipe: Callable, sets: DevSets) -> dict:
    """Validation AUROC and TPR@1%FPR, clean and ending-switched, the score shift, and leave-one-genre-out."""
    score = recipe([e.text for e in sets.train], np.array([e.label for e in sets.train]))
    clean, switched = score(sets.texts), score(sets.attacked)
    edited = np.array(sorted(sets.copies))
    held_out = leave_one_genre_out(recipe, sets.train, sets.validation, {})
    return {
        "auroc": auroc(sets.labels, clean),
        "tpr": tpr_at_fpr(sets.labels, clean, 0.01),
        "auroc_switched": auroc(sets.labels, switched),
        "shift": float(np.mean(np.abs(switched[edited] - clean[edited])) / np.std(clean)),
        "genres": {r.genre: r.auroc for r in held_out},
    }


def table(label: str, rows: Sequence[dict], key: str, reference: dict) -> list[str]:
    """Markdown rows, one per measured variant (`key` names it); shifts relative to `reference`'s."""
    genres = list(rows[0]["genres"])
    lines = [
        f"| {label} | val AUROC | val TPR@1%FPR | val AUROC, ending-switched | score shift (std) "
        f"| shift vs {reference[key]:g} | {' | '.join(genres)} | leave-one-genre-out mean |",
        "|---" * (7 + len(genres)) + "|",
    ]
    for r in rows:
        per_genre = [100 * r["genres"][g] for g in genres]
        relative_shift = r["shift"] / reference["shift"]
        lines.append(
            f"| {r[key]:g} | {100 * r['auroc']:.2f} | {100 * r['tpr']:.1f} | {100 * r['auroc_switched']:.2f} "
            f"| {r['shift']:.3f} | {relative_shift:.2f}x | {' | '.join(f'{v:.2f}' for v in per_genre)} "
            f"| {np.mean(per_genre):.2f} |")
    return lines


GENRE_NOTE = ("Leave one genre out: trained without the genre, tested on its texts (completed with the other "
              "side's validation texts of other genres where dev/ has only one side), AUROC ×100.")
