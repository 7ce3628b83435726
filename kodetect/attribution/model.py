"""The attribution artifact: a linear family classifier over hashed n-gram views, stored without pickles.

`<path>.npz` holds plain arrays (per view: idf as float16, the coefficients as int8 with one scale per
family); `<path>.json` is the model card (families, temperature, the "unknown" cut, how it was
trained and measured). Scores are one-vs-rest margins; `softmax(temperature x margins)` turns them
into probabilities, with the temperature fitted on held-out prompts (see kodetect/training/attribution/train.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kodetect.attribution.features import VIEWS, WIDTH, tfidf_row, view_buckets, view_strings
from kodetect.attribution.names import UNKNOWN
from kodetect.detection import Attribution
from kodetect.errors import ModelError
from kodetect.model.artifact import read_parts
from kodetect.text.segment import Sentence

ARTIFACT_FORMAT = 1


@dataclass(frozen=True)
class ViewHead:
    idf: np.ndarray  # (WIDTH,)
    coef: np.ndarray  # (WIDTH, n_families), float32


@dataclass
class AttributionModel:
    families: list[str]
    heads: dict[str, ViewHead]
    intercept: np.ndarray  # (n_families,)
    temperature: float
    cut: float
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.card.get("version", ""))

    def margins(self, strings: dict[str, str]) -> np.ndarray:
        """The one-vs-rest margin of every family for one text's view strings."""
        out = self.intercept.astype(np.float64).copy()
        for view, head in self.heads.items():
            index, weights = tfidf_row(view_buckets(view, strings), head.idf)
            out += weights @ head.coef[index]
        return out

    def probabilities(self, strings: dict[str, str]) -> np.ndarray:
        z = self.temperature * self.margins(strings)
        z = np.exp(z - z.max())
        return z / z.sum()

    def attribute_strings(self, strings: dict[str, str]) -> Attribution:
        p = self.probabilities(strings)
        order = np.argsort(-p, kind="stable")
        family = self.families[order[0]] if p[order[0]] >= self.cut else UNKNOWN
        return Attribution(family, {self.families[i]: round(float(p[i]), 4) for i in order})

    def attribute(self, original: str, sentences: Sequence[Sentence]) -> Attribution:
        """The most likely family of a text (or "unknown" below the cut), from its analysed sentences."""
        return self.attribute_strings(view_strings(original, sentences))

    # --- storage ---------------------------------------------------------------------------------

    def save(self, path: Path) -> dict[str, Any]:
        """Write `<path>.npz` and `<path>.json`; returns the card written.

        Coefficients are stored as int8 with one scale per (view, family): the classifier's
        top-1 answers are unchanged by it on the training texts (checked in train.py), and the
        file is a quarter of float32's size.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"intercept": self.intercept.astype(np.float32)}
        for view, head in self.heads.items():
            scale = np.abs(head.coef).max(axis=0) / 127.0
            scale[scale == 0] = 1.0
            arrays[f"{view}_idf"] = head.idf.astype(np.float16)
            arrays[f"{view}_coef"] = np.round(head.coef / scale).astype(np.int8)
            arrays[f"{view}_scale"] = scale.astype(np.float32)
        np.savez_compressed(path.with_suffix(".npz"), **arrays)
        card = dict(self.card)
        card.update({"format": ARTIFACT_FORMAT, "families": self.families, "views": list(self.heads),
                     "width": WIDTH, "temperature": self.temperature, "cut": self.cut})
        path.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return card

    @classmethod
    def load(cls, path: Path) -> AttributionModel:
        path = Path(path)
        card, data = read_parts(path, "attribution model", ARTIFACT_FORMAT)
        try:
            return cls._from_parts(path, card, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"attribution model {path} is incomplete or inconsistent: {exc!r}") from exc

    @classmethod
    def _from_parts(cls, path: Path, card: dict[str, Any], data: dict[str, np.ndarray]) -> AttributionModel:
        unknown = set(card["views"]) - set(VIEWS)
        if unknown or card["width"] != WIDTH:
            raise ModelError(f"attribution model {path} needs views or a hash width this version lacks")
        families = list(card["families"])
        heads = {}
        for view in card["views"]:
            coef = data[f"{view}_coef"].astype(np.float32) * data[f"{view}_scale"]
            if coef.shape != (WIDTH, len(families)):
                raise ValueError(f"{view} coefficients have shape {coef.shape}")
            heads[view] = ViewHead(data[f"{view}_idf"].astype(np.float32), coef)
        return cls(families, heads, data["intercept"].astype(np.float64), float(card["temperature"]),
                   float(card["cut"]), card)
