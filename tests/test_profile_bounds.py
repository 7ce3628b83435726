"""The arithmetic of a profile's promise: Clopper-Pearson bounds checked against scipy's exact binomial,
the number of texts a promise needs, and the promise's coverage when the cut is chosen on the texts."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom, binomtest

from kodetect.profiles.bounds import (
    allowed_false_positives,
    fpr_upper_bound,
    percent_at_most,
    promise,
    texts_needed,
    wilson_interval,
)
from kodetect.profiles.fit import fit_thresholds


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 120), (0, 299), (1, 473), (3, 50), (6, 1_200), (40, 5_000)])
def test_bound_is_where_the_exact_binomial_tail_is_five_percent(k, n):
    bound = fpr_upper_bound(k, n)
    # Clopper-Pearson's defining property: seeing k or fewer of n has probability 5% at the bound.
    assert binom.cdf(k, n, bound) == pytest.approx(0.05, abs=1e-9)
    # and scipy's own exact one-sided interval agrees.
    assert bound == pytest.approx(binomtest(k, n, alternative="less").proportion_ci(0.95, "exact").high, abs=1e-12)


@given(n=st.integers(1, 3_000), data=st.data())
def test_bound_matches_scipy_exact_interval_everywhere(n, data):
    k = data.draw(st.integers(0, n - 1))
    expected = binomtest(k, n, alternative="less").proportion_ci(0.95, "exact").high
    assert fpr_upper_bound(k, n) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert fpr_upper_bound(k, n) >= k / n


def test_bound_with_none_called_ai_has_a_closed_form():
    for n in (1, 10, 120, 299, 1_000):
        assert fpr_upper_bound(0, n) == pytest.approx(1 - 0.05 ** (1 / n), rel=1e-12)
    assert fpr_upper_bound(5, 5) == 1.0 and fpr_upper_bound(0, 0) == 1.0


def test_texts_needed_for_a_one_percent_promise():
    assert texts_needed(0.01) == 299  # the rule of three, exactly
    for target in (0.01, 0.02, 0.05):
        for k in range(4):
            n = texts_needed(target, k)
            assert fpr_upper_bound(k, n) <= target < fpr_upper_bound(k, n - 1)


def test_allowed_false_positives_is_the_largest_k_that_keeps_the_promise():
    for n in (299, 473, 1_200, 10_000):
        k = allowed_false_positives(n, 0.01)
        assert k is not None
        assert fpr_upper_bound(k, n) <= 0.01 < fpr_upper_bound(k + 1, n)
    assert allowed_false_positives(298, 0.01) is None  # too few texts: even none called AI promises more than 1%
    assert allowed_false_positives(0, 0.01) is None


def test_promise_in_words_never_understates_the_bound():
    assert promise(0, 120, fpr_upper_bound(0, 120)) == "with 120 texts and none called AI, at most 2.5%"
    assert promise(6, 1_200, fpr_upper_bound(6, 1_200)).startswith("with 1,200 texts and 6 called AI, at most ")
    assert percent_at_most(0.00997) == "1%" and percent_at_most(0.01) == "1%" and percent_at_most(0.0101) == "1.1%"


@given(st.floats(0, 1))
def test_percent_at_most_rounds_up(rate):
    # Up to float noise: rate * 1000 is rounded to 6 decimals first, so 0.01 is "1%", not "1.1%".
    assert float(percent_at_most(rate).rstrip("%")) / 100 >= rate - 1e-9


def test_wilson_interval_matches_the_formula():
    low, high = wilson_interval(87, 100)
    z, p, n = 1.959963984540054, 0.87, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (low, high) == pytest.approx((centre - half, centre + half))


@pytest.mark.parametrize("n", [150, 600])
def test_the_promise_holds_for_a_cut_chosen_on_the_same_texts(n):
    """Simulated genres: fit on n human texts, measure the true rate above the cut. The true rate should
    exceed the promised bound in at most 5% of fits (order statistics make it exactly 5% at most)."""
    rng = np.random.default_rng(7)
    fits, broken = 2_000, 0
    for _ in range(fits):
        scores = rng.uniform(size=n)  # uniform: the true rate at or above a cut c is 1 - c
        fit = fit_thresholds(scores, 0.01)
        broken += (1 - fit.thresholds.ai) > fit.fpr_bound
    assert broken / fits <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / fits)
