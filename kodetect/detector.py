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

import copy
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from kodetect.attribution import ATTRIBUTED_VERDICTS, attribute
from kodetect.calibration.sentences import SentenceCalibration, logit
from kodetect.detection import (
    Attribution,
    Detection,
    Evidence,
    ModelInfo,
    NormalizationReport,
    ProfileInfo,
    SentenceScore,
)
from kodetect.errors import ExtraMissing, InputError, ModelError
from kodetect.explain import TextContext, Windows, feature_evidence, tampering_evidence
from kodetect.features.genre import contrast_feature
from kodetect.features.language_model import LM_FEATURES, lm_features_by_span
from kodetect.features.stylometry import features_from_stats
from kodetect.features.vector import DocumentRuns, Prepared, Run, document_run, document_runs, ngram_views, prepare
from kodetect.model.artifact import ModelArtifact, Reference, head_feature
from kodetect.model.shipped import MODES, PACKAGED_MODELS
from kodetect.profiles import Profile, load_profile
from kodetect.profiles.store import ProfileRef
from kodetect.text.language import script_profile
from kodetect.text.normalize import NormalizedText

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


@dataclass(frozen=True)
class ScoredRuns:
    """One text through the classifier: its runs (the document, then each sentence's window), their
    feature rows, and the raw log-odds of the document and of each window, with each sentence's Hangul
    syllables (how much a sentence's own score can be trusted)."""

    runs: DocumentRuns
    matrix: np.ndarray
    document_raw: float
    window_raw: np.ndarray
    hangul: np.ndarray
    spans: list[tuple[int, int]]  # each sentence's offsets in the text as given


def _model_path(mode: str, model_path: str | Path | None) -> Path:
    if model_path is not None:
        return Path(model_path)
    override = os.environ.get(f"KODETECT_{mode.upper()}_MODEL") or (os.environ.get("KODETECT_MODEL")
                                                                   if mode == "fast" else None)
    return Path(override) if override else PACKAGED_MODELS[mode]


def model_identity(mode: str, model_path: str | Path | None = None) -> ModelInfo:
    """Name and version of the model a Detector of `mode` would load, read from its card alone (cheap:
    enough to tell whether a profile still fits without loading the model)."""
    card = _model_path(mode, model_path).with_suffix(".json")
    try:
        data = json.loads(card.read_text("utf-8"))
        return ModelInfo(str(data["name"]), str(data["version"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"model card {card} is missing or unreadable ({exc})") from exc


def _threads(threads: int | None) -> int | None:
    if threads is not None:
        return threads
    value = os.environ.get("KODETECT_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


class Detector:
    """Detects AI-generated Korean text.

    mode: "fast" (stylometry + character, morpheme and eojeol n-grams, no language model) or "deep" (the
        same plus zero-shot statistics from an offline language model, Gemma 3 270M; needs
        `pip install 'kodetect[deep]'`, about 1.2 GB of memory and a second or two per page on CPU).
    threshold_mode: "low-fpr" (default; at most 1% of held-out human texts called AI) or "balanced".
    profile: thresholds fitted to your own writing instead of a threshold mode (`kodetect profile create`):
        a name, a path to its JSON file, or a `Profile`. It must have been made for this model and
        mode (the mode defaults to the profile's); otherwise a `ProfileError` says how to re-create it.
        Results then say `threshold_mode="profile:NAME"` and carry the profile's promise in `profile`.
    model_path: an artifact written by `kodetect train` (without extension); defaults to the packaged one.
    max_chars: longer inputs are refused with an `InputError` instead of silently truncated.
    threads: CPU threads for the language model (deep mode; default $KODETECT_THREADS or all cores).
    """

    def __init__(
        self,
        mode: str | None = None,
        threshold_mode: str | None = None,
        model_path: str | Path | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        threads: int | None = None,
        profile: ProfileRef | None = None,
    ) -> None:
        chosen = None if profile is None else load_profile(profile)
        if chosen is not None and threshold_mode is not None:
            raise InputError("a profile brings its own thresholds: give a threshold mode or a profile, not both")
        mode = mode or (chosen.mode if chosen is not None else MODES[0])
        threshold_mode = threshold_mode or DEFAULT_THRESHOLD_MODE
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
        self.profile: Profile | None = None
        if chosen is not None:
            self._apply(chosen)
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
            raise ExtraMissing(f"deep mode needs pip install 'kodetect[deep]' ({exc})") from exc

    def _apply(self, profile: Profile) -> None:
        profile.check_model(self.model_info, self.mode)
        self.profile = profile
        self.threshold_mode = profile.threshold_mode
        self._threshold = profile.thresholds

    def with_profile(self, profile: ProfileRef | None) -> Detector:
        """This detector with a profile's thresholds (None: as it is); the model is shared, not reloaded."""
        if profile is None:
            return self
        other = copy.copy(self)
        other._apply(load_profile(profile))
        return other

    @property
    def thresholds(self) -> dict[str, dict[str, float]]:
        """The cuts this detector knows: the model's threshold modes, and its profile's under `profile:NAME`."""
        table = {name: mode.to_dict() for name, mode in self._model.thresholds.items()}
        if self.profile is not None:
            table[self.threshold_mode] = self.profile.thresholds.to_dict()
        return table

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(self._model.name, self._model.version)

    @property
    def model_card(self) -> dict[str, Any]:
        return self._model.card

    @property
    def sentence_calibration(self) -> SentenceCalibration | None:
        """The map from sentence window scores to sentence probabilities (None: the document's is used)."""
        return self._model.sentence_calibration

    @property
    def feature_names(self) -> list[str]:
        """The fusion classifier's features, in the order of a feature row (`ScoredRuns.matrix`)."""
        return list(self._model.fusion.names)

    def calibrated(self, raw: np.ndarray | float) -> np.ndarray:
        """The model's document calibration (Platt) applied to raw log-odds of the fusion classifier."""
        return np.asarray(self._model.calibration.probability(raw), dtype=float)

    @property
    def reference(self) -> Reference | None:
        """Out-of-source probabilities of the training texts, where the model carries them: the yardstick
        for "higher than 99% of people's texts" (`kodetect.explain.placement`)."""
        return self._model.reference

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

        scored = self._score_runs(prepared)  # features and the fusion classifier's log-odds, per run
        probability = float(self._model.calibration.probability(scored.document_raw))  # calibrate
        window_ps = self._sentence_probabilities(scored)
        sentences = [SentenceScore(a, b, text[a:b], None if np.isnan(p) else round(float(p), 4))
                     for (a, b), p in zip(spans, window_ps, strict=True)]
        evidence = self._evidence(prepared, scored) + tampering_evidence(report)  # explain
        verdict = self._threshold.verdict(probability)
        # After the verdict and only for these verdicts, so people's texts never pay for it.
        attribution = attribute(text, prepared.analysis.sentences) if verdict in ATTRIBUTED_VERDICTS else None
        return self._detection(probability, verdict, sentences, evidence, report, attribution)

    def sentence_scores(self, text: str) -> ScoredRuns | None:
        """The raw scores behind a detection's sentence probabilities (None when the verdict abstains):
        what sentence calibration is fitted on (`kodetect.training.sentence_fit`)."""
        prepared = self._prepare(text)
        return None if self._abstention(prepared) is not None else self._score_runs(prepared)

    def _score_runs(self, prepared: Prepared) -> ScoredRuns:
        runs = document_runs(prepared, SENTENCE_CONTEXT)  # the document, then one window per sentence
        matrix = self._feature_matrix(prepared, runs.rows())  # features: one row per run
        document_raw, window_raw = runs.split(self._model.fusion.raw(matrix))  # score
        hangul = np.array([s.hangul for s in runs.document.stats])
        spans = [prepared.normalized.original_span(s.start, s.end) for s in prepared.analysis.sentences]
        return ScoredRuns(runs, matrix, float(document_raw), np.asarray(window_raw, dtype=float), hangul, spans)

    def _sentence_probabilities(self, scored: ScoredRuns) -> np.ndarray:
        """Per sentence: its calibrated probability, its own score counting less the shorter it is; NaN when
        too short to judge. Models without a sentence calibration use the document's map, as they were made."""
        sentence_map = self._model.sentence_calibration
        if sentence_map is None:
            return np.asarray(self._model.calibration.probability(scored.window_raw), dtype=float)
        document_logit = float(logit(self._model.calibration.probability(scored.document_raw)))
        return sentence_map.probability(scored.window_raw, document_logit, scored.hangul)

    def _evidence(self, prepared: Prepared, scored: ScoredRuns) -> list[Evidence]:
        document_row, window_rows = scored.runs.split(scored.matrix)
        fusion = self._model.fusion
        windows = Windows(fusion.standardize(window_rows), fusion.coef, fusion.names)
        context = TextContext(prepared.normalized, prepared.analysis, scored.runs.document.stats,
                              self._model.card.get("feature_reference"), windows)
        return feature_evidence(fusion, document_row, context, self._model.ngram_heads)

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
        # Genre is the whole document's: a sentence's window is read against the people nearest to its document.
        genre_means = (self._model.genre_means(ngram_views(prepared.analysis.sentences))
                       if self._model.genre is not None else {})
        rows = []
        for i, run in enumerate(runs):
            features = features_from_stats(run.stats)
            for view, head_logit in self._model.ngram_logits(ngram_views(run.sentences)).items():
                features[head_feature(view)] = head_logit
            if lm_rows is not None:
                features.update(lm_rows[i])
            for column, mean in genre_means.items():
                features[contrast_feature(column)] = features[column] - mean
            rows.append([features[name] for name in self._model.fusion.names])
        return np.array(rows, dtype=float)

    def _lm_features(self, prepared: Prepared, spans: list[tuple[int, int]]) -> list[dict[str, float]] | None:
        """Language-model features of each character span of the normalised text (deep mode only)."""
        if self._lm is None:
            return None
        scored = self._lm.text_stats(prepared.normalized.text)
        return lm_features_by_span(scored.stats, scored.token_starts, spans)

    def _detection(self, probability: float | None, verdict: str, sentences: list[SentenceScore],
                   evidence: list[Evidence], report: NormalizationReport,
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
            profile=self._profile_info,
            attribution=attribution,
        )

    @property
    def _profile_info(self) -> ProfileInfo | None:
        return None if self.profile is None else self.profile.info


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
