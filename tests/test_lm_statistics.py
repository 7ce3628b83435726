"""Per-token LM statistics and zero-shot scores against direct computations on small vocabularies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kodetect.lm import statistics as S


def _direct(logits: np.ndarray, targets: np.ndarray):
    """Row by row, the textbook way."""
    rows = []
    for row, target in zip(logits, targets, strict=True):
        p = np.exp(row - row.max())
        p /= p.sum()
        logp = np.log(p)
        rank = 1 + sum(1 for v in range(len(row)) if logp[v] > logp[target])
        mean = float((p * logp).sum())
        rows.append((logp[target], -mean, rank, float((p * (logp - mean) ** 2).sum())))
    return [np.array(c) for c in zip(*rows, strict=True)]


@pytest.fixture
def sample():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(150, 37)) * 3  # more rows than one block
    targets = rng.integers(0, 37, size=150)
    return logits, targets


def test_token_stats_match_direct_computation(sample, monkeypatch):
    monkeypatch.setattr(S, "ROW_BLOCK", 16)
    logits, targets = sample
    stats = S.token_stats(logits, targets)
    logprob, entropy, rank, variance = _direct(logits, targets)
    np.testing.assert_allclose(stats.logprob, logprob, rtol=1e-10)
    np.testing.assert_allclose(stats.entropy, entropy, rtol=1e-10)
    np.testing.assert_array_equal(stats.rank, rank)
    np.testing.assert_allclose(stats.logprob_variance, variance, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(stats.expected_logprob, -entropy)


def test_uniform_distribution_has_known_statistics():
    stats = S.token_stats(np.zeros((3, 8)), np.array([0, 3, 7]))
    np.testing.assert_allclose(stats.logprob, math.log(1 / 8))
    np.testing.assert_allclose(stats.entropy, math.log(8))
    np.testing.assert_allclose(stats.logprob_variance, 0.0, atol=1e-12)
    assert S.fast_detectgpt(stats) == 0.0  # no spread: the criterion is defined as 0


def test_scores_move_the_right_way_for_predictable_text():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(200, 50)) * 2
    top = logits.argmax(axis=1)
    sampled = rng.integers(0, 50, size=200)
    predictable, surprising = S.token_stats(logits, top), S.token_stats(logits, sampled)
    assert S.mean_log_likelihood(predictable) > S.mean_log_likelihood(surprising)
    assert S.mean_log_rank(predictable) == 0.0 < S.mean_log_rank(surprising)
    assert S.fast_detectgpt(predictable) > 0 > S.fast_detectgpt(surprising)
    assert S.log_likelihood_log_rank_ratio(predictable) == math.inf
    assert set(S.zero_shot_scores(surprising)) == set(S.ZERO_SHOT_SCORES)


def test_fast_detectgpt_formula(sample):
    logits, targets = sample
    stats = S.token_stats(logits, targets)
    expected = (stats.logprob.sum() - stats.expected_logprob.sum()) / math.sqrt(stats.logprob_variance.sum())
    assert S.fast_detectgpt(stats) == pytest.approx(expected)


def test_cross_entropy_and_binoculars(sample):
    logits, targets = sample
    performer = logits * 0.5 + 1.0
    cross = S.cross_entropy(logits, performer)
    p_perf = np.exp(performer - performer.max(1, keepdims=True))
    p_perf /= p_perf.sum(1, keepdims=True)
    log_obs = logits - logits.max(1, keepdims=True)
    log_obs -= np.log(np.exp(log_obs).sum(1, keepdims=True))
    np.testing.assert_allclose(cross, -(p_perf * log_obs).sum(1), rtol=1e-10)
    observer = S.token_stats(logits, targets)
    assert S.binoculars(observer, cross) == pytest.approx(-observer.logprob.mean() / cross.mean())
    with pytest.raises(ValueError):
        S.cross_entropy(logits, performer[:, :10])


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        S.token_stats(np.zeros((3, 5)), np.array([1, 2]))


@pytest.mark.parametrize("n_tokens,max_tokens,overlap", [(10, 16, 4), (100, 16, 4), (257, 64, 16), (64, 64, 8)])
def test_sliding_windows_score_every_token_once_with_context(n_tokens, max_tokens, overlap):
    windows = list(S.sliding_windows(n_tokens, max_tokens, overlap))
    scored = [t for w in windows for t in range(w.score_from, w.end)]
    assert scored == list(range(n_tokens))
    for w in windows:
        assert w.end - w.start <= max_tokens
        assert w.score_from - w.start == min(overlap, w.score_from)
    with pytest.raises(ValueError):
        list(S.sliding_windows(10, 4, 4))


def test_concatenated_windows_equal_one_pass(sample):
    logits, targets = sample
    whole = S.token_stats(logits, targets)
    halves = [S.token_stats(logits[:70], targets[:70]), S.token_stats(logits[70:], targets[70:])]
    parts = S.TokenStats.concatenate(halves)
    np.testing.assert_allclose(parts.logprob, whole.logprob)
    assert len(parts) == len(whole) == 150


def test_mean_by_span_assigns_tokens_to_sentences():
    values = np.array([1.0, 3.0, 5.0, 7.0])
    starts = np.array([0, 4, 10, 12])
    assert S.mean_by_span(values, starts, [(0, 9), (9, 20), (20, 30)]) == [2.0, 6.0, None]
