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
    assert VARIANTS["fusion-copy-weight-0.25"].head_key == shipped
    assert VARIANTS["fusion-ai-copy-weight-0.25"].head_key == shipped
    assert VARIANTS["ngram-c-1"].head_key != shipped
    # Heads fitted with or without the edited copies, or with them lighter, are different fits.
    assert len({shipped, VARIANTS["no-copies"].head_key, VARIANTS["copy-weight-0.25"].head_key}) == 3


def test_the_char_4gram_head_reads_every_4_gram_in_buckets_of_its_own():
    from bench.experiments.generalize_choices import EXTRA_VIEWS
    from kodetect.features.ngrams import view_buckets

    source, buckets = EXTRA_VIEWS["char_4gram"]
    text = "한국어 문장입니다"
    fours = buckets(text)
    assert source == "char_ngram" and len(fours) == len(text) - 3
    assert not set(fours.tolist()) & set(view_buckets("char_ngram", text).tolist())
    assert VARIANTS["char-4gram-head"].views[-1] == "char_4gram"


def test_the_baseline_head_is_the_tfidf_baseline_model():
    from bench.experiments.generalize_choices import fit_vocabulary_head, vocabulary_counts
    from kodetect.eval.baselines import tfidf_baseline_recipe

    rng = np.random.default_rng(0)
    human = ["오늘은 날씨가 좋아서 친구랑 산책했어요", "밥 먹고 나니까 졸리네 ㅋㅋ", "이 식당 진짜 맛있어요 또 올게요"]
    ai = ["이 글에서는 날씨가 건강에 미치는 영향을 살펴보겠습니다.",
          "결론적으로, 식사 후 졸음은 자연스러운 현상입니다.",
          "다음과 같은 방법으로 문제를 해결할 수 있습니다."]
    train = [rng.choice(human if i % 2 else ai) + f" {i}" for i in range(40)]
    labels = np.array([0 if i % 2 else 1 for i in range(40)])
    test = ["날씨가 좋아서 산책했습니다.", "결론적으로 맛있어요 ㅋㅋ", "새로운 낱말만 있는 글"]
    counts, split = vocabulary_counts(train + test)
    ours = fit_vocabulary_head(counts[:40], labels, split).logits(counts[40:])
    np.testing.assert_allclose(ours, tfidf_baseline_recipe(train, labels)(test), rtol=1e-4, atol=1e-4)
    assert VARIANTS["baseline-head"].views[-1] == "baseline_vocabulary"


def test_the_per_source_table_lists_every_source_once_with_a_dash_where_a_variant_lacks_it():
    from bench.experiments.generalize_choices import _per_source_table

    table = _per_source_table({
        "shipped": {("a", "human", 120): (0.5, 1.0), ("b", "ai", 200): (40.0, 10.0)},
        "no-copies": {("b", "ai", 200): (55.25, 12.0)},
    })
    assert table[0] == "| held-out source | side | n | shipped | no-copies |"
    assert table[2:] == ["| b | ai | 200 | 40.0 / 10.0 | 55.2 / 12.0 |", "| a | human | 120 | 0.5 / 1.0 | – |"]


def _tiny_pools(groups: list[str], labels: list[int], n_train: int, copy_of: list[int]):
    import scipy.sparse as sp

    from bench.experiments.generalize_choices import Pools
    from kodetect.training.dataset import Example

    pairs = enumerate(zip(groups, labels, strict=True))
    examples = [Example(str(i), f"글 {i}", y, g, "genre", "") for i, (g, y) in pairs]
    rows = len(examples) + len(copy_of)
    return Pools(examples, n_train, np.zeros((rows, 1)), ["f"], {"char_ngram": sp.csr_matrix((rows, 4))},
                 np.array(copy_of, dtype=int), [e.text for e in examples] + [f"사본 {i}" for i in copy_of])


def test_a_training_text_is_contrasted_with_human_texts_of_other_sources_only(monkeypatch):
    import bench.experiments.generalize_choices as experiment

    # Training: rows 0-3 (sources a, a, b, c; row 3 is AI); validation: row 4 (source a); one copy of row 0 (row 5).
    pools = _tiny_pools(["a", "a", "b", "c", "a"], [0, 0, 0, 1, 0], 4, [0])
    # Every text the same genre: the nearest humans are decided by the exclusions alone.
    monkeypatch.setattr(experiment, "genre_embedding", lambda p, fit, rows, *sizes: np.ones((len(rows), 1)))
    rows, test = np.array([0, 1, 2, 3, 5]), np.array([4])
    style = np.array([[1.0], [3.0], [10.0], [7.0], [1.0]])
    heads = np.array([[0.0], [2.0], [4.0], [6.0], [8.0]])
    matrix = np.hstack([style, heads])
    test_matrix = np.array([[5.0, 1.0]])
    train, scored = experiment.neighbour_contrast(pools, rows, test, matrix, test_matrix, 1, "append", 1)
    # Rows 0, 1 and the copy of 0 (source a) can only reach b's human text; b's reaches a's (row 0 or 1: equally
    # near, k = 1); c's AI text any human's.
    np.testing.assert_allclose(train[[0, 1, 4], 2:], [[1 - 10, 0 - 4], [3 - 10, 2 - 4], [1 - 10, 8 - 4]])
    assert train[2, 2] in (10 - 1, 10 - 3) and train[3, 2] in (7 - 1, 7 - 3, 7 - 10)
    # A scored text of a trained source keeps its source's people as references: nearest of all three.
    assert scored[0, 2] in (5 - 1, 5 - 3, 5 - 10)
    np.testing.assert_allclose(train[:, :2], matrix)
    heads_only, _ = experiment.neighbour_contrast(pools, rows, test, matrix, test_matrix, 1, "heads", 1)
    np.testing.assert_allclose(heads_only[:, 2], train[:, 3])
    assert heads_only.shape[1] == 3


def test_the_genre_embedding_puts_texts_of_one_kind_nearer_each_other():
    import scipy.sparse as sp

    from bench.experiments.generalize_choices import Pools, genre_embedding
    from kodetect.features.ngrams import counts_matrix, view_buckets

    reviews = [f"이 영화 진짜 재밌어요 배우 연기 최고 {i}점" for i in range(40)]
    laws = [f"제{i}조 모든 국민은 법률이 정하는 바에 의하여 의무를 진다" for i in range(40)]
    texts = reviews + laws
    counts = counts_matrix(view_buckets("char_ngram", t) for t in texts)
    pools = Pools([], 0, np.zeros((len(texts), 1)), ["f"], {"char_ngram": sp.csr_matrix(counts)}, np.array([], int))
    vectors = genre_embedding(pools, np.arange(0, len(texts), 2), np.arange(len(texts)))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    similarity = vectors @ vectors.T
    assert similarity[1, 3] > similarity[1, 41] and similarity[41, 43] > similarity[41, 3]


def test_head_columns_are_kept_per_pools_and_settings():
    from bench.experiments.generalize_choices import _head_file

    one = _tiny_pools(["a", "b"], [0, 1], 2, [])
    same = _tiny_pools(["a", "b"], [0, 1], 2, [])
    other = _tiny_pools(["a", "b"], [1, 1], 2, [])
    key = (*VARIANTS["shipped"].head_key, "char_ngram", "a")
    assert _head_file(one, key) == _head_file(same, key)
    assert _head_file(one, key) != _head_file(other, key)
    assert _head_file(one, key) != _head_file(one, (*key[:-1], "b"))
