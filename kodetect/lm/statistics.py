"""Per-token statistics from one causal-LM forward pass, and the zero-shot scores built on them.

Pure numpy, independent of how the logits were produced, so deep mode's backends (llama.cpp,
torch, a Hugging Face model) all feed the same code. A 262k-word vocabulary makes one row of
logits 1 MB in float32, so statistics are computed a block of rows at a time and only five numbers
per token are kept: never all logits of a long text at once.

Scores (higher = more AI-like unless stated):
* mean log-likelihood: LLM text is more predictable under another LM.
* mean entropy (lower for LLM text): the model is surer what comes next.
* log-rank (lower for LLM text): observed tokens sit nearer the top of the distribution.
* LRR, log-likelihood / log-rank ratio (Su et al. 2023).
* Fast-DetectGPT's analytic criterion (Bao et al. 2024), with the scoring model as its own
  sampling model: (Σ log p(x_t) − Σ E[log p]) / √Σ Var[log p].
* Binoculars (Hans et al. 2024): log-perplexity under an observer divided by the cross-perplexity
  between a performer's and the observer's next-token distributions (lower = more AI-like).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# Rows of logits processed at once: 64 x 262,144 x 4 bytes = 64 MiB of float32 work space.
ROW_BLOCK = 64


@dataclass(frozen=True)
class TokenStats:
    """Statistics of each predicted token (one entry per scored position)."""

    logprob: np.ndarray  # log p(x_t | x_<t)
    entropy: np.ndarray  # H(p_t) = −Σ_v p log p; note E_{v~p}[log p(v)] = −H(p_t)
    rank: np.ndarray  # 1-based rank of x_t in p_t (1 = the most likely token)
    logprob_variance: np.ndarray  # Var_{v~p}[log p(v)]

    @property
    def expected_logprob(self) -> np.ndarray:
        return -self.entropy

    def __len__(self) -> int:
        return len(self.logprob)

    @staticmethod
    def concatenate(parts: Sequence[TokenStats]) -> TokenStats:
        return TokenStats(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                            ("logprob", "entropy", "rank", "logprob_variance")))


def _log_softmax(block: np.ndarray) -> np.ndarray:
    block = block.astype(np.float64, copy=False)
    shifted = block - block.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def token_stats(logits: np.ndarray, targets: np.ndarray) -> TokenStats:
    """Statistics of `targets[t]` under the distribution `logits[t]` (shape T x V), block by block."""
    logits = np.asarray(logits)
    targets = np.asarray(targets, dtype=np.int64)
    if logits.ndim != 2 or logits.shape[0] != targets.shape[0]:
        raise ValueError(f"logits {logits.shape} and targets {targets.shape} do not match")
    n = len(targets)
    logprob, entropy, variance = np.empty(n), np.empty(n), np.empty(n)
    rank = np.empty(n, dtype=np.int64)
    for lo in range(0, n, ROW_BLOCK):
        hi = min(lo + ROW_BLOCK, n)
        logp = _log_softmax(logits[lo:hi])
        p = np.exp(logp)
        observed = logp[np.arange(hi - lo), targets[lo:hi]]
        mean = (p * logp).sum(axis=1)
        logprob[lo:hi] = observed
        entropy[lo:hi] = -mean
        variance[lo:hi] = np.maximum((p * logp**2).sum(axis=1) - mean**2, 0.0)
        rank[lo:hi] = (logp > observed[:, None]).sum(axis=1) + 1
    return TokenStats(logprob, entropy, rank, variance)


def cross_entropy(observer_logits: np.ndarray, performer_logits: np.ndarray) -> np.ndarray:
    """Per position: −Σ_v p_performer(v) log p_observer(v), Binoculars' cross-perplexity term."""
    if observer_logits.shape != performer_logits.shape:
        raise ValueError("observer and performer logits must share shape (and so the tokenizer)")
    n = observer_logits.shape[0]
    out = np.empty(n)
    for lo in range(0, n, ROW_BLOCK):
        hi = min(lo + ROW_BLOCK, n)
        out[lo:hi] = -(np.exp(_log_softmax(performer_logits[lo:hi])) * _log_softmax(observer_logits[lo:hi])).sum(1)
    return out


# --- document scores -------------------------------------------------------------------------

def mean_log_likelihood(stats: TokenStats) -> float:
    return float(stats.logprob.mean())


def mean_entropy(stats: TokenStats) -> float:
    return float(stats.entropy.mean())


def mean_log_rank(stats: TokenStats) -> float:
    return float(np.log(stats.rank).mean())


def log_likelihood_log_rank_ratio(stats: TokenStats) -> float:
    """LRR = −mean log p / mean log rank; larger for LLM text. Undefined (inf) if every rank is 1."""
    log_rank = mean_log_rank(stats)
    return math.inf if log_rank == 0 else float(-stats.logprob.mean() / log_rank)


def fast_detectgpt(stats: TokenStats) -> float:
    """Analytic Fast-DetectGPT criterion: how far the text's log-likelihood sits above its expectation."""
    spread = math.sqrt(float(stats.logprob_variance.sum()))
    gap = float(stats.logprob.sum() - stats.expected_logprob.sum())
    return gap / spread if spread > 0 else 0.0


def binoculars(observer: TokenStats, cross_entropies: np.ndarray) -> float:
    """Observer log-perplexity over observer/performer cross-perplexity; lower means more AI-like."""
    cross = float(np.mean(cross_entropies))
    return float(-observer.logprob.mean() / cross) if cross > 0 else math.inf


ZERO_SHOT_SCORES = {
    "lm_mean_log_likelihood": mean_log_likelihood,
    "lm_mean_entropy": mean_entropy,
    "lm_mean_log_rank": mean_log_rank,
    "lm_log_rank_ratio": log_likelihood_log_rank_ratio,
    "lm_fast_detectgpt": fast_detectgpt,
}


def zero_shot_scores(stats: TokenStats) -> dict[str, float]:
    return {name: function(stats) for name, function in ZERO_SHOT_SCORES.items()}


# --- long texts and sentences ----------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """Tokens [start, end) go through the model; positions from `score_from` on are kept."""

    start: int
    end: int
    score_from: int


def sliding_windows(n_tokens: int, max_tokens: int, overlap: int) -> Iterator[Window]:
    """Windows that score every token exactly once, each with up to `overlap` tokens of context."""
    if max_tokens <= overlap:
        raise ValueError("max_tokens must exceed overlap")
    if n_tokens <= max_tokens:
        yield Window(0, n_tokens, 0)
        return
    score_from = 0
    while score_from < n_tokens:
        start = max(0, score_from - overlap)
        end = min(n_tokens, start + max_tokens)
        yield Window(start, end, score_from)
        score_from = end


def mean_by_span(values: np.ndarray, token_starts: np.ndarray, spans: Sequence[tuple[int, int]]) -> list[float | None]:
    """Mean of per-token values over tokens starting inside each character span (None if none do)."""
    token_starts = np.asarray(token_starts)
    out: list[float | None] = []
    for start, end in spans:
        mask = (token_starts >= start) & (token_starts < end)
        out.append(float(values[mask].mean()) if mask.any() else None)
    return out
