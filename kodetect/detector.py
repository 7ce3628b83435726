"""The one entry point: `Detector().detect(text)`.

One pass, `Detector._detect_one`: normalise (undo tampering, keep an offset map) → segment and tag
with Kiwi → features → score (fusion classifier) → calibrate (probability, verdict under a named
threshold mode) → explain (the evidence). Sentence scores come from the same model applied to each
sentence with its neighbours, because one sentence alone carries too little signal: the feature
matrix has one row per run of sentences, the whole document first (`features.vector.DocumentRuns`).

Deep mode adds one language-model pass over the normalised text; its per-token statistics are
aggregated over the whole text and over each sentence window into the `lm_*` features.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, overload

import numpy as np

from kodetect.detection import Detection, Evidence, ModelInfo, NormalizationReport, SentenceScore
from kodetect.errors import InputError, ModelError
from kodetect.features.language_model import LM_FEATURE_DESCRIPTIONS, LM_FEATURES, lm_features_by_span
from kodetect.features.stylometry import FEATURE_DESCRIPTIONS, features_from_stats
from kodetect.features.vector import Prepared, Run, document_run, document_runs, ngram_views, prepare
from kodetect.model.artifact import FusionHead, ModelArtifact, head_feature
from kodetect.model.shipped import MODES, PACKAGED_MODELS
from kodetect.text.language import script_profile
from kodetect.text.normalize import NormalizedText, tampering_kind

THRESHOLD_MODES = ("balanced", "low-fpr")
# A wrong "ai" verdict can cost a person a grade or a job; a missed AI text costs less. Student
# essays, poems and abstracts were called AI at 11-22% under `balanced` in validation, at 0-4% under
# `low-fpr`, so the cautious mode is the default.
DEFAULT_THRESHOLD_MODE = "low-fpr"
DEFAULT_MAX_CHARS = 200_000
# Korean prose of this many Hangul characters is judged even when words in another script, mixed into
# its lines, outnumber it (a technical answer full of English terms is still Korean writing).
KOREAN_PROSE_ENOUGH = 200
# Sentences scored together with this many neighbours on each side.
SENTENCE_CONTEXT = 1
EVIDENCE_ITEMS = 8
# Contributions smaller than this (in log-odds) are reported as neutral.
NEUTRAL_CONTRIBUTION = 0.05

_HEAD_DESCRIPTIONS = {
    head_feature("char_ngram"): "character n-gram model: how much the wording resembles AI-written training text",
    head_feature("morph_ngram"): "morpheme n-gram model: how much the use of particles, endings and sentence "
    "patterns resembles AI-written training text",
}


def _model_path(mode: str, model_path: str | Path | None) -> Path:
    if model_path is not None:
        return Path(model_path)
    override = os.environ.get(f"KODETECT_{mode.upper()}_MODEL") or (os.environ.get("KODETECT_MODEL")
                                                                   if mode == "fast" else None)
    return Path(override) if override else PACKAGED_MODELS[mode]


def _threads(threads: int | None) -> int | None:
    if threads is not None:
        return threads
    value = os.environ.get("KODETECT_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


class Detector:
    """Detects AI-generated Korean text.

    mode: "fast" (stylometry + character and morpheme n-grams, no language model) or "deep" (the
        same plus zero-shot statistics from an offline language model, Gemma 3 270M; needs
        `pip install 'kodetect[deep]'`, about 1.2 GB of memory and a second or two per page on CPU).
    threshold_mode: "low-fpr" (default; at most 1% of held-out human texts called AI) or "balanced".
    model_path: an artifact written by `kodetect train` (without extension); defaults to the packaged one.
    max_chars: longer inputs are refused with an `InputError` instead of silently truncated.
    threads: CPU threads for the language model (deep mode; default $KODETECT_THREADS or all cores).
    """

    def __init__(
        self,
        mode: str = "fast",
        threshold_mode: str = DEFAULT_THRESHOLD_MODE,
        model_path: str | Path | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        threads: int | None = None,
    ) -> None:
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if threshold_mode not in THRESHOLD_MODES:
            raise InputError(f"unknown threshold mode {threshold_mode!r}; choose one of {', '.join(THRESHOLD_MODES)}")
        self.mode = mode
        self.threshold_mode = threshold_mode
        self.max_chars = max_chars
        self._model = ModelArtifact.load(_model_path(mode, model_path))
        if threshold_mode not in self._model.thresholds:
            raise ModelError(f"model {self._model.version} has no {threshold_mode!r} thresholds")
        self._threshold = self._model.thresholds[threshold_mode]
        self._lm = None
        if any(name in LM_FEATURES for name in self._model.fusion.names):
            self._lm = self._load_language_model(_threads(threads))

    def _load_language_model(self, threads: int | None):
        spec = self._model.language_model or {}
        if self._model.lm_support is None or "source" not in spec:
            raise ModelError(f"model {self._model.version} uses language-model features but names no language model")
        from kodetect.lm.backend import shared_lm  # numpy only at import; torch loads with the model

        try:
            return shared_lm(spec["source"], self._model.lm_support, threads)
        except ImportError as exc:
            raise ModelError(f"deep mode needs pip install 'kodetect[deep]' ({exc})") from exc

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(self._model.name, self._model.version)

    @property
    def model_card(self) -> dict[str, Any]:
        return self._model.card

    @overload
    def detect(self, text: str) -> Detection: ...
    @overload
    def detect(self, text: Iterable[str]) -> Iterator[Detection]: ...
    def detect(self, text: str | Iterable[str]) -> Detection | Iterator[Detection]:
        """Score one text (returns a `Detection`) or many (returns an iterator, lazily, in order)."""
        if isinstance(text, str):
            return self._detect_one(text)
        if isinstance(text, bytes | bytearray):
            raise InputError("detect() takes str; decode bytes first (kodetect.text.decode.decode_bytes)")
        if not isinstance(text, Iterable):
            raise InputError(f"expected text as str or an iterable of str, got {type(text).__name__}")
        return (self._detect_one(t) for t in text)

    def score(self, texts: Iterable[str]) -> Iterator[float | None]:
        """Only the document probability per text (None where the verdict abstains); no sentence scores."""
        for text in texts:
            prepared = self._prepare(text)
            if self._abstention(prepared) is not None:
                yield None
            else:
                yield float(self._model.calibration.probability(self._document_raw_score(prepared)))

    # --- the pipeline --------------------------------------------------------------------------

    def _detect_one(self, text: str) -> Detection:
        prepared = self._prepare(text)  # normalise (offset map kept), segment and tag with Kiwi
        report = NormalizationReport(dict(prepared.normalized.tampering), dict(prepared.normalized.formatting))
        spans = [prepared.normalized.original_span(s.start, s.end) for s in prepared.analysis.sentences]
        abstention = self._abstention(prepared)
        if abstention is not None:
            sentences = [SentenceScore(a, b, text[a:b], None) for a, b in spans]
            return self._detection(None, abstention, sentences, tampering_evidence(report), report)

        runs = document_runs(prepared, SENTENCE_CONTEXT)  # the document, then one window per sentence
        matrix = self._feature_matrix(prepared, runs.rows())  # features: one row per run
        raw = self._model.fusion.raw(matrix)  # score: the fusion classifier's log-odds
        document_p, window_ps = runs.split(self._model.calibration.probability(raw))  # calibrate
        probability = float(document_p)
        sentences = [SentenceScore(a, b, text[a:b], round(float(p), 4))
                     for (a, b), p in zip(spans, window_ps, strict=True)]
        document_row, _ = runs.split(matrix)
        evidence = feature_evidence(self._model.fusion, document_row) + tampering_evidence(report)  # explain
        return self._detection(probability, self._threshold.verdict(probability), sentences, evidence, report)

    def _prepare(self, text: str) -> Prepared:
        if not isinstance(text, str):
            raise InputError(f"expected text as str, got {type(text).__name__}")
        if not text.strip():
            raise InputError("the text is empty")
        if len(text) > self.max_chars:
            raise InputError(
                f"the text has {len(text):,} characters; the limit is {self.max_chars:,} (split it into parts)"
            )
        return prepare(text)

    def _abstention(self, prepared: Prepared) -> str | None:
        return abstention(prepared.normalized, self._model.min_hangul, self._model.min_korean_share)

    def _document_raw_score(self, prepared: Prepared) -> float:
        """The fusion model's log-odds for the whole text (before calibration)."""
        return float(self._model.fusion.raw(self._feature_matrix(prepared, [document_run(prepared)]))[0])

    def _feature_matrix(self, prepared: Prepared, runs: list[Run]) -> np.ndarray:
        """One row of the fusion model's features per run, in the order of `runs`."""
        lm_rows = self._lm_features(prepared, [run.span for run in runs])
        rows = []
        for i, run in enumerate(runs):
            features = features_from_stats(run.stats)
            for view, logit in self._model.ngram_logits(ngram_views(run.sentences)).items():
                features[head_feature(view)] = logit
            if lm_rows is not None:
                features.update(lm_rows[i])
            rows.append([features[name] for name in self._model.fusion.names])
        return np.array(rows, dtype=float)

    def _lm_features(self, prepared: Prepared, spans: list[tuple[int, int]]) -> list[dict[str, float]] | None:
        """Language-model features of each character span of the normalised text (deep mode only)."""
        if self._lm is None:
            return None
        scored = self._lm.text_stats(prepared.normalized.text)
        return lm_features_by_span(scored.stats, scored.token_starts, spans)

    def _detection(self, probability: float | None, verdict: str, sentences: list[SentenceScore],
                   evidence: list[Evidence], report: NormalizationReport) -> Detection:
        return Detection(
            ai_probability=None if probability is None else round(probability, 4),
            verdict=verdict,
            mode=self.mode,
            threshold_mode=self.threshold_mode,
            sentences=sentences,
            evidence=evidence,
            normalization=report,
            model=self.model_info,
        )


def abstention(normalized: NormalizedText, min_hangul: int, min_korean_share: float) -> str | None:
    """Why not to judge this text, if so. Only the Korean prose counts: code and lines in another
    script were set aside by the normaliser, so a Korean answer with a code block is judged."""
    prose = script_profile(normalized.text)
    korean_enough = prose.korean_share >= min_korean_share or prose.hangul >= KOREAN_PROSE_ENOUGH
    if prose.hangul >= min_hangul:
        return None if korean_enough else "unsupported-language"
    whole = script_profile(normalized.original)
    if whole.letters == 0 or whole.korean_share < min_korean_share:
        return "unsupported-language"
    return "insufficient"


# --- explanation: pure functions of the model and one feature row --------------------------------


def feature_evidence(fusion: FusionHead, row: np.ndarray) -> list[Evidence]:
    """The features that moved the document's log-odds most, largest share first."""
    contributions = fusion.contributions(row)
    order = np.argsort(-np.abs(contributions))[:EVIDENCE_ITEMS]
    evidence = []
    for i in order:
        name, c = fusion.names[i], float(contributions[i])
        direction = "neutral" if abs(c) < NEUTRAL_CONTRIBUTION else ("ai" if c > 0 else "human")
        description = FEATURE_DESCRIPTIONS.get(name) or _HEAD_DESCRIPTIONS.get(name) or LM_FEATURE_DESCRIPTIONS.get(
            name, name)
        evidence.append(Evidence(name, round(float(row[i]), 4), direction, round(c, 4), description))
    return evidence


def tampering_evidence(report: NormalizationReport) -> list[Evidence]:
    # Tampering is shown, not scored: copied web text also carries stray invisible characters.
    return [
        Evidence(f"tampering_{kind}", float(count), "neutral", 0.0, tampering_kind(kind).description)
        for kind, count in report.tampering.items()
        if count
    ]
