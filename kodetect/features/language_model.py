"""Deep mode's feature family: zero-shot language-model scores of a text or a run of sentences.

Each feature is a document score from `kodetect.lm.statistics` over the tokens of the run, so the
same numbers serve as zero-shot baselines on their own and as inputs to the fusion classifier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kodetect.lm.statistics import TokenStats, zero_shot_scores

LM_FEATURE_DESCRIPTIONS = {
    "lm_mean_log_likelihood": "language model: how predictable each word is (LLM text is more predictable)",
    "lm_mean_entropy": "language model: how uncertain the model is about the next word (lower for LLM text)",
    "lm_mean_log_rank": "language model: how near the top of the model's guesses each word sits",
    "lm_log_rank_ratio": "language model: log-likelihood to log-rank ratio (LRR)",
    "lm_fast_detectgpt": "language model: Fast-DetectGPT curvature, likelihood above what the model expects",
    "lm_log_likelihood_spread": "language model: how much word predictability varies (humans are burstier)",
}
LM_FEATURES = tuple(LM_FEATURE_DESCRIPTIONS)
# Orientation for zero-shot use, fixed from the literature (not fitted): +1 means higher = more AI-like.
ZERO_SHOT_DIRECTION = {
    "lm_mean_log_likelihood": 1.0,
    "lm_mean_entropy": -1.0,
    "lm_mean_log_rank": -1.0,
    "lm_log_rank_ratio": 1.0,
    "lm_fast_detectgpt": 1.0,
}
# Runs with fewer scored tokens than this fall back to the whole text's values.
MIN_RUN_TOKENS = 4


def lm_features(stats: TokenStats) -> dict[str, float]:
    if len(stats) == 0:
        return dict.fromkeys(LM_FEATURES, 0.0)
    features = zero_shot_scores(stats)
    features["lm_log_likelihood_spread"] = float(stats.logprob.std())
    if not np.isfinite(features["lm_log_rank_ratio"]):
        features["lm_log_rank_ratio"] = float(-stats.logprob.mean() / 1e-3)
    return {name: float(features[name]) for name in LM_FEATURES}


def subset(stats: TokenStats, mask: np.ndarray) -> TokenStats:
    return TokenStats(stats.logprob[mask], stats.entropy[mask], stats.rank[mask], stats.logprob_variance[mask])


def lm_features_by_span(
    stats: TokenStats, token_starts: np.ndarray, spans: Sequence[tuple[int, int]]
) -> list[dict[str, float]]:
    """Features of the tokens that start inside each character span; short spans get the text's own."""
    whole = lm_features(stats)
    out = []
    for start, end in spans:
        mask = (token_starts >= start) & (token_starts < end)
        out.append(lm_features(subset(stats, mask)) if mask.sum() >= MIN_RUN_TOKENS else whole)
    return out
