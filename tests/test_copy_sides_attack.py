"""The pure parts of the copies-against-the-attack experiment (bench/experiments/copy_sides_attack.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.copy_sides_attack import configurations, readings  # noqa: E402


def test_configurations_name_the_sides_then_the_fusion_weights():
    assert configurations("both,ai", "0.25/1") == [
        ("both", (0, 1), (1.0, 1.0)),
        ("ai", (1,), (1.0, 1.0)),
        ("both, fusion weights 0.25 / 1", (0, 1), (0.25, 1.0)),
    ]


def test_readings_count_people_pushed_over_the_clean_cut():
    y = np.array([0] * 100 + [1] * 100)
    clean = np.concatenate([np.arange(100) / 100, 2 + np.arange(100) / 100])
    attacked = clean.copy()
    attacked[:10] += 1.5  # the edit moves ten people's texts over the clean cut, still under every AI text
    numbers = readings(y, clean, attacked)
    assert numbers["AUROC clean"] == 100 and numbers["drop"] == 0
    # The clean cut calls 1% of the clean human texts AI (the 0.99 one); after the edit, those ten as well.
    assert numbers["human over clean cut"] == 11
    assert numbers["AI over clean cut"] == 100
    assert numbers["TPR@1%FPR attacked"] == 100  # the ranking still separates them
