"""A small random attribution model for tests that need one without training."""

from __future__ import annotations

import numpy as np

from kodetect.attribution.features import VIEWS, WIDTH
from kodetect.attribution.model import AttributionModel, ViewHead


def fake_model(families=("gpt", "claude", "other"), cut: float = 0.4, seed: int = 0) -> AttributionModel:
    rng = np.random.default_rng(seed)
    heads = {v: ViewHead(rng.uniform(1, 5, WIDTH).astype(np.float32),
                         rng.normal(0, 1, (WIDTH, len(families))).astype(np.float32)) for v in VIEWS}
    return AttributionModel(list(families), heads, rng.normal(0, 0.1, len(families)), 2.0, cut,
                            {"name": "fake", "version": "0+fake"})
