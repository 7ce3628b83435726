"""Out-of-source scoring: no source is ever scored by a model that trained on it, and the rates a new
source would see come from thresholds chosen without it."""

from __future__ import annotations

import numpy as np
import pytest

from kodetect.eval.heldout import heldout_rates, pooled_unseen_auroc, unseen_auroc
from kodetect.eval.protocols import SourceHoldout, leave_one_source_out, out_of_source
from kodetect.training.dataset import Example


def holdout_pools(rng: np.random.Generator, per_source: int = 60):
    """Texts end in a number: AI texts' are larger. The 'odd' human source runs high (a genre the others
    lack). Also the benchmark report's tests' pools."""
    train, validation = [], []
    spec = {("news", 0): 0.0, ("reviews", 0): 0.5, ("odd", 0): 2.0, ("chat", 1): 3.0, ("answers", 1): 3.5}
    for (group, label), centre in spec.items():
        for i in range(per_source):
            ex = Example(f"{group}-{i}", f"{group}-{i}:{rng.normal(centre, 1.0):.4f}", label, group, "g", "x")
            (validation if i % 4 == 0 else train).append(ex)
    return train, validation


class RecordingRecipe:
    """Scores by the number itself, shifted by the mean of the human texts it trained on."""

    def __init__(self) -> None:
        self.trained_on: list[set[str]] = []

    def __call__(self, texts, labels):
        self.trained_on.append(set(texts))
        human_mean = float(np.mean([_value(t) for t, y in zip(texts, labels, strict=True) if y == 0]))
        return lambda test: np.array([_value(t) - human_mean for t in test])


def _value(text: str) -> float:
    return float(text.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def pools():
    return holdout_pools(np.random.default_rng(0))


def test_no_source_is_scored_by_a_model_that_saw_it(pools):
    train, validation = pools
    recipe = RecordingRecipe()
    holdout = out_of_source(recipe, train, validation)
    assert len(recipe.trained_on) == 5
    assert not np.isnan(holdout.scores).any()
    for group, seen in zip(sorted({e.group for e in train}), recipe.trained_on, strict=True):
        assert not seen & {e.text for e in train + validation if e.group == group}
        # the group's own texts got that model's score
        model = RecordingRecipe()([e.text for e in train if e.group != group],
                                  np.array([e.label for e in train if e.group != group]))
        own = [i for i, e in enumerate(holdout.examples) if e.group == group]
        np.testing.assert_allclose(holdout.scores[own], model([holdout.examples[i].text for i in own]))
        assert len(holdout.contrast[group]) == len(validation)


def test_leave_one_source_out_reuses_the_holdout(pools):
    train, validation = pools
    holdout = out_of_source(RecordingRecipe(), train, validation)
    direct = leave_one_source_out(RecordingRecipe(), train, validation)
    assert leave_one_source_out(None, train, validation, holdout=holdout) == direct
    odd = next(r for r in direct if r.held_out == "odd")
    assert odd.side == "human" and odd.n_test == 60 + sum(1 for e in validation if e.label == 1)


def test_unseen_auroc_sets_a_source_against_the_other_side_of_every_other_source(pools):
    holdout = out_of_source(RecordingRecipe(), *pools)
    scores = {(u.source, u.side): u for u in unseen_auroc(holdout)}
    assert scores[("odd", "human")].auroc < scores[("news", "human")].auroc
    assert scores[("odd", "human")].n == 60
    assert 0.5 < pooled_unseen_auroc(holdout) <= 1.0


def test_heldout_rates_use_thresholds_chosen_without_the_source(pools):
    holdout = out_of_source(RecordingRecipe(), *pools)
    rates = {(r.source, r.mode): r for r in heldout_rates(holdout)}
    # Left out, the high-running human source is not protected by the per-source rule it would have set.
    odd = rates[("odd", "low-fpr")]
    assert odd.side == "human" and odd.n == 60
    assert odd.called_ai_share > rates[("news", "low-fpr")].called_ai_share
    lo, hi = odd.called_ai_interval
    assert lo <= odd.called_ai_share <= hi
    assert all(0 <= r.uncertain <= r.n for r in rates.values())


def test_pooled_unseen_tpr_weighs_every_source_the_same():
    from kodetect.eval.heldout import pooled_unseen_tpr
    from kodetect.eval.metrics import tpr_at_fpr

    rng = np.random.default_rng(3)
    # Two equal human sources and two equal AI sources: source weights are all equal, so the pooled TPR is the
    # plain TPR at 1% FPR.
    examples, scores = [], []
    for group, label, centre in (("h1", 0, -1.0), ("h2", 0, 0.0), ("a1", 1, 2.0), ("a2", 1, 1.0)):
        for i in range(200):
            examples.append(Example(f"{group}-{i}", "text", label, group, "g", "x"))
            scores.append(centre + rng.normal())
    scores = np.array(scores)
    holdout = SourceHoldout(examples, scores, np.zeros(len(examples), dtype=bool), {})
    labels = holdout.labels
    assert pooled_unseen_tpr(holdout) == pytest.approx(tpr_at_fpr(labels, scores, 0.01))
    # A small human source counts as much as a large one: two humans scoring 3.0 are 1% of the human texts
    # pooled plainly, but half of the human weight once they are their own source, so the cut must pass them.
    examples2 = examples[:200] + [Example(f"h3-{i}", "text", 0, "h3", "g", "x") for i in range(2)] + examples[400:]
    scores2 = np.concatenate([scores[:200], [3.0, 3.0], scores[400:]])
    small = SourceHoldout(examples2, scores2, np.zeros(len(examples2), dtype=bool), {})
    ai_scores = scores2[small.labels == 1]
    assert pooled_unseen_tpr(small) == pytest.approx(np.mean(ai_scores > 3.0))
    assert pooled_unseen_tpr(small) < tpr_at_fpr(small.labels, scores2, 0.01)
