"""Robustness: the attack suite (kodetect.eval.attacks) against the SHIPPED models, and mixed documents.

Each attack edits every text, human and AI alike (people edit their own writing too, so editing only
the AI side would measure edited-vs-unedited), with one rng per (seed, attack, row id) as
`kodetect eval --attack` does. The texts are the KatFish seed-42 test splits, which no shipped model
trained on. Deep mode runs the attacks that change what its language model reads on a stratified
sample (one LM pass per edited text); the character attacks are undone by the normaliser before
either mode sees the text, and the fast mode's table shows that they change nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

from bench.report.context import KATFISH_FILES, Context, cap_per_group
from bench.report.heldout import HeldOut, katfish_test_set, score
from bench.report.markdown import Section, fmt, table
from kodetect.eval.attacks import ATTACKS, DESCRIPTIONS, attack_rng, mix_documents
from kodetect.eval.metrics import auroc, tpr_at_fpr

SEED = 0
# Attacks that change the words or spacing the language model reads (the others are normalised away
# or, for truncation, measured by the length section).
DEEP_ATTACKS = ("no-spaces", "spacing-errors", "comma-remove", "ending-switch", "particle-drop", "typos")
# Targets of the robustness issue: largest AUROC drop (×100) allowed per family.
TARGETS = {
    "zero-width": 1.0, "homoglyph": 1.0, "full-width": 1.0, "nfd": 1.0,
    "extra-whitespace": 3.0, "no-spaces": 3.0, "spacing-errors": 3.0, "comma-insert": 3.0,
    "comma-remove": 3.0, "ending-switch": 3.0, "particle-drop": 3.0,
}  # fmt: skip


def _metrics(texts: Sequence[HeldOut], p: np.ndarray, threshold: float) -> dict[str, float]:
    y = np.array([h.label for h in texts])
    rated = ~np.isnan(p)
    y, s = y[rated], p[rated]
    return {
        "rated": int(rated.sum()),
        "auroc": auroc(y, s),
        "tpr_at_1pct_fpr": tpr_at_fpr(y, s, 0.01),
        "fpr": float(np.mean(s[y == 0] >= threshold)) if (y == 0).any() else float("nan"),
        "tpr": float(np.mean(s[y == 1] >= threshold)) if (y == 1).any() else float("nan"),
    }


def attack_table(detector, texts: Sequence[HeldOut], attacks: Sequence[str], what: str) -> dict[str, dict]:
    """Clean and attacked metrics at the low-fpr threshold, per attack (the key "clean" included)."""
    threshold = float(detector.model_card["thresholds"]["low-fpr"]["ai"])
    results = {"clean": _metrics(texts, score(detector, [h.text for h in texts], f"{what} clean"), threshold)}
    for name in attacks:
        edited = [ATTACKS[name](h.text, attack_rng(SEED, name, h.id)) for h in texts]
        results[name] = _metrics(texts, score(detector, edited, f"{what} {name}"), threshold)
    return results


def mixed_documents(detector, texts: Sequence[HeldOut], seed: int = SEED) -> dict[str, dict]:
    """Each human text interleaved paragraph by paragraph with an AI text of its genre; every sentence is
    labelled by the paragraph it starts in. Sentence-level AUROC per genre, and the document verdicts."""
    rng = random.Random(seed)
    out: dict[str, dict] = {}
    every_label: list[int] = []
    every_score: list[float] = []
    for genre in sorted({h.genre for h in texts}):
        humans = [h.text for h in texts if h.genre == genre and h.label == 0]
        ais = [h.text for h in texts if h.genre == genre and h.label == 1]
        labels, scores, verdicts = [], [], Counter()
        for human in humans:
            text, spans = mix_documents(human, rng.choice(ais), rng)
            detection = detector.detect(text)
            verdicts[detection.verdict] += 1
            for sentence in detection.sentences:
                label = next((lab for start, end, lab in spans if start <= sentence.start < end), None)
                if sentence.ai_probability is not None and label is not None:
                    labels.append(label)
                    scores.append(sentence.ai_probability)
        y, s = np.array(labels), np.array(scores)
        out[genre] = {"documents": len(humans), "human": int((y == 0).sum()), "ai": int((y == 1).sum()),
                      "auroc": auroc(y, s), "verdicts": dict(verdicts.most_common())}
        every_label += labels
        every_score += scores
    y, s = np.array(every_label), np.array(every_score)
    out["all"] = {"documents": sum(v["documents"] for v in out.values()), "human": int((y == 0).sum()),
                  "ai": int((y == 1).sum()), "auroc": auroc(y, s), "verdicts": {}}
    return out


def _drop(results: dict[str, dict], name: str) -> float:
    return results["clean"]["auroc"] - results[name]["auroc"]


def run(ctx: Context) -> Section:
    section = Section("attacks", "Robustness: edits people make, and mixed documents", data_files=KATFISH_FILES)
    texts = katfish_test_set()
    # Texts per (genre, side): every one in a full run of fast mode; deep mode pays an LM pass per edited text.
    caps = {"fast": 15 if ctx.settings.quick else None, "deep": ctx.settings.deep_per_group}
    attacks = {"fast": list(ATTACKS), "deep": list(DEEP_ATTACKS)}
    chosen, results = {}, {}
    for mode in ctx.modes():
        detector = ctx.detector(mode)
        section.models.append(ctx.model_versions[mode])
        chosen[mode] = cap_per_group(texts, caps[mode], key=lambda h: (h.genre, h.label))
        results[mode] = attack_table(detector, chosen[mode], attacks[mode], f"attacks {mode}")
    deep_reason = ctx.deep_reason()

    section.blocks.append(
        "Every attack edits every text, human and AI alike (people edit their own writing too), with seed "
        f"{SEED}; texts: the KatFish seed-42 test splits, which no shipped model trained on. AUROC drop = clean "
        "AUROC minus attacked AUROC (×100, lower is better); FPR and TPR at the shipped low-fpr threshold. "
        "Rated = texts given a probability (the others were too short after the edit). Reproduce one row with "
        "`kodetect eval FILE --attack NAME --seed 0` on these texts (`python bench/report/katfish_unseen.py FILE`).")
    for mode, rows in chosen.items():
        section.blocks.append(f"*{mode}*: {len(rows)} texts ({sum(h.label == 0 for h in rows)} human, "
                              f"{sum(h.label == 1 for h in rows)} AI)"
                              + (f", at most {caps[mode]} per genre and side." if caps[mode] else "."))
    if deep_reason:
        section.blocks.append(f"Deep mode not measured here: {deep_reason}.")

    header = ["attack", "what it does", "target (max drop)"]
    for mode in results:
        header += [f"AUROC {mode}", f"drop {mode}", f"TPR@1%FPR {mode}", f"FPR low-fpr {mode}", f"rated {mode}"]
    rows = []
    for name in ["clean", *ATTACKS]:
        row = [name, DESCRIPTIONS.get(name, "the texts as written"),
               f"{TARGETS[name]:.0f}" if name in TARGETS else "–"]
        for result in results.values():
            if name in result:
                r = result[name]
                row += [fmt(r["auroc"]), f"{100 * _drop(result, name):.2f}", fmt(r["tpr_at_1pct_fpr"], digits=1),
                        fmt(r["fpr"], digits=1), r["rated"]]
            else:
                row += ["–"] * 5
        rows.append(row)
    section.blocks.append(table(header, rows))
    missed = [f"{name} ({mode}: {100 * _drop(result, name):.2f})" for mode, result in results.items()
              for name in result if name in TARGETS and 100 * _drop(result, name) > TARGETS[name]]
    section.blocks.append("Attacks over their target: " + (", ".join(missed) if missed else "none") + ".")

    if "fast" in results:
        mixed = mixed_documents(ctx.detector("fast"), chosen["fast"])
        section.blocks.append(
            "**Mixed documents** (fast mode): each human text above interleaved, one or two paragraphs at a time, "
            "with an AI text of its genre; each sentence is labelled by the paragraph it starts in. Sentence-level "
            "AUROC of the sentence probabilities says how well the sentence scores locate the AI paragraphs.")
        section.blocks.append(table(
            ["genre", "mixed documents", "sentences human / AI", "sentence AUROC", "document verdicts"],
            [[g, m["documents"], f"{m['human']} / {m['ai']}", fmt(m["auroc"]),
              ", ".join(f"{v} {n}" for v, n in m["verdicts"].items()) or "–"] for g, m in mixed.items()]))
        section.facts["mixed_sentence_auroc"] = mixed["all"]["auroc"]
    section.facts["drops"] = {mode: {name: _drop(result, name) for name in result if name != "clean"}
                              for mode, result in results.items()}
    return section
