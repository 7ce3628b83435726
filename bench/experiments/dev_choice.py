"""Measure a variant of the deep recipe on dev/ data only, for choices made before any KatFish test.

Shared by the choice scripts beside it (copy_weight.py, zero_shot_anchor.py, core_shrink.py), whose
results are in bench/results/. The recipe is trained on the dev/ part of the shipped training pool (no
KatFish text anywhere) and measured on:

- the dev/ validation texts, clean, and with the validation texts that have an ending-switched copy
  replaced by it (the copies the training recipe would make of them; their LM features are cached);
- how far that edit moves each edited text's score, in standard deviations of the clean scores;
- leave one dev genre out (`bench.report.cross_genre.leave_one_genre_out` on dev/ genres only): the
  transfer to a genre the model never saw, which is what KatFish's unseen genres ask of it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report.cross_genre import leave_one_genre_out  # noqa: E402
from kodetect.eval.data import data_dir  # noqa: E402
from kodetect.eval.metrics import auroc, tpr_at_fpr  # noqa: E402
from kodetect.model.shipped import MIN_HANGUL  # noqa: E402
from kodetect.training.augment import edited_copies  # noqa: E402
from kodetect.training.dataset import Example, build_sets  # noqa: E402


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


def command_line(doc: str, default_weights: str) -> argparse.Namespace:
    """The options every choice script takes: the weights to try and where to write the table."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default=default_weights)
    parser.add_argument("--out", type=Path)
    return parser.parse_args()


def dev_sets() -> DevSets | None:
    """The dev/ sets, or None (saying why on stderr) where the shared data is missing."""
    data = data_dir()
    if data is None:
        print("needs ../shared/data (or KODETECT_DATA_DIR)", file=sys.stderr)
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


def sweep(recipe_for: Callable[[float], Callable], weights: str, sets: DevSets, what: str) -> list[dict]:
    """`measure` of `recipe_for(w)` for each comma-separated weight w (callers hold memoized features)."""
    rows = []
    for weight in (float(w) for w in weights.split(",")):
        rows.append({"weight": weight, **measure(recipe_for(weight), sets)})
        print(f"{what} {weight}: done", file=sys.stderr)
    return rows


def preamble(script: str, started: float, sets: DevSets, shipped: str) -> str:
    """The report's first paragraph: when and how it was made, and on which texts."""
    return (
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC} by "
        f"`python bench/experiments/{script} {' '.join(sys.argv[1:])}` in "
        f"{(time.perf_counter() - started) / 60:.1f} min. Training: the dev/ part of the shipped training pool "
        f"({len(sets.train)} texts, plus their copies); validation: the dev/ validation texts ({len(sets.validation)}, "
        f"{len(sets.copies)} of them with an ending-switched copy). No KatFish text is used. {shipped}"
    )


def publish(lines: Sequence[str], out: Path | None) -> None:
    report = "\n".join(lines) + "\n"
    print(report)
    if out:
        out.write_text(report, encoding="utf-8")


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


def choice_main(doc: str, script: str, default_weights: str, recipe_for: Callable[[float], Callable], what: str,
                label: str, shipped: str, reference: float = 1.0,
                extra: Callable[[DevSets], list[str]] | None = None) -> int:
    """A choice script's whole run: sweep `recipe_for(w)` over `--weights` on dev/ data and publish the table
    (shifts relative to the row at `reference`), then `extra(sets)`'s lines, measured in the same feature memo."""
    from bench.report.context import memoized_features

    args = command_line(doc, default_weights)
    sets = dev_sets()
    if sets is None:
        return 2
    started = time.perf_counter()
    with memoized_features(warm=sets.warm):
        rows = sweep(recipe_for, args.weights, sets, what)
        more = extra(sets) if extra else []
    base = next((r for r in rows if r["weight"] == reference), rows[0])
    publish([preamble(script, started, sets, shipped), "", *table(label, rows, "weight", base), "", *more,
             GENRE_NOTE], args.out)
    return 0
