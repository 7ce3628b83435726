"""Feedback rows (texts people marked as human or AI in the server) as the input of a profile.

A threshold needs only a score per text, so feedback works without the text (the server keeps only a
hash unless `--store-text`):

* a detection made by the same model version: its stored probability is used as it is. It was rounded
  to 4 decimals, so a human text counts at the top of its rounding interval and an AI text at the
  bottom: rounding can only make the promise more cautious, never break it;
* another model version: its probability means something else; the text is scored again when the
  server kept it, and the row is skipped (and counted) when it did not;
* the same text checked and labelled more than once counts once, with its latest label: a text counted
  twice would shrink the bound without adding evidence.

People report wrong verdicts more often than right ones, so the human side of feedback over-represents
human texts that scored high: a profile fitted on it errs towards fewer AI verdicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kodetect.profiles.build import Item

# Stored probabilities are rounded to this many decimals (Detection.ai_probability).
STORED_DECIMALS = 4
_HALF_STEP = 0.5 * 10**-STORED_DECIMALS


@dataclass
class FeedbackInput:
    """The feedback usable for a profile: one item per labelled text, and what was left out."""

    human: list[Item] = field(default_factory=list)
    ai: list[Item] = field(default_factory=list)
    skipped: dict[str, Counter[str]] = field(default_factory=lambda: {"human": Counter(), "ai": Counter()})
    rows: int = 0
    repeated: int = 0  # rows replaced by a later label of the same text


def feedback_items(rows: Iterable[Mapping[str, Any]], model_version: str) -> FeedbackInput:
    """Feedback rows (`serve.store.export_feedback`, oldest first) as items to score for a model version."""
    latest: dict[str, Mapping[str, Any]] = {}
    found = FeedbackInput()
    for row in rows:
        found.rows += 1
        if row["text_sha256"] in latest:
            found.repeated += 1
        latest[row["text_sha256"]] = row
    for row in latest.values():
        item = _item(row, model_version)
        if isinstance(item, str):
            found.skipped[row["label"]][item] += 1
        else:
            (found.human if row["label"] == "human" else found.ai).append(item)
    return found


def _item(row: Mapping[str, Any], model_version: str) -> Item | str:
    """The row as an item to score, or why it cannot be one."""
    if row["model_version"] == model_version:
        probability = row["ai_probability"]
        if probability is None:
            return "abstained"
        edge = _HALF_STEP if row["label"] == "human" else -_HALF_STEP
        return Item(row["detection_id"], row.get("text"), probability=min(1.0, max(0.0, probability + edge)))
    if row.get("text"):
        return Item(row["detection_id"], row["text"])
    return "other_model_without_text"
