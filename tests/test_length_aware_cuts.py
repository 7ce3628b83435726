"""The pure parts of the length-aware cut experiment (bench/experiments/length_aware_cuts.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.length_aware_cuts import (  # noqa: E402
    hangul_counts,
    long_band_cut,
    read_rule,
    summary_row,
)
from kodetect.eval.protocols import SourceHoldout  # noqa: E402


def test_hangul_counts_count_syllables_only():
    assert hangul_counts(["한국어 text 123", "", "ㅋㅋ 가"]).tolist() == [3, 0, 1]


def test_long_band_cut_keeps_every_qualifying_human_source_at_one_percent_of_its_long_texts():
    rng = np.random.default_rng(0)
    p = rng.random(600)
    labels = np.zeros(600, dtype=int)
    groups = np.array(["a"] * 300 + ["b"] * 300)
    is_long = np.zeros(600, dtype=bool)
    is_long[:200] = True  # only source a has long texts
    cut = long_band_cut(p, labels, groups, is_long, shipped_cut=0.999, min_n=20)
    assert cut <= 0.999
    assert np.mean(p[is_long] >= cut) <= 0.01
    # a source with too few long texts sets nothing: the shipped cut stays
    assert long_band_cut(p, labels, groups, is_long, shipped_cut=0.5, min_n=500) == 0.5
    # never above the shipped cut
    assert long_band_cut(p, labels, groups, is_long, shipped_cut=0.2, min_n=20) == 0.2


class _Example(NamedTuple):
    text: str
    label: int
    group: str


def test_read_rule_reads_every_large_source_with_its_long_texts():
    rng = np.random.default_rng(1)
    examples, scores = [], []
    for group, label, centre in (("h1", 0, -2.0), ("h2", 0, -1.5), ("a1", 1, 2.0), ("a2", 1, 1.5)):
        for i in range(150):
            examples.append(_Example("가" * (60 if i % 2 else 400), label, group))
            scores.append(centre + rng.normal())
    holdout = SourceHoldout(examples, np.array(scores), np.zeros(len(examples), dtype=bool), {})
    hangul = hangul_counts([e.text for e in examples])
    for rule in ("shipped", "length-slope", "long-band"):
        readings = read_rule(holdout, hangul, rule, long_from=300, min_n=20, uncertain_share=0.15)
        assert {(r.source, r.side) for r in readings} == {("h1", "human"), ("h2", "human"), ("a1", "ai"), ("a2", "ai")}
        assert all(r.n == 150 and r.n_long == 75 for r in readings)
        assert all(0 <= r.long_called_ai <= r.called_ai <= r.n for r in readings)
        row = summary_row(rule, readings)
        assert row.startswith(f"| {rule} | ") and row.count("|") == 9
