"""Fit an artifact's sentence calibration on documents spliced from its validation pool
(run by `kodetect calibrate-sentences`, see `kodetect.training.refit`).

Documents: every human text of the validation pool (20% of every training source, by id hash, never
trained on) interleaved paragraph by paragraph with an AI text of its genre where the pool has one
(the realistic splice: a student's own essay with generated paragraphs on the same task), else of any
genre (`kodetect.eval.attacks.mix_documents`, as in the robustness report). Each sentence is labelled
by the paragraph it starts in. Human and AI sentences weigh half each and, within a side, every genre
the same, as the document calibration weighs sources.

The map (`kodetect.calibration.sentences`) is measured on mixed documents of the KatFish test splits by
the benchmark report (`python -m bench --only sentences`), which neither the model nor this fit saw.
`kodetect train` runs this at its end; run it again after recalibrating or retraining by other means.
"""

from __future__ import annotations

import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kodetect.calibration.sentences import SentenceCalibration, SentenceRowsArrays, fit_sentence_calibration, logit
from kodetect.detector import Detector
from kodetect.eval.attacks import mix_documents
from kodetect.eval.metrics import auroc, expected_calibration_error
from kodetect.training.dataset import Example

# Sentences with fewer Hangul syllables than this get no probability: on the validation pool's mixed
# documents their AUROC was lowest, and on the held-out ones near chance (bench/report/sentences.py).
MIN_SENTENCE_HANGUL = 8
# Half weights tried (Hangul syllables); cross-validation picks one.
HALF_WEIGHTS = (0.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
SEED = 0


@dataclass(frozen=True)
class MixedDocument:
    text: str
    spans: list[tuple[int, int, int]]  # (start, end, label) per paragraph: 0 human, 1 AI
    genre: str  # the human text's genre


@dataclass
class SentenceRows:
    """One row per labelled sentence of the scored documents: what the sentence map reads, and the label."""

    window_raw: list[float] = field(default_factory=list)
    document_logit: list[float] = field(default_factory=list)
    hangul: list[int] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    document: list[int] = field(default_factory=list)
    genre: list[str] = field(default_factory=list)

    def arrays(self) -> SentenceRowsArrays:
        return SentenceRowsArrays(
            np.asarray(self.window_raw, dtype=float), np.asarray(self.document_logit, dtype=float),
            np.asarray(self.hangul, dtype=float), np.asarray(self.label, dtype=float),
            balanced_weights(self.label, self.genre), np.asarray(self.document))


def balanced_weights(labels: Sequence[int], genres: Sequence[str]) -> np.ndarray:
    """Human and AI sentences half each; within a side, every genre the same."""
    cells = Counter(zip(labels, genres, strict=True))
    genres_per_side = Counter(label for label, _ in cells)
    return np.array([1.0 / (cells[(y, g)] * genres_per_side[y]) for y, g in zip(labels, genres, strict=True)])


def mixed_documents(examples: Sequence[Example], seed: int = SEED,
                    max_documents: int | None = None) -> list[MixedDocument]:
    """One document per human text (at most `max_documents`, chosen at random), spliced with an AI text
    of the same genre where there is one, else of any genre."""
    rng = random.Random(f"sentences:{seed}")
    humans = sorted((e for e in examples if e.label == 0), key=lambda e: e.id)
    ais = sorted((e for e in examples if e.label == 1), key=lambda e: e.id)
    if not humans or not ais:
        return []
    ai_by_genre: dict[str, list[Example]] = defaultdict(list)
    for e in ais:
        ai_by_genre[e.genre].append(e)
    if max_documents is not None and len(humans) > max_documents:
        humans = sorted(rng.sample(humans, max_documents), key=lambda e: e.id)
    out = []
    for human in humans:
        partner = rng.choice(ai_by_genre.get(human.genre) or ais)
        text, spans = mix_documents(human.text, partner.text, rng)
        out.append(MixedDocument(text, spans, human.genre))
    return out


def sentence_rows(detector: Detector, documents: Sequence[MixedDocument], progress: bool = False) -> SentenceRows:
    """Score every document once; keep, per sentence, what the sentence map reads and the sentence's label."""
    rows = SentenceRows()
    for index, document in enumerate(documents):
        if progress and index and index % 200 == 0:
            print(f"  sentence calibration: {index}/{len(documents)} documents scored", file=sys.stderr, flush=True)
        scored = detector.sentence_scores(document.text)
        if scored is None:
            continue
        document_logit = float(logit(detector.calibrated(scored.document_raw)))
        for (start, _), raw, hangul in zip(scored.spans, scored.window_raw, scored.hangul, strict=True):
            label = next((lab for a, b, lab in document.spans if a <= start < b), None)
            if label is None:
                continue
            rows.window_raw.append(float(raw))
            rows.document_logit.append(document_logit)
            rows.hangul.append(int(hangul))
            rows.label.append(int(label))
            rows.document.append(index)
            rows.genre.append(document.genre)
    return rows


def fit(rows: SentenceRows, min_hangul: int = MIN_SENTENCE_HANGUL) -> SentenceCalibration:
    """The fitted map, with what it was fitted on and the cross-validated loss of each half weight."""
    arrays = rows.arrays()
    fitted, losses = fit_sentence_calibration(arrays, min_hangul, HALF_WEIGHTS)
    judged = arrays.hangul >= min_hangul
    return SentenceCalibration(fitted.slope, fitted.intercept, fitted.half_weight, fitted.document_weight,
                               fitted.min_hangul, {
        "data": "mixed documents spliced from the validation pool (kodetect.training.sentence_calibration)",
        "documents": int(len(set(rows.document))),
        "sentences": int(judged.sum()),
        "cv_log_loss_by_half_weight": {f"{k:g}": round(v, 5) for k, v in losses.items()},
    })


def before_after(detector: Detector, rows: SentenceRows, sentence_map: SentenceCalibration) -> dict[str, float]:
    """Sentence ECE and AUROC with the document's map (before, as the page coloured them) and with the
    sentence map (after), on every sentence and on those long enough to judge."""
    a = rows.arrays()
    y = a.label
    before = detector.calibrated(a.window_raw)
    after = sentence_map.probability(a.window_raw, a.document_logit, a.hangul)
    judged = ~np.isnan(after)
    return {
        "sentences": int(len(y)),
        "judged": int(judged.sum()),
        "ece_before_all": expected_calibration_error(y, before),
        "auroc_before_all": auroc(y, before),
        "ece_before": expected_calibration_error(y[judged], before[judged]),
        "auroc_before": auroc(y[judged], before[judged]),
        "ece_after": expected_calibration_error(y[judged], after[judged]),
        "auroc_after": auroc(y[judged], after[judged]),
    }
