import math

import numpy as np
import pytest

from kodetect.eval.metrics import (
    auroc,
    expected_calibration_error,
    fpr_at_threshold,
    reliability_bins,
    threshold_at_fpr,
    tpr_at_fpr,
    tpr_at_threshold,
)

# Humans [.1, .2, .3, .9], AI [.9, .8, .5, .05]: one AI text ties the top human score.
Y = [0, 0, 0, 0, 1, 1, 1, 1]
S = [0.1, 0.2, 0.3, 0.9, 0.9, 0.8, 0.5, 0.05]


def above(x: float) -> float:
    return float(np.nextafter(x, np.inf))


class TestAuroc:
    def test_perfect_and_reversed(self):
        assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
        assert auroc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0

    def test_ties_count_half(self):
        # Pairs (human, AI): (.5,.5)=.5, (.5,.9)=1, (.1,.5)=1, (.1,.9)=1 -> 3.5/4.
        assert auroc([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9]) == pytest.approx(0.875)

    def test_all_same_scores(self):
        assert auroc([0, 1, 0, 1], [0.5] * 4) == 0.5

    def test_one_class_is_nan(self):
        assert math.isnan(auroc([1, 1, 1], [0.1, 0.5, 0.9]))
        assert math.isnan(auroc([0, 0], [0.1, 0.5]))

    def test_rejects_bad_input(self):
        with pytest.raises(ValueError):
            auroc([0, 1], [0.5])
        with pytest.raises(ValueError):
            auroc([0, 2], [0.5, 0.6])


class TestThresholdAtFpr:
    HUMAN = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]

    def test_one_false_positive_allowed(self):
        t = threshold_at_fpr(self.HUMAN, 0.1)
        assert t == above(0.9)
        assert fpr_at_threshold([0] * 10, self.HUMAN, t) == 0.1
        assert fpr_at_threshold([0] * 10, self.HUMAN, 0.9) == 0.2  # the next lower threshold is too many

    def test_budget_rounds_down_to_whole_texts(self):
        assert threshold_at_fpr(self.HUMAN, 0.15) == above(0.9)
        assert threshold_at_fpr(self.HUMAN, 0.0999) == above(1.0)

    def test_float_product_does_not_lose_a_text(self):
        # 0.29 * 100 == 28.999999999999996: still 29 false positives allowed.
        human = np.arange(100) / 100
        assert fpr_at_threshold(np.zeros(100), human, threshold_at_fpr(human, 0.29)) == 0.29

    def test_zero_fpr_is_just_above_the_maximum(self):
        assert threshold_at_fpr(self.HUMAN, 0.0) == above(1.0)

    def test_ties_are_never_split(self):
        human = [0.5, 0.5, 0.5, 0.1]
        # Two false positives allowed, but the three tied .5 scores go together: FPR drops to 0.
        t = threshold_at_fpr(human, 0.5)
        assert t == above(0.5)
        assert fpr_at_threshold([0] * 4, human, t) == 0.0
        assert threshold_at_fpr(human, 0.75) == above(0.1)

    def test_full_budget_is_minus_infinity(self):
        assert threshold_at_fpr(self.HUMAN, 1.0) == -math.inf

    def test_rejects_empty_and_bad_rate(self):
        with pytest.raises(ValueError):
            threshold_at_fpr([], 0.1)
        with pytest.raises(ValueError):
            threshold_at_fpr(self.HUMAN, 1.5)


class TestTprAtFpr:
    def test_hand_computed_with_tie(self):
        # No false positive allowed: t must exceed .9, so the AI text tied at .9 is lost too.
        assert tpr_at_fpr(Y, S, 0.0) == 0.0
        assert tpr_at_fpr(Y, S, 0.25) == 0.75  # t just above .3: AI .9 .8 .5
        assert tpr_at_fpr(Y, S, 0.5) == 0.75
        assert tpr_at_fpr(Y, S, 0.75) == 0.75  # t just above .1: .05 still missed
        assert tpr_at_fpr(Y, S, 1.0) == 1.0

    def test_perfect_separation(self):
        assert tpr_at_fpr([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 0.0) == 1.0

    def test_all_same_scores(self):
        assert tpr_at_fpr([0, 0, 1, 1], [0.5] * 4, 0.05) == 0.0
        assert tpr_at_fpr([0, 0, 1, 1], [0.5] * 4, 1.0) == 1.0

    def test_one_class_is_nan(self):
        assert math.isnan(tpr_at_fpr([1, 1], [0.2, 0.9], 0.05))
        assert math.isnan(tpr_at_fpr([0, 0], [0.2, 0.9], 0.05))

    @pytest.mark.parametrize("seed", range(20))
    def test_matches_brute_force(self, seed):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 2, 40)
        y[:2] = [0, 1]
        s = rng.integers(0, 8, 40) / 8  # few distinct values, many ties
        for max_fpr in (0.0, 0.01, 0.05, 0.1, 0.3, 1.0):
            # Every classification a threshold can make is made by some observed score or +inf.
            feasible = [
                tpr_at_threshold(y, s, t)
                for t in [*np.unique(s), np.inf]
                if fpr_at_threshold(y, s, t) <= max_fpr
            ]
            assert tpr_at_fpr(y, s, max_fpr) == max(feasible)


class TestAtThreshold:
    def test_threshold_counts_equal_scores_as_ai(self):
        assert fpr_at_threshold(Y, S, 0.9) == 0.25
        assert tpr_at_threshold(Y, S, 0.9) == 0.25
        assert tpr_at_threshold(Y, S, 0.5) == 0.75
        assert fpr_at_threshold(Y, S, 0.5) == 0.25

    def test_missing_class_is_nan(self):
        assert math.isnan(fpr_at_threshold([1, 1], [0.2, 0.9], 0.5))
        assert math.isnan(tpr_at_threshold([0, 0], [0.2, 0.9], 0.5))


class TestCalibration:
    def test_hand_computed_ece(self):
        # Bin 1: mean .1, AI share 0; bin 9: mean .9, AI share 1 -> |.1| and |.1|, each half the texts.
        assert expected_calibration_error([0, 0, 1, 1], [0.1, 0.1, 0.9, 0.9]) == pytest.approx(0.1)

    def test_perfectly_calibrated(self):
        assert expected_calibration_error([0, 1], [0.5, 0.5]) == 0.0

    def test_weighted_by_count(self):
        # Bin 2 (3 texts): mean .2, share 1/3 -> 2/15; bin 8 (1 text): |.8 - 1| = .2.
        ece = expected_calibration_error([0, 0, 1, 1], [0.2, 0.2, 0.2, 0.8])
        assert ece == pytest.approx(0.75 * (1 / 3 - 0.2) + 0.25 * 0.2)

    def test_bins_edges_and_empty_bins(self):
        bins = reliability_bins([0, 1, 1, 0], [0.0, 0.3, 1.0, 0.7], n_bins=10)
        assert len(bins) == 10
        assert [b.count for b in bins] == [1, 0, 0, 1, 0, 0, 0, 1, 0, 1]
        assert bins[9].mean_probability == 1.0 and bins[9].fraction_ai == 1.0
        assert (bins[3].lower, bins[3].upper) == (0.3, 0.4)
        assert bins[1].count == 0 and math.isnan(bins[1].mean_probability) and math.isnan(bins[1].fraction_ai)

    def test_empty_and_invalid(self):
        assert math.isnan(expected_calibration_error([], []))
        with pytest.raises(ValueError):
            reliability_bins([0], [1.2], 10)
        with pytest.raises(ValueError):
            reliability_bins([0], [0.5], 0)
