"""The one entry point: `Detector().detect(text)`.

One pass: normalise (undo tampering, keep an offset map) → segment and tag with Kiwi → features →
fusion classifier → calibrated probability → verdict under a named threshold mode. Sentence scores
come from the same model applied to each sentence with its neighbours, because one sentence alone
carries too little signal.

Deep mode adds one language-model pass over the normalised text; its per-token statistics are
aggregated over the whole text and over each sentence window into the `lm_*` features.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, overload

import numpy as np

from kodetect.attribution import ATTRIBUTED_VERDICTS, attribute
from kodetect.detection import Attribution, Detection, Evidence, ModelInfo, NormalizationReport, SentenceScore
from kodetect.errors import InputError, ModelError
from kodetect.features.language_model import LM_FEATURE_DESCRIPTIONS, LM_FEATURES, lm_features_by_span
from kodetect.features.stylometry import FEATURE_DESCRIPTIONS, SentenceStats, analysis_stats, features_from_stats
from kodetect.features.vector import Prepared, ngram_views, prepare
from kodetect.scoring.model import FastModel, head_feature
from kodetect.text.language import script_profile
from kodetect.text.normalize import tampering_kind
from kodetect.text.segment import Sentence

MODES = ("fast", "deep")
THRESHOLD_MODES = ("balanced", "low-fpr")
# A wrong "ai" verdict can cost a person a grade or a job; a missed AI text costs less. Student
# essays, poems and abstracts were called AI at 11-22% under `balanced` in validation, at 0-4% under
# `low-fpr`, so the cautious mode is the default.
DEFAULT_THRESHOLD_MODE = "low-fpr"
DEFAULT_MAX_CHARS = 200_000
# Sentences scored together with this many neighbours on each side.
SENTENCE_CONTEXT = 1
EVIDENCE_ITEMS = 8
# Contributions smaller than this (in log-odds) are reported as neutral.
NEUTRAL_CONTRIBUTION = 0.05

PACKAGED_MODELS = {mode: Path(__file__).parent / "artifacts" / mode for mode in MODES}

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
        self._model = FastModel.load(_model_path(mode, model_path))
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

    # --- internals ---------------------------------------------------------------------------

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
        profile = script_profile(prepared.normalized.text)
        if profile.letters == 0 or profile.korean_share < self._model.min_korean_share:
            return "unsupported-language"
        if profile.hangul < self._model.min_hangul:
            return "insufficient"
        return None

    def _lm_runs(self, prepared: Prepared, spans: list[tuple[int, int]]) -> list[dict[str, float]] | None:
        """Language-model features of each character span of the normalised text (deep mode only)."""
        if self._lm is None:
            return None
        scored = self._lm.score(prepared.normalized.text)
        return lm_features_by_span(scored.stats, scored.token_starts, spans)

    def _document_raw_score(self, prepared: Prepared) -> float:
        """The fusion model's log-odds for the whole text (before calibration)."""
        runs = [(analysis_stats(prepared.analysis), list(prepared.analysis.sentences))]
        matrix = self._feature_matrix(runs, self._lm_runs(prepared, [(0, len(prepared.normalized.text))]))
        return float(self._model.fusion.raw(matrix)[0])

    def _feature_matrix(
        self, runs: list[tuple[list[SentenceStats], list[Sentence]]], lm_runs: list[dict[str, float]] | None = None
    ) -> np.ndarray:
        """One feature row per run of sentences (the whole text, or a window around one sentence)."""
        rows = []
        for i, (stats, sentences) in enumerate(runs):
            features = features_from_stats(stats)
            for view, logit in self._model.ngram_logits(ngram_views(sentences)).items():
                features[head_feature(view)] = logit
            if lm_runs is not None:
                features.update(lm_runs[i])
            rows.append([features[name] for name in self._model.fusion.names])
        return np.array(rows, dtype=float)

    def _detect_one(self, text: str) -> Detection:
        prepared = self._prepare(text)
        normalized, analysis = prepared.normalized, prepared.analysis
        report = NormalizationReport(dict(normalized.tampering), dict(normalized.formatting))
        abstention = self._abstention(prepared)

        spans = [normalized.original_span(s.start, s.end) for s in analysis.sentences]
        if abstention is not None:
            sentences = [SentenceScore(a, b, text[a:b], None) for a, b in spans]
            return self._detection(None, abstention, sentences, self._tampering_evidence(report), report)

        stats = analysis_stats(analysis)
        sentences_all = list(analysis.sentences)
        runs = [(stats, sentences_all)]
        lm_spans = [(0, len(normalized.text))]
        for i in range(len(stats)):
            lo, hi = max(0, i - SENTENCE_CONTEXT), i + SENTENCE_CONTEXT + 1
            runs.append((stats[lo:hi], sentences_all[lo:hi]))
            window = sentences_all[lo:hi]
            lm_spans.append((window[0].start, window[-1].end))
        matrix = self._feature_matrix(runs, self._lm_runs(prepared, lm_spans))
        probabilities = self._model.calibration.probability(self._model.fusion.raw(matrix))
        probability = float(probabilities[0])
        sentences = [
            SentenceScore(a, b, text[a:b], round(float(p), 4))
            for (a, b), p in zip(spans, probabilities[1:], strict=True)
        ]
        evidence = self._feature_evidence(matrix[0]) + self._tampering_evidence(report)
        verdict = self._threshold.verdict(probability)
        # Computed after the verdict and only for these verdicts, so human texts never pay for it.
        attribution = attribute(text, sentences_all) if verdict in ATTRIBUTED_VERDICTS else None
        return self._detection(probability, verdict, sentences, evidence, report, attribution)

    def _detection(self, probability, verdict, sentences, evidence, report,
                   attribution: Attribution | None = None) -> Detection:
        return Detection(
            ai_probability=None if probability is None else round(probability, 4),
            verdict=verdict,
            mode=self.mode,
            threshold_mode=self.threshold_mode,
            sentences=sentences,
            evidence=evidence,
            normalization=report,
            model=self.model_info,
            attribution=attribution,
        )

    def _feature_evidence(self, row: np.ndarray) -> list[Evidence]:
        contributions = self._model.fusion.contributions(row)
        order = np.argsort(-np.abs(contributions))[:EVIDENCE_ITEMS]
        evidence = []
        for i in order:
            name, c = self._model.fusion.names[i], float(contributions[i])
            direction = "neutral" if abs(c) < NEUTRAL_CONTRIBUTION else ("ai" if c > 0 else "human")
            description = FEATURE_DESCRIPTIONS.get(name) or _HEAD_DESCRIPTIONS.get(name) or LM_FEATURE_DESCRIPTIONS.get(
                name, name)
            evidence.append(Evidence(name, round(float(row[i]), 4), direction, round(c, 4), description))
        return evidence

    @staticmethod
    def _tampering_evidence(report: NormalizationReport) -> list[Evidence]:
        # Tampering is shown, not scored: copied web text also carries stray invisible characters.
        return [
            Evidence(f"tampering_{kind}", float(count), "neutral", 0.0, tampering_kind(kind).description)
            for kind, count in report.tampering.items()
            if count
        ]
