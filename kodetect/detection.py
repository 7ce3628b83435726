"""Typed results of a detection: the contract shared by the library, the CLI and the server.

Offsets (`start`, `end`) always index the text the user gave, never the normalised copy. A field's
`description` metadata documents it wherever it is shown: the server's response schemas are built
from these classes (`kodetect.serve.schemas`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["ai", "human", "uncertain", "insufficient", "unsupported-language"]
VERDICTS: tuple[str, ...] = ("ai", "human", "uncertain", "insufficient", "unsupported-language")
Direction = Literal["ai", "human", "neutral"]


def described(description: str, **options: Any) -> Any:
    """A dataclass field documented for readers of the API schema."""
    return field(metadata={"description": description}, **options)


DETECTION_FIELDS: tuple[str, ...] = (
    "ai_probability",
    "verdict",
    "mode",
    "threshold_mode",
    "sentences",
    "evidence",
    "normalization",
    "model",
    "profile",
    "attribution",
)


@dataclass(frozen=True)
class SentenceScore:
    start: int = described("Offset (Unicode code points) of the sentence in the submitted or extracted text.")
    end: int = described("End offset, exclusive.")
    text: str
    ai_probability: float | None = described(
        "Probability that the sentence is AI-written, scored with one neighbour each side and calibrated on "
        "sentences of mixed documents; null when the sentence is too short to judge or the verdict abstains.")


@dataclass(frozen=True)
class Evidence:
    """One named signal: its value on this text, which way it pushes, and how strongly.

    `contribution` is the signal's additive share of the classifier's log-odds for this text
    relative to an average training text; `direction` is its sign in words. `explanation` says in
    plain Korean and English what was counted or found in this text, `quotes` what a reader can look
    for in it; the numbers stay for machines.
    """

    name: str
    value: float = described("The signal's value on this text.")
    direction: Direction = described("Which way the signal pushes the verdict.")
    contribution: float = described("Additive share of the log-odds relative to an average training text.")
    description: str = described("What the signal measures, in English (the model card has it in Korean too).")
    explanation: dict[str, str] = described(
        "What was observed in this text, as a sentence per language: 'ko' (Korean) and 'en' (English).",
        default_factory=dict)
    quotes: list[str] = described("Short quotes from the text that the explanation points at.", default_factory=list)
    reference: dict[str, float] = described(
        "Median of this signal on the validation texts, 'human' and 'ai' (empty when the model has none).",
        default_factory=dict)


@dataclass(frozen=True)
class NormalizationReport:
    """What the normaliser undid before analysis, with counts.

    `tampering` lists edits that are typical of attempts to evade detection (invisible characters,
    look-alike letters, decomposed Hangul, full-width forms); `formatting` lists layout that was set
    aside so it cannot decide the verdict on its own (markdown markers, emoji).
    """

    tampering: dict[str, int] = described("Edits typical of evasion that were undone, with counts.",
                                          default_factory=dict)
    formatting: dict[str, int] = described("Layout set aside before analysis (markdown, emoji).",
                                           default_factory=dict)

    @property
    def tampered(self) -> bool:
        return any(self.tampering.values())


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str


@dataclass(frozen=True)
class ProfileInfo:
    """The deployment's own thresholds that gave the verdict (`kodetect profile create`): fitted on
    `human_texts` texts known to be human, so that at most `fpr_bound` of such texts are called AI, with
    95% confidence (Clopper-Pearson). `fpr_bound` above `target_fpr` means the texts were too few to
    promise the target."""

    name: str
    description: str | None = described("What the human texts were, in the owner's words.")
    human_texts: int = described("How many known-human texts the thresholds were fitted on.")
    target_fpr: float = described("The false-positive rate the owner asked for.")
    fpr_bound: float = described("95% upper bound on the rate at which such human texts are called AI.")


@dataclass(frozen=True)
class Attribution:
    """Which model family the text reads most like: a resemblance, never proof of who wrote it.

    `family` is a family key (kodetect.eval.generator_families), or "unknown" when no family is
    likely enough; `probabilities` gives every family the classifier knows, most likely first.
    """

    family: str = described("The most similar family's key, or \"unknown\" when none is likely enough: a "
                            "resemblance in style, not proof of which model wrote the text.")
    probabilities: dict[str, float] = described("Every family the classifier knows, most likely first.")


@dataclass(frozen=True)
class Detection:
    ai_probability: float | None = described("Calibrated probability of AI authorship; null on abstention.")
    verdict: Verdict
    mode: str
    threshold_mode: str
    sentences: list[SentenceScore]
    evidence: list[Evidence]
    normalization: NormalizationReport
    model: ModelInfo
    profile: ProfileInfo | None = described("The profile whose thresholds decided the verdict; null without one.",
                                            default=None)
    attribution: Attribution | None = described(
        "Which model family the text reads most like (a resemblance, not proof); only for ai and uncertain "
        "verdicts, null otherwise.", default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with exactly the `Detection` fields, in contract order."""
        raw = asdict(self)
        return {name: raw[name] for name in DETECTION_FIELDS}
