"""What a number of known-human texts lets a profile promise about its false-positive rate.

The promise is the exact one-sided upper confidence bound of Clopper and Pearson: with `k` of `n`
human texts at or above the AI cut, the rate at which texts like them are called AI is at most
`fpr_upper_bound(k, n)`, with 95% confidence. It is the `p` at which seeing `k` or fewer in `n` has
probability 5%: `binom.cdf(k, n, p) == 0.05`, i.e. the 95% quantile of Beta(k + 1, n - k).

It also holds for a cut chosen on the same texts, as a profile's is: the cut sits just above the
(k + 1)-th highest human score, and the share of a genre above its (k + 1)-th highest of n draws is
distributed as Beta(k + 1, n - k) whatever the scores' distribution (order statistics), so the true
rate exceeds the bound with probability exactly 5%. What it needs is that the texts are a fair sample
of the writing the profile will judge: many texts of one author, or texts picked because they scored
low, make the promise wrong.

With 0 of n called AI the bound is 1 - 0.05^(1/n): 299 texts promise 1%, 120 texts promise 2.5%.
"""

from __future__ import annotations

import math

import numpy as np

CONFIDENCE = 0.95


def _check(k: int, n: int) -> None:
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got {k} of {n}")


def fpr_upper_bound(k: int, n: int, confidence: float = CONFIDENCE) -> float:
    """Clopper-Pearson one-sided upper bound on a rate seen as `k` of `n` (1.0 when n is 0)."""
    _check(k, n)
    if n == 0 or k == n:
        return 1.0
    from scipy.stats import beta  # here, not at the top: scipy.stats takes a second to import, and
    # the detector (which loads profiles) must start fast

    return float(beta.ppf(confidence, k + 1, n - k))


def allowed_false_positives(n: int, target: float, confidence: float = CONFIDENCE) -> int | None:
    """The most of `n` human texts that may be called AI while the bound stays at or under `target`;
    None when even none called AI cannot promise it (too few texts)."""
    if not 0 < target < 1:
        raise ValueError(f"target must lie between 0 and 1, got {target}")
    if n == 0:
        return None
    from scipy.stats import beta

    # The bound is at least k / n, so no k above target * n can pass; it grows with k.
    ks = np.arange(0, min(n, math.floor(target * n)) + 1)
    bounds = beta.ppf(confidence, ks + 1, n - ks)
    passing = np.flatnonzero(bounds <= target)
    return int(passing[-1]) if len(passing) and passing[0] == 0 else None


def texts_needed(target: float, false_positives: int = 0, confidence: float = CONFIDENCE) -> int:
    """The fewest human texts with which `false_positives` of them called AI still promise `target`."""
    if not 0 < target < 1:
        raise ValueError(f"target must lie between 0 and 1, got {target}")
    k = false_positives
    if k == 0:
        # Closed form, 1 - (1 - confidence)^(1/n) <= target; the float is checked against the exact bound.
        guess = max(1, math.ceil(math.log(1 - confidence) / math.log(1 - target)) - 1)
        return next(n for n in range(guess, guess + 3) if fpr_upper_bound(0, n, confidence) <= target)
    low, high = k + 1, max(k + 2, 2 * math.ceil(k / target))
    while fpr_upper_bound(k, high, confidence) > target:
        low, high = high, 2 * high
    while low < high:  # the bound falls as n grows (k fixed): the first n that passes
        middle = (low + high) // 2
        if fpr_upper_bound(k, middle, confidence) <= target:
            high = middle
        else:
            low = middle + 1
    return low


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided Wilson score interval of a proportion, as the rest of kodetect reports recall."""
    _check(successes, n)
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import binomtest

    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def percent_at_most(rate: float) -> str:
    """A bound as a percentage rounded up to 0.1 points, never understating it: 0.0247 -> "2.5%",
    0.00997 -> "1%"."""
    tenths = math.ceil(round(rate * 1000, 6))
    text = f"{tenths / 10:.1f}".removesuffix(".0")
    return f"{text}%"


def promise(k: int, n: int, bound: float) -> str:
    """The promise in words: "with 120 texts and none called AI, at most 2.5%"."""
    called = "none" if k == 0 else f"{k:,}"
    return f"with {n:,} texts and {called} called AI, at most {percent_at_most(bound)}"
