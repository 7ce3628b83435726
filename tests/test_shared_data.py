"""Tests on the real data in ../shared/data; they skip with a reason where that folder is absent."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kodetect import Detector
from kodetect.eval.data import data_dir, load_katfish, load_katfish_splits
from kodetect.eval.metrics import auroc

DATA = data_dir()
pytestmark = pytest.mark.skipif(DATA is None, reason="../shared/data is absent (set KODETECT_DATA_DIR to use it)")


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def test_unseen_katfish_essays_are_separated(detector):
    """Seed-42 essay test split: Solar texts and reserved humans, never seen in training."""
    rows = {r["id"]: r for r in load_katfish("essay")}
    ids = load_katfish_splits()["essay"]["42"]["test_solar"]
    labels = np.array([rows[i]["label"] for i in ids])
    scores = np.array(list(detector.score(rows[i]["text"] for i in ids)), dtype=float)
    assert not np.isnan(scores).any()
    assert auroc(labels, scores) > 0.95


def test_eval_command_on_real_rows(tmp_path):
    report = tmp_path / "report.md"
    out = tmp_path / "result.json"
    command = [sys.executable, "-m", "kodetect", "eval", str(DATA / "katfish" / "poetry.jsonl"),
               "--limit", "60", "--report", str(report), "--json", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "AUROC" in report.read_text("utf-8")
    result = json.loads(out.read_text("utf-8"))
    assert result["model"]["name"] == "kodetect-fast"


@pytest.mark.slow
def test_training_is_reproducible(tmp_path, monkeypatch):
    """`kodetect train` twice, each with an empty feature cache, gives the same artifact."""
    from kodetect.model.artifact import ModelArtifact
    from kodetect.training.train import train

    models = []
    for run in ("a", "b"):
        monkeypatch.setenv("KODETECT_CACHE_DIR", str(tmp_path / f"cache-{run}"))
        models.append(train(DATA, tmp_path / run / "fast"))
    first, second = (ModelArtifact.load(tmp_path / run / "fast") for run in ("a", "b"))
    assert models[0].version == models[1].version == first.version == second.version
    np.testing.assert_array_equal(first.fusion.coef, second.fusion.coef)
    assert first.thresholds == second.thresholds
