"""The trained artifact: hashed n-gram heads, a fusion head over all features, and calibration.

Everything is stored as plain arrays (`.npz`) plus a JSON model card, not as a pickle: loading a
model can never run code, and the file does not depend on the scikit-learn version that trained it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kodetect.calibration.platt import PlattCalibration
from kodetect.calibration.sentences import SentenceCalibration
from kodetect.calibration.thresholds import ThresholdMode
from kodetect.errors import ModelError
from kodetect.features.genre import GENRE_VIEW, GenreReference, GenreSpace
from kodetect.features.ngrams import N_BUCKETS, VIEWS, tfidf_vector, view_buckets

ARTIFACT_FORMAT = 2


def head_feature(view: str) -> str:
    """Name of the fusion feature that carries an n-gram head's logit."""
    return f"{view}_logit"


def read_parts(path: Path, what: str, expected_format: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON card and the arrays of an artifact saved as `<path>.json` + `<path>.npz`, with a clear
    `ModelError` when either is missing, unreadable or of another format."""
    npz, card_path = path.with_suffix(".npz"), path.with_suffix(".json")
    if not npz.exists() or not card_path.exists():
        raise ModelError(f"{what} not found: {npz} and {card_path} are both needed")
    try:
        card = json.loads(card_path.read_text("utf-8"))
        with np.load(npz) as arrays:
            data = {k: arrays[k] for k in arrays.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{what} {path} is unreadable: {exc}") from exc
    if card.get("format") != expected_format:
        raise ModelError(f"{what} {path} has format {card.get('format')}, expected {expected_format}")
    return card, data


@dataclass(frozen=True)
class NgramHead:
    """Logistic regression over the TF-IDF weighted hashed n-grams of one view."""

    idf: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, buckets: np.ndarray) -> float:
        index, weights = tfidf_vector(buckets, self.idf)
        return float(weights @ self.coef[index]) + self.intercept


@dataclass(frozen=True)
class FusionHead:
    """Logistic regression over standardised named features; its terms are the evidence we report."""

    names: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    # Each column's training range (kodetect.training.fit.FUSION_CLIP_QUANTILE); None for heads fitted
    # before it existed, which use values as they come.
    low: np.ndarray | None = None
    high: np.ndarray | None = None

    def standardize(self, matrix: np.ndarray) -> np.ndarray:
        matrix = np.asarray(matrix, dtype=float)
        if self.low is not None and self.high is not None:
            matrix = np.clip(matrix, self.low, self.high)
        return (matrix - self.mean) / self.scale

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        return self.standardize(matrix) @ self.coef + self.intercept

    def contributions(self, row: np.ndarray) -> np.ndarray:
        """Each feature's additive share of the log-odds, relative to the average training text."""
        return self.standardize(row.reshape(1, -1))[0] * self.coef


@dataclass(frozen=True)
class Reference:
    """Calibrated probabilities of the training sources' texts, each scored by a model trained without
    its source (`kodetect.eval.protocols.out_of_source`): where people's and AI texts from a source the
    model has not seen fall. The thresholds were chosen on them; a reader compares a score with them
    ("higher than 97% of people's texts"), and profiles and recalibration start from them.
    Arrays only: no text is kept."""

    probability: np.ndarray  # float, one per text
    label: np.ndarray  # 0 human, 1 AI
    group: np.ndarray  # index into `groups`
    groups: tuple[str, ...]

    def share_below(self, probability: float, label: int) -> float:
        """The share of texts of one side (0 human, 1 AI) scoring below `probability`."""
        side = self.probability[self.label == label]
        return float(np.mean(side < probability)) if len(side) else float("nan")

    def source_names(self) -> np.ndarray:
        return np.asarray(self.groups, dtype=object)[self.group]


@dataclass
class ModelArtifact:
    """A trained model of either mode, as saved and loaded: fast and deep artifacts differ only in their
    fusion features and in naming a language model (`language_model`, `lm_support`)."""

    name: str
    version: str
    ngram_heads: dict[str, NgramHead]
    fusion: FusionHead
    calibration: PlattCalibration
    thresholds: dict[str, ThresholdMode]
    min_hangul: int
    min_korean_share: float
    card: dict[str, Any] = field(default_factory=dict)
    # Deep mode: which language model feeds the `lm_*` features, and the token support it is
    # restricted to (see kodetect.lm.support). Fast models have neither.
    language_model: dict[str, Any] | None = None
    lm_support: np.ndarray | None = None
    # Out-of-source scores of the training texts (None for artifacts trained before they were kept).
    reference: Reference | None = None
    # Sentence scores' own calibration (None: sentences use the document's Platt map, as before it existed).
    sentence_calibration: SentenceCalibration | None = None
    # The human texts the heads' logits are read against (None: models that do not read them so).
    genre: GenreReference | None = None

    def ngram_logits(self, views: dict[str, str]) -> dict[str, float]:
        return {view: head.logit(view_buckets(view, views[view])) for view, head in self.ngram_heads.items()}

    def genre_means(self, views: dict[str, str]) -> dict[str, float]:
        """For each column the genre reference carries, its mean over the human training texts nearest in genre
        to the text whose n-gram views these are (empty for models without a genre reference)."""
        if self.genre is None:
            return {}
        vector = self.genre.space.embed_buckets(view_buckets(GENRE_VIEW, views[GENRE_VIEW]))
        means = self.genre.means(vector[None, :])[0]
        return {column: float(mean) for column, mean in zip(self.genre.columns, means, strict=True)}

    def save(self, path: Path) -> None:
        """Write `<path>.npz` (arrays) and `<path>.json` (model card, thresholds, feature names)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        heads = {}
        for view, head in self.ngram_heads.items():
            heads[f"{view}_idf"] = head.idf.astype(np.float32)
            heads[f"{view}_coef"] = head.coef.astype(np.float32)
        np.savez_compressed(
            path.with_suffix(".npz"),
            **heads,
            fusion_mean=self.fusion.mean,
            fusion_scale=self.fusion.scale,
            fusion_coef=self.fusion.coef,
            **({} if self.fusion.low is None else {"fusion_low": self.fusion.low, "fusion_high": self.fusion.high}),
            **({} if self.lm_support is None else {"lm_support": self.lm_support.astype(np.int32)}),
            **({} if self.reference is None else {
                "reference_probability": self.reference.probability.astype(np.float32),
                "reference_label": self.reference.label.astype(np.int8),
                "reference_group": self.reference.group.astype(np.int16),
            }),
            **({} if self.genre is None else {
                "genre_buckets": self.genre.space.buckets.astype(np.int32),
                "genre_idf": self.genre.space.idf.astype(np.float32),
                "genre_components": self.genre.space.components.astype(np.float16),
                "genre_vectors": self.genre.vectors.astype(np.float32),
                "genre_values": self.genre.values.astype(np.float32),
            }),
        )
        card = dict(self.card)
        card.update(
            {
                "format": ARTIFACT_FORMAT,
                "name": self.name,
                "version": self.version,
                "ngram_heads": {view: {"intercept": h.intercept} for view, h in self.ngram_heads.items()},
                "feature_names": self.fusion.names,
                "fusion_intercept": self.fusion.intercept,
                "calibration": {"slope": self.calibration.slope, "intercept": self.calibration.intercept},
                "thresholds": {k: v.to_dict() for k, v in self.thresholds.items()},
                "min_hangul": self.min_hangul,
                "min_korean_share": self.min_korean_share,
            }
        )
        if self.language_model is not None:
            card["language_model"] = self.language_model
        if self.reference is not None:
            card["reference_groups"] = list(self.reference.groups)
        if self.sentence_calibration is not None:
            card["sentence_calibration"] = self.sentence_calibration.to_dict()
        else:
            card.pop("sentence_calibration", None)
        if self.genre is not None:
            card["genre_reference"] = {
                "columns": list(self.genre.columns),
                "neighbours": self.genre.neighbours,
                "dimensions": self.genre.space.dimensions,
                "buckets": len(self.genre.space.buckets),
                "references": len(self.genre.vectors),
                "what": "the human training texts each text is read against: every n-gram head's logit minus its "
                        "mean over the nearest of them in a character n-gram genre space (kodetect.features.genre)",
            }
        else:
            card.pop("genre_reference", None)
        path.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> ModelArtifact:
        path = Path(path)
        card, data = read_parts(path, "model artifact", ARTIFACT_FORMAT)
        try:
            return cls._from_parts(path, card, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model artifact {path} is incomplete or inconsistent: {exc!r}") from exc

    @classmethod
    def _from_parts(cls, path: Path, card: dict[str, Any], data: dict[str, np.ndarray]) -> ModelArtifact:
        unknown = set(card["ngram_heads"]) - set(VIEWS)
        if unknown:
            raise ModelError(f"model artifact {path} needs n-gram views this version lacks: {sorted(unknown)}")
        if any(data[f"{view}_idf"].shape != (N_BUCKETS,) for view in card["ngram_heads"]):
            raise ModelError(f"model artifact {path} was built for another n-gram hash width")
        return cls(
            name=card["name"],
            version=card["version"],
            ngram_heads={
                view: NgramHead(data[f"{view}_idf"], data[f"{view}_coef"], float(spec["intercept"]))
                for view, spec in card["ngram_heads"].items()
            },
            fusion=FusionHead(
                list(card["feature_names"]),
                data["fusion_mean"],
                data["fusion_scale"],
                data["fusion_coef"],
                float(card["fusion_intercept"]),
                data["fusion_low"] if "fusion_low" in data else None,
                data["fusion_high"] if "fusion_high" in data else None,
            ),
            calibration=PlattCalibration(**card["calibration"]),
            thresholds={k: ThresholdMode(**v) for k, v in card["thresholds"].items()},
            min_hangul=int(card["min_hangul"]),
            min_korean_share=float(card["min_korean_share"]),
            card=card,
            language_model=card.get("language_model"),
            lm_support=data["lm_support"].astype(np.int64) if "lm_support" in data else None,
            reference=_reference(card, data),
            sentence_calibration=(SentenceCalibration.from_dict(card["sentence_calibration"])
                                  if "sentence_calibration" in card else None),
            genre=_genre(card, data),
        )


def _genre(card: dict[str, Any], data: dict[str, np.ndarray]) -> GenreReference | None:
    if "genre_reference" not in card:
        return None
    spec = card["genre_reference"]
    space = GenreSpace(data["genre_buckets"].astype(np.int64), data["genre_idf"], data["genre_components"])
    return GenreReference(space, data["genre_vectors"], data["genre_values"], tuple(spec["columns"]),
                          int(spec["neighbours"]))


def _reference(card: dict[str, Any], data: dict[str, np.ndarray]) -> Reference | None:
    if "reference_probability" not in data:
        return None
    return Reference(data["reference_probability"].astype(np.float64), data["reference_label"].astype(np.int64),
                     data["reference_group"].astype(np.int64), tuple(card["reference_groups"]))
