"""Sentence scores: calibration and ranking on held-out mixed documents, before and after the sentence map.

Mixed documents as the sentence calibration was fitted on them (`kodetect.training.sentence_fit`),
but built from the KatFish seed-42 test splits, which neither the shipped models nor the sentence
calibration saw: every reserved human text interleaved paragraph by paragraph with an AI text of its
genre from an unseen generator, each sentence labelled by the paragraph it starts in. "Before" is how
the page coloured sentences until the sentence map existed (the document's Platt map applied to the
sentence window's raw score); "after" is the shipped sentence map, which gives no colour to sentences
under its minimum length.
"""

from __future__ import annotations

import numpy as np

from bench.report.context import KATFISH_FILES, Context
from bench.report.heldout import katfish_test_set
from bench.report.markdown import Section, fmt, table
from kodetect.eval.metrics import auroc, expected_calibration_error
from kodetect.training.dataset import Example
from kodetect.training.sentence_fit import SEED, SentenceRows, mixed_documents, sentence_rows

LENGTH_BINS = ((0, 8), (8, 12), (12, 20), (20, 40), (40, None))


def _row(name: str, y: np.ndarray, before: np.ndarray, after: np.ndarray) -> list[object]:
    judged = ~np.isnan(after)
    if not judged.any() or len(set(y[judged])) < 2:
        return [name, len(y), int(judged.sum()), fmt(expected_calibration_error(y, before), digits=1),
                fmt(auroc(y, before)) if len(set(y)) == 2 else "–", "–", "–", "–", "–"]
    return [name, len(y), int(judged.sum()),
            fmt(expected_calibration_error(y, before), digits=1), fmt(auroc(y, before)),
            fmt(expected_calibration_error(y[judged], before[judged]), digits=1), fmt(auroc(y[judged], before[judged])),
            fmt(expected_calibration_error(y[judged], after[judged]), digits=1), fmt(auroc(y[judged], after[judged]))]


def measure(detector, rows: SentenceRows) -> dict[str, np.ndarray]:
    """Labels, before and after probabilities, Hangul syllables and genres of every sentence."""
    a = rows.arrays()
    sentence_map = detector.sentence_calibration
    after = (sentence_map.probability(a.window_raw, a.document_logit, a.hangul) if sentence_map is not None
             else np.full(len(a.label), np.nan))
    return {"y": a.label, "before": detector.calibrated(a.window_raw), "after": after, "hangul": a.hangul,
            "genre": np.asarray(rows.genre)}


def _mode_blocks(mode: str, detector, m: dict[str, np.ndarray], documents: int) -> list[str]:
    header = ["sentences", "all", "judged", "ECE before (all)", "AUROC before (all)", "ECE before (judged)",
              "AUROC before (judged)", "ECE after", "AUROC after"]
    rows = [_row("all", m["y"], m["before"], m["after"])]
    rows += [_row(g, m["y"][m["genre"] == g], m["before"][m["genre"] == g], m["after"][m["genre"] == g])
             for g in sorted(set(m["genre"]))]
    for lo, hi in LENGTH_BINS:
        mask = (m["hangul"] >= lo) & (m["hangul"] < (hi or 10**9))
        if mask.any():
            rows.append(_row(f"{lo}-{hi or ''} Hangul", m["y"][mask], m["before"][mask], m["after"][mask]))
    sentence_map = detector.sentence_calibration
    if sentence_map is None:
        described = "the shipped model has no sentence map yet (`kodetect calibrate-sentences`), so only 'before'."
    else:
        described = (f"sentence map: slope {sentence_map.slope:.3f}, intercept {sentence_map.intercept:.3f}, half "
                     f"weight {sentence_map.half_weight:g} Hangul syllables, document weight "
                     f"{sentence_map.document_weight:.2f}, no score under {sentence_map.min_hangul} syllables "
                     f"(fitted on {(sentence_map.fitted or {}).get('documents', '?')} mixed documents of the "
                     "validation pool).")
    return [f"*{mode}*: {documents} mixed documents; {described}", table(header, rows)]


def run(ctx: Context) -> Section:
    section = Section("sentences", "Sentence scores: calibration on mixed documents", data_files=KATFISH_FILES)
    texts = [Example(h.id, h.text, h.label, h.group, h.genre, h.generator) for h in katfish_test_set()]
    documents = mixed_documents(texts, seed=SEED)
    section.blocks.append(
        "Each reserved human text of the KatFish seed-42 test splits interleaved paragraph by paragraph with an AI "
        "text of its genre from an unseen generator (Solar, Qwen2, Llama3.1); each sentence is labelled by the "
        "paragraph it starts in. ECE (expected calibration error, 10 bins, ×100) says how far the sentence "
        "probabilities are from the observed share of AI sentences; AUROC how well they rank. *Before*: the "
        "document's Platt map on the sentence window's raw score, as sentences were coloured until the sentence "
        "map; *after*: the shipped sentence map (`kodetect/calibration/sentences.py`), fitted on mixed documents of "
        "the validation pool only. *Judged*: sentences long enough to get a colour after. Refit after retraining "
        "with `kodetect calibrate-sentences --model kodetect/artifacts/fast`.")
    for mode in ctx.modes():
        detector = ctx.detector(mode)
        section.models.append(ctx.model_versions[mode])
        measured = measure(detector, sentence_rows(detector, documents))
        section.blocks += _mode_blocks(mode, detector, measured, len(documents))
        judged = ~np.isnan(measured["after"])
        if judged.any():
            y, before, after = measured["y"], measured["before"], measured["after"]
            section.facts[f"sentence_ece_{mode}"] = {
                "before_all": expected_calibration_error(y, before),
                "before_judged": expected_calibration_error(y[judged], before[judged]),
                "after": expected_calibration_error(y[judged], after[judged]),
                "auroc_before": auroc(y, before), "auroc_after": auroc(y[judged], after[judged])}
    deep_reason = ctx.deep_reason()
    if deep_reason:
        section.blocks.append(f"Deep mode not measured here: {deep_reason}.")
    return section
