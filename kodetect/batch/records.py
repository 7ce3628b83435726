"""What a batch input yields: records, and how the input can be read as a whole or in parts."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

# The type of the ids an input yields: "int" when every id is a whole number (row numbers, or an
# integer id column), "text" when they are strings, "any" when the input does not say (JSONL).
IdKind = Literal["int", "text", "any"]
# A picklable function (a functools.partial of a module-level function) that reads one part.
Part = Callable[[], Iterator["Record"]]


@dataclass(frozen=True)
class Record:
    """One input text, or the reason it could not be read (then `text` is None)."""

    id: Any
    text: str | None
    error: str | None = None


def _single(part: Part, parts: int) -> list[Part]:
    return [part]


@dataclass
class RecordSource:
    """A validated input: its records as one lazy stream, and as independent parts for parallel readers.

    `split(n)` returns at most n parts whose records, concatenated in order, are exactly `records`;
    inputs that can only be read front to back (JSONL, CSV) are a single part.
    """

    records: Iterator[Record]
    total: int | None  # None only when counting would mean reading the input twice in full
    id_kind: IdKind = "any"
    split: Callable[[int], list[Part]] = field(default=lambda n: [])

    @classmethod
    def from_parts(cls, split: Callable[[int], list[Part]], total: int | None, id_kind: IdKind) -> RecordSource:
        records = itertools.chain.from_iterable(part() for part in split(1))
        return cls(records, total, id_kind, split)

    @classmethod
    def single(cls, part: Part, total: int | None, id_kind: IdKind) -> RecordSource:
        import functools

        return cls.from_parts(functools.partial(_single, part), total, id_kind)


def contiguous_slices(count: int, parts: int) -> list[range]:
    """Split range(count) into at most `parts` contiguous, non-empty, nearly equal ranges."""
    parts = max(1, min(parts, count))
    size, extra = divmod(count, parts)
    slices, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            slices.append(range(start, end))
        start = end
    return slices
