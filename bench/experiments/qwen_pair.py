"""Measure the Qwen2.5-Coder 0.5B/1.5B Binoculars pair, the candidate for an optional `--mode max`.

Scores KatFish texts with both models (about 12 s per 250-token text on 2 CPU cores; results are
cached, so an interrupted run resumes) and reports, on those texts:

- zero-shot AUROC (no training, oriented as in the literature) of the pair's scores next to Gemma 3
  270M's, as the report's cross-genre section scores zero-shot baselines: on every text of the
  `--genres`, and on a seeded sample of `--per-label` human and AI texts of the `--sampled` genres;
- on the `--genres`, the KatFish protocol (train split → unseen-generator test splits, every seed)
  for deep mode as shipped, for deep mode stacked with the pair's scores (a logistic regression over
  deep mode's out-of-fold log-odds and the pair's six scores, fitted on the train split only), and
  for the pair's scores alone.

    pip install -e '.[deep,pair]'
    python bench/experiments/qwen_pair.py --genres abstract --sampled poetry --out bench/results/qwen_pair.md

Result: bench/results/qwen_pair.md (summarised in the README's deep-mode section). Not made a mode: the
pair lifted deep mode on abstracts from 80.2 to 83.6 AUROC at about 30 s per page and 9.5 GB of memory.
The pair itself is `bench/experiments/binoculars_pair.py`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.experiments.binoculars_pair import PAIR_DIRECTION, PAIR_FEATURES, QWEN_OBSERVER, QWEN_PERFORMER  # noqa: E402
from bench.experiments.dev_choice import publish  # noqa: E402
from bench.report.katfish import TEST_NAMES, _genre_mean  # noqa: E402
from bench.report.markdown import mean_std, table  # noqa: E402
from bench.report.zero_shot import ZERO_SHOT_NAMES  # noqa: E402
from kodetect.eval.data import data_dir, load_katfish  # noqa: E402
from kodetect.eval.metrics import auroc, tpr_at_fpr  # noqa: E402
from kodetect.eval.protocols import (  # noqa: E402
    KATFISH_GENRES,
    KATFISH_SEEDS,
    KATFISH_TESTS,
    Recipe,
    Scorer,
    SplitScore,
    katfish_protocol,
)
from kodetect.text.normalize import normalize  # noqa: E402
from kodetect.training.cache import shared_cache  # noqa: E402
from kodetect.training.featurize import default_cache_dir  # noqa: E402


def cache_path() -> Path:
    return default_cache_dir() / f"pair-features-{QWEN_OBSERVER.sha256[:12]}-{QWEN_PERFORMER.sha256[:12]}.jsonl"


# The protocol looks every text up once per split; normalising it anew each time would dominate.
@lru_cache(maxsize=10_000)
def text_key(text: str) -> str:
    # The pair reads the normalised text, as deep mode's LM does.
    return hashlib.sha256(normalize(text).text.encode()).hexdigest()


def read_cache() -> dict[str, dict]:
    """Every cached entry by key (the file is read once; later calls read only what was appended)."""
    return shared_cache(cache_path(), "pair", lambda entry: entry).entries()


def score_missing(texts: Sequence[str], threads: int | None = None) -> dict[str, dict]:
    """Pair features of every text (scoring those not cached yet), keyed by `text_key`."""
    from bench.experiments.binoculars_pair import BinocularsPair, pair_features

    cache = read_cache()
    missing = {text_key(t): t for t in texts if text_key(t) not in cache}
    if missing:
        pair = BinocularsPair.packaged(threads=threads)
        cache_path().parent.mkdir(parents=True, exist_ok=True)
        with open(cache_path(), "a", encoding="utf-8") as out:
            for done, (key, text) in enumerate(missing.items(), 1):
                start = time.perf_counter()
                scored = pair.score(normalize(text).text)
                entry = {"k": key, "f": pair_features(scored), "tokens": len(scored),
                         "seconds": round(time.perf_counter() - start, 3)}
                out.write(json.dumps(entry) + "\n")
                out.flush()
                print(f"\r{done}/{len(missing)} texts scored", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return read_cache()


PAIR_NAMES = {
    "pair_binoculars": "Binoculars (0.5B observer, 1.5B performer)",
    "pair_binoculars_swapped": "Binoculars (roles swapped)",
    "pair_observer_log_likelihood": "0.5B log-likelihood",
    "pair_performer_log_likelihood": "1.5B log-likelihood",
    "pair_observer_fast_detectgpt": "0.5B Fast-DetectGPT",
    "pair_performer_fast_detectgpt": "1.5B Fast-DetectGPT",
}


def pair_matrix(texts: Sequence[str]) -> np.ndarray:
    cache = read_cache()
    return np.array([[cache[text_key(t)]["f"][name] for name in PAIR_FEATURES] for t in texts], dtype=float)


def pair_zero_shot(feature: str) -> Recipe:
    column, direction = PAIR_FEATURES.index(feature), PAIR_DIRECTION[feature]

    def fit(texts: Sequence[str], labels: np.ndarray) -> Scorer:
        return lambda test_texts: direction * pair_matrix(test_texts)[:, column]

    return fit


def pair_only_recipe(texts: Sequence[str], labels: np.ndarray) -> Scorer:
    """Logistic regression on the pair's six scores alone."""
    from kodetect.training.fit import fit_fusion

    head = fit_fusion(pair_matrix(texts), np.asarray(labels), list(PAIR_FEATURES))
    return lambda test_texts: head.raw(pair_matrix(test_texts))


def deep_with_pair_recipe(texts: Sequence[str], labels: np.ndarray, folds: int = 5) -> Scorer:
    """Deep mode as shipped, stacked with the pair: a logistic regression over deep mode's out-of-fold
    log-odds on the training texts and the pair's scores of the same texts."""
    from sklearn.model_selection import StratifiedKFold

    from kodetect.training.fit import fit_fusion
    from kodetect.training.recipe import deep_recipe

    texts, labels = list(texts), np.asarray(labels)
    deep = deep_recipe(texts, labels)
    out_of_fold = np.empty(len(texts))
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, labels):
        part = deep_recipe([texts[i] for i in train], labels[train])
        out_of_fold[held] = part([texts[i] for i in held])
    names = ["deep", *PAIR_FEATURES]
    head = fit_fusion(np.column_stack([out_of_fold, pair_matrix(texts)]), labels, names)
    return lambda test_texts: head.raw(np.column_stack([deep(test_texts), pair_matrix(test_texts)]))


def sample_rows(genre: str, per_label: int | None) -> list[dict]:
    """All rows of a genre, or `per_label` human and `per_label` AI rows drawn with a fixed seed."""
    rows = load_katfish(genre)
    if per_label is None:
        return rows
    rng = random.Random(0)
    return [row for label in (0, 1) for row in rng.sample([r for r in rows if r["label"] == label], per_label)]


def zero_shot_table(samples: dict[str, list[dict]]) -> str:
    """Each score alone on the texts of each genre, no training: the cross-genre section's zero-shot rows."""
    from kodetect.training.recipe import zero_shot_recipe

    recipes: dict[str, Recipe] = {
        **{f"Gemma 3 270M {name}": zero_shot_recipe(feature) for feature, name in ZERO_SHOT_NAMES.items()},
        **{f"Qwen pair: {name}": pair_zero_shot(feature) for feature, name in PAIR_NAMES.items()},
    }
    body = []
    for name, recipe in recipes.items():
        score = recipe([], np.array([]))  # a zero-shot score ignores its training texts
        cells = []
        for rows in samples.values():
            labels, scores = np.array([r["label"] for r in rows]), score([r["text"] for r in rows])
            cells.append(f"{auroc(labels, scores) * 100:.2f} / {tpr_at_fpr(labels, scores, 0.01) * 100:.1f}")
        body.append([name, *cells])
    return table(["score (no training)", *(f"{g}: AUROC / TPR@1%FPR" for g in samples)], body)


def protocol_table(genres: Sequence[str], seeds: Sequence[str]) -> str:
    from kodetect.training.recipe import deep_recipe, zero_shot_recipe

    recipes: dict[str, Recipe] = {
        "kodetect deep (as shipped)": deep_recipe,
        "kodetect deep + Qwen pair (stacked)": deep_with_pair_recipe,
        "Qwen pair scores alone (logistic regression)": pair_only_recipe,
        "zero-shot: Gemma 3 270M log-likelihood": zero_shot_recipe("lm_mean_log_likelihood"),
        "zero-shot: Gemma 3 270M Fast-DetectGPT": zero_shot_recipe("lm_fast_detectgpt"),
        **{f"zero-shot: Qwen pair {name}": pair_zero_shot(f) for f, name in PAIR_NAMES.items()},
    }
    body = []
    for name, recipe in recipes.items():
        start = time.perf_counter()
        results: list[SplitScore] = katfish_protocol(recipe, genres=genres, seeds=seeds)
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        cells = []
        for genre in genres:
            cells += [mean_std([r.auroc for r in results if (r.genre, r.test) == (genre, test)])
                      for test in KATFISH_TESTS]
            tpr = _genre_mean(results, genre, "tpr_at_1pct_fpr")
            cells.append(f"**{_genre_mean(results, genre, 'auroc')}** / {tpr}")
        body.append([name, *cells])
    header = [f"{g} {TEST_NAMES.get(t, t)}" for g in genres for t in (*KATFISH_TESTS, "mean")]
    return table(["method", *header], body)


def cost_lines(texts: Sequence[str]) -> list[str]:
    cache = read_cache()
    entries = [cache[text_key(t)] for t in texts]
    tokens = np.array([e["tokens"] for e in entries], dtype=float)
    seconds = np.array([e["seconds"] for e in entries], dtype=float)
    per_token = float(np.median(seconds / np.maximum(tokens, 1)))
    return [
        f"- Scored {len(entries)} texts, {int(tokens.sum()):,} tokens, in {seconds.sum() / 60:.1f} min: median "
        f"{np.median(seconds):.1f} s per text, {per_token * 1000:.1f} ms per token "
        f"(both models and the statistics), so about {per_token * 620:.0f} s for a 1,000-character page "
        "(~620 Qwen tokens).",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genres", nargs="+", default=["abstract"], choices=KATFISH_GENRES)
    parser.add_argument("--seeds", nargs="+", default=list(KATFISH_SEEDS))
    parser.add_argument("--sampled", nargs="*", default=[], choices=KATFISH_GENRES,
                        help="more genres, zero-shot only, on --per-label human and AI texts each")
    parser.add_argument("--per-label", type=int, default=50)
    parser.add_argument("--score-only", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if data_dir() is None:
        print("qwen_pair: the shared data folder is missing (set KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    samples = {genre: sample_rows(genre, None) for genre in args.genres}
    samples.update({genre: sample_rows(genre, args.per_label) for genre in args.sampled if genre not in samples})
    texts = [r["text"] for rows in samples.values() for r in rows]
    score_missing(texts)
    if args.score_only:
        return 0
    started = time.perf_counter()
    zero_shot = zero_shot_table(samples)
    protocol = protocol_table(args.genres, args.seeds)
    command = " ".join(["--genres", *args.genres, *(["--sampled", *args.sampled, "--per-label", str(args.per_label)]
                                                     if args.sampled else [])])
    lines = [
        "# The Qwen2.5-Coder 0.5B/1.5B Binoculars pair (candidate for an optional `--mode max`)",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/experiments/qwen_pair.py {command}` "
        f"({(time.perf_counter() - started) / 60:.1f} min after scoring). "
        "KatFish texts only; the pair's scores come from a cache filled by the same script.",
        "",
        "## Cost",
        "",
        *cost_lines(texts),
        "",
        "## Each score alone, no training",
        "",
        "On " + ", ".join(f"{genre}: {'all' if genre in args.genres else 'a seeded sample of'} "
                          f"{len(rows)} texts" for genre, rows in samples.items()) + ".",
        "",
        zero_shot,
        "",
        f"## KatFish protocol (train split → unseen generators), mean ± std over seeds {', '.join(args.seeds)}",
        "",
        "AUROC ×100 per unseen generator; the mean column is the mean over seeds of the three test sets' "
        "mean (AUROC / TPR at 1% FPR), as in the report's KatFish section. Qwen2 wrote one of the test sets, "
        "and the pair is Qwen2.5: a score from the same family may find that generator's text easier. "
        "The stacked row fits its logistic regression on the train split only: deep mode's 5-fold "
        "out-of-fold log-odds of the train texts and the pair's six scores of the same texts.",
        "",
        protocol,
        "",
    ]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
