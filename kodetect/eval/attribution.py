"""Evaluating family attribution honestly: prompt keys, prompt-grouped folds, leave-one-source-out, metrics.

Answers to one prompt by different models share its topic, its wording and often its layout, so a
classifier tested on a prompt it was trained on can recognise the question instead of the model.
Every split here is therefore by prompt, never by text: `prompt_key` names the prompt a row
answered, and no key ever sits on both sides of a split.

Pure functions of rows and predictions (no features, no I/O): a "fit" is any callable
`fit(train examples) -> predict(test examples) -> score matrix` (probabilities or margins, higher =
more likely), one column per label.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Length buckets of the report, in characters of the text as given.
LENGTH_BUCKETS: tuple[tuple[int, int], ...] = ((0, 200), (200, 500), (500, 1000), (1000, 10**9))

_LOGICKOR = re.compile(r"^logickor-.*-q(\d+)-t\d+$")
_KOMT = re.compile(r"^komt-.*-q(\d+)-c\d+-t\d+$")
_KOMG_EXP1 = re.compile(r"^komg-exp1-.*-(\d+)$")
_KOMG_EXP2 = re.compile(r"^komg-exp2-[^-]+-(train|valid|test)-(\d+)$")
_KOCHATGPT = re.compile(r"^kochatgpt-c(\d+)-t\d+$")
_DANAWA = re.compile(r"^danawa-(\d+)-c(\d+)-r\d+$")
_MT_BENCH_QUESTION = re.compile(r"-q(\d+)-t\d+")
_NUMBERED = re.compile(r"^(kgrammar|keval)-testset-(\d+)-\d+$")
_KUDGE = re.compile(r"^kudge-(?:pairwise|pointwise)-([a-z]+)-(\d+)$")


@dataclass(frozen=True)
class AttributionExample:
    """One AI text with what the protocols need to know about it."""

    id: str
    text: str
    generator: str
    family: str  # the classifier's label (after merging small families into "other")
    source: str  # the source group (repository, or KatFish genre)
    prompt: str  # prompt key: texts with the same key answer the same prompt
    genre: str


def prompt_key(row: dict) -> str:
    """The prompt a data row answered, as a key shared by every answer to the same prompt.

    * Korean MT-Bench questions 81-160 appear in four places: KoMT-Bench's GPT-4 reference answers
      (dev/), pnu-clink's answers (`komtbench-q..`) and its judges' verdicts on them (`judge-..-q..`),
      and simple-keval's ko-bench answers (`kobench-q..`, the same question numbers and wording).
      All four map to `mtbench-q<n>`, both turns together, so a question never straddles a split.
    * LogicKor: the question id of the row id (`logickor-<org>--<model>-<variant>-q<qid>-t<turn>`),
      every variant (default, 1-shot, cot-1-shot) and turn together.
    * simple-keval judge sets: the test item (`kgrammar-<n>`, `keval-<n>`); KUDGE: the item number,
      pairwise and pointwise judgments of one item together.
    * K-OMG: the index of the tweet the comment replies to (Experiment 1's files list the same
      tweets in the same order for every model and condition); KoChatGPT: the conversation.
    * KatFish: the essay topic, the abstract's paper title; poems carry no prompt, only the poet's
      age band that the generation matched, so that band is the key (coarse, hence conservative).
    * kwak-jk/Danawa reviews: the notebook cell (`c<n>`) that printed them.
    * Anything else: the row's own id (a text is then its own prompt).
    """
    row_id = str(row["id"])
    prompt = row.get("prompt_id")
    if prompt:
        prompt = str(prompt)
        if prompt.startswith(("komtbench-", "kobench-", "judge-")):
            match = _MT_BENCH_QUESTION.search(prompt)
            if match:
                return f"mtbench-q{int(match.group(1))}"
        if match := _NUMBERED.match(prompt):
            return f"{match.group(1)}-{int(match.group(2))}"
        if match := _KUDGE.match(prompt):
            return f"kudge-{match.group(1)}-{int(match.group(2))}"
        return prompt
    if match := _LOGICKOR.match(row_id):
        return f"logickor-q{int(match.group(1))}"
    if match := _KOMT.match(row_id):
        return f"mtbench-q{int(match.group(1))}"
    if match := _KOMG_EXP1.match(row_id):
        return f"komg-exp1-{int(match.group(1))}"
    if match := _KOMG_EXP2.match(row_id):
        return f"komg-exp2-{match.group(1)}-{int(match.group(2))}"
    if match := _KOCHATGPT.match(row_id):
        return f"kochatgpt-c{int(match.group(1))}"
    if match := _DANAWA.match(row_id):
        return f"danawa-{match.group(1)}-c{int(match.group(2))}"
    if row_id.startswith("katfish-essay-") and row.get("topic"):
        return f"katfish-essay-{row['topic']}"
    if row_id.startswith("katfish-abstract-") and row.get("title"):
        return f"katfish-abstract-{row['title']}"
    if row_id.startswith("katfish-poetry-") and row.get("author_age"):
        return f"katfish-poetry-{row['author_age']}"
    return row_id


def prompt_fold(prompt: str, k: int, seed: int = 0) -> int:
    """The fold (0..k-1) of a prompt key: a hash, so a prompt's fold never depends on what else is in the set."""
    digest = hashlib.sha256(f"{seed}\0{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % k


def prompt_folds(examples: Sequence[AttributionExample], k: int, seed: int = 0) -> np.ndarray:
    """Fold index of every example, by its prompt key."""
    return np.array([prompt_fold(e.prompt, k, seed) for e in examples], dtype=int)


Predict = Callable[[Sequence[AttributionExample]], np.ndarray]
Fit = Callable[[Sequence[AttributionExample]], Predict]


def leave_prompt_out(fit: Fit, examples: Sequence[AttributionExample], k: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold scores: each example is predicted by a fit that never saw its prompt.

    Returns one row per example, in order. The fit must return the same columns every time (the
    labels it was told about, not only those present in its training fold).
    """
    folds = prompt_folds(examples, k, seed)
    out: np.ndarray | None = None
    for fold in range(k):
        test = np.flatnonzero(folds == fold)
        if len(test) == 0:
            continue
        train = [examples[i] for i in np.flatnonzero(folds != fold)]
        probabilities = fit(train)([examples[i] for i in test])
        if out is None:
            out = np.full((len(examples), probabilities.shape[1]), np.nan)
        out[test] = probabilities
    if out is None:
        raise ValueError("no examples to predict")
    return out


@dataclass(frozen=True)
class SourceHeldOut:
    """Predictions for one source's texts by a fit trained without that source (nor its prompts)."""

    source: str
    indices: np.ndarray  # into the examples given to `leave_one_source_out`
    probabilities: np.ndarray  # the fit's scores, one row per index
    trained_families: frozenset[str]  # families the fit saw in other sources


def leave_one_source_out(fit: Fit, examples: Sequence[AttributionExample],
                         min_other_texts: int = 1) -> list[SourceHeldOut]:
    """Train without one source, and without every text of another source that answers one of its prompts.

    Without the second rule a family could be "recognised" in a new source through an answer to the
    same question in another source (e.g. MT-Bench question 81 is answered in three sources). Only
    sources with at least one text of a family that has `min_other_texts` examples elsewhere are run.
    """
    results: list[SourceHeldOut] = []
    for source in sorted({e.source for e in examples}):
        test = [i for i, e in enumerate(examples) if e.source == source]
        held_prompts = {examples[i].prompt for i in test}
        train = [e for e in examples if e.source != source and e.prompt not in held_prompts]
        counts: dict[str, int] = {}
        for e in train:
            counts[e.family] = counts.get(e.family, 0) + 1
        trained = frozenset(f for f, n in counts.items() if n >= min_other_texts)
        if not any(examples[i].family in trained for i in test):
            continue
        probabilities = fit(train)([examples[i] for i in test])
        results.append(SourceHeldOut(source, np.array(test, dtype=int), probabilities, trained))
    return results


# --- metrics ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyScore:
    family: str
    support: int  # texts of this family
    predicted: int  # texts predicted as this family
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class AttributionScores:
    n: int
    accuracy: float
    macro_f1: float
    balanced_accuracy: float  # mean recall over the families present
    families: list[FamilyScore]
    confusion: np.ndarray  # rows: true label, columns: predicted label (order of `labels`)
    labels: list[str]


def attribution_scores(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> AttributionScores:
    """Top-1 accuracy, macro-F1 over the families present in `true`, per-family scores, confusion matrix.

    Predictions outside `labels` (e.g. "unknown") count as wrong and fall outside the matrix.
    """
    labels = list(labels)
    index = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(true, predicted, strict=True):
        if p in index:
            confusion[index[t], index[p]] += 1
    n = len(true)
    correct = sum(t == p for t, p in zip(true, predicted, strict=True))
    families = []
    for label in labels:
        support = sum(t == label for t in true)
        if support == 0:
            continue
        tp = int(confusion[index[label], index[label]])
        predicted_n = int(confusion[:, index[label]].sum())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        families.append(FamilyScore(label, support, predicted_n, precision, recall, f1))
    macro_f1 = float(np.mean([f.f1 for f in families])) if families else float("nan")
    balanced = float(np.mean([f.recall for f in families])) if families else float("nan")
    return AttributionScores(n, correct / n if n else float("nan"), macro_f1, balanced, families, confusion, labels)


def length_bucket(text: str) -> tuple[int, int]:
    n = len(text)
    return next(b for b in LENGTH_BUCKETS if b[0] <= n < b[1])


def top1(probabilities: np.ndarray, labels: Sequence[str]) -> list[str]:
    return [labels[i] for i in np.argmax(probabilities, axis=1)]


def answered_at(probabilities: np.ndarray, cut: float) -> np.ndarray:
    """Which rows name a family at this cut (the others say "unknown")."""
    return probabilities.max(axis=1) >= cut


def choose_cut(probabilities: np.ndarray, correct: np.ndarray, min_precision: float,
               grid: Sequence[float] = tuple(np.round(np.arange(0.20, 0.96, 0.01), 2))) -> float:
    """The lowest cut on the top probability at which the families named are right `min_precision` of the time.

    Chosen on out-of-fold (held-out prompt) predictions; falls back to the grid's top when no cut
    reaches the precision.
    """
    top = probabilities.max(axis=1)
    for cut in grid:
        answered = top >= cut
        if answered.any() and correct[answered].mean() >= min_precision:
            return float(cut)
    return float(grid[-1])
