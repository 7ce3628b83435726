"""The pure parts of the fast-mode generalisation experiment (bench/experiments/generalize_choices.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.generalize_choices import VARIANTS, fusion_scores  # noqa: E402
from kodetect.training.fit import FUSION_C, FUSION_CLIP_QUANTILE, fit_fusion  # noqa: E402


def _problem(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(int)
    matrix = rng.standard_t(2, (n, 5)) + labels[:, None] * np.array([1.0, 0.5, 0.0, -0.5, 2.0])
    return matrix, labels


def test_the_shipped_variant_is_the_shipped_fusion():
    shipped = VARIANTS["shipped"]
    assert (shipped.fusion_c, shipped.clip_quantile) == (FUSION_C, FUSION_CLIP_QUANTILE)
    matrix, labels = _problem()
    test, _ = _problem(seed=1)
    test[0, 0] = 1e6  # far outside the training range
    for quantile in (0.0, FUSION_CLIP_QUANTILE):
        head = fit_fusion(matrix, labels, list("abcde"), clip_quantile=quantile)
        ours = fusion_scores(matrix, test, labels, None, FUSION_C, quantile)
        np.testing.assert_allclose(ours, head.raw(test), rtol=1e-6, atol=1e-9)


def test_fusion_only_variants_share_the_heads_of_the_shipped_recipe():
    shipped = VARIANTS["shipped"].head_key
    assert VARIANTS["no-clipping"].head_key == shipped
    assert VARIANTS["fusion-c-0.2"].head_key == shipped
    assert VARIANTS["ngram-c-1"].head_key != shipped


def test_the_char_4gram_head_reads_every_4_gram_in_buckets_of_its_own():
    from bench.experiments.generalize_choices import EXTRA_VIEWS
    from kodetect.features.ngrams import view_buckets

    source, buckets = EXTRA_VIEWS["char_4gram"]
    text = "한국어 문장입니다"
    fours = buckets(text)
    assert source == "char_ngram" and len(fours) == len(text) - 3
    assert not set(fours.tolist()) & set(view_buckets("char_ngram", text).tolist())
    assert VARIANTS["char-4gram-head"].views[-1] == "char_4gram"
