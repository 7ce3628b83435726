"""Typed results of a detection: the contract shared by the library, the CLI and the server.

Offsets (`start`, `end`) always index the text the user gave, never the normalised copy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["ai", "human", "uncertain", "insufficient", "unsupported-language"]
VERDICTS: tuple[str, ...] = ("ai", "human", "uncertain", "insufficient", "unsupported-language")
Direction = Literal["ai", "human", "neutral"]

DETECTION_FIELDS: tuple[str, ...] = (
    "ai_probability",
    "verdict",
    "mode",
    "threshold_mode",
    "sentences",
    "evidence",
    "normalization",
    "model",
    "attribution",
)


@dataclass(frozen=True)
class SentenceScore:
    start: int
    end: int
    text: str
    ai_probability: float | None


@dataclass(frozen=True)
class Evidence:
    """One named signal: its value on this text, which way it pushes, and how strongly.

    `contribution` is the signal's additive share of the classifier's log-odds for this text
    relative to an average training text; `direction` is its sign in words.
    """

    name: str
    value: float
    direction: Direction
    contribution: float
    description: str


@dataclass(frozen=True)
class NormalizationReport:
    """What the normaliser undid before analysis, with counts.

    `tampering` lists edits that are typical of attempts to evade detection (invisible characters,
    look-alike letters, decomposed Hangul, full-width forms); `formatting` lists layout that was set
    aside so it cannot decide the verdict on its own (markdown markers, emoji).
    """

    tampering: dict[str, int] = field(default_factory=dict)
    formatting: dict[str, int] = field(default_factory=dict)

    @property
    def tampered(self) -> bool:
        return any(self.tampering.values())


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str


@dataclass(frozen=True)
class Attribution:
    """Which model family the text reads most like: a resemblance, never proof of who wrote it.

    `family` is a family key (kodetect.eval.generator_families), or "unknown" when no family is
    likely enough; `probabilities` gives every family the classifier knows, most likely first.
    """

    family: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Detection:
    ai_probability: float | None
    verdict: Verdict
    mode: str
    threshold_mode: str
    sentences: list[SentenceScore]
    evidence: list[Evidence]
    normalization: NormalizationReport
    model: ModelInfo
    # Only for `ai` and `uncertain` verdicts; None otherwise (kodetect/attribution/).
    attribution: Attribution | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with exactly the `Detection` fields, in contract order."""
        raw = asdict(self)
        return {name: raw[name] for name in DETECTION_FIELDS}
