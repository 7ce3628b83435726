"""The deep-mode training subset: a stable share of the training set, chosen by id."""

from __future__ import annotations

from kodetect.training.dataset import DEEP_TRAIN_SHARE, Example, deep_training_subset


def _examples(n: int) -> list[Example]:
    return [Example(f"src-{i}", f"텍스트 {i}", i % 2, f"group-{i % 7}", "essay", "human") for i in range(n)]


def test_subset_keeps_about_its_share_of_every_group_and_is_stable():
    examples = _examples(7000)
    subset = deep_training_subset(examples)
    assert abs(len(subset) / len(examples) - DEEP_TRAIN_SHARE) < 0.02
    for g in range(7):
        in_group = [e for e in examples if e.group == f"group-{g}"]
        chosen = [e for e in subset if e.group == f"group-{g}"]
        assert abs(len(chosen) / len(in_group) - DEEP_TRAIN_SHARE) < 0.05
    assert deep_training_subset(list(reversed(examples))) == list(reversed(subset))
