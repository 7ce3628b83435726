"""The attribution section of the benchmark report: its figure, from synthetic numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `bench` is a folder of the repository, not an installed package

pytest.importorskip("matplotlib", reason="figures need matplotlib (pip install -e '.[bench]')")

from bench.report.attribution import confusion_figure  # noqa: E402


def test_confusion_figure_draws_a_png(tmp_path: Path) -> None:
    confusion = np.array([[8, 2, 0], [1, 5, 4], [0, 0, 0]])  # a family with no texts must not divide by zero
    path = confusion_figure(tmp_path / "c.png", confusion, ["GPT", "Claude", "other"], "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
