import numpy as np
import scipy.sparse as sp

from kodetect.eval.metrics import auroc
from kodetect.training.augment import (
    AUGMENT_SHARE,
    augment_examples,
    augment_texts,
    copy_weights,
    edited_copies,
    original_id,
)
from kodetect.training.dataset import Example
from kodetect.training.fit import fit_fusion, out_of_fold_logits

FORMAL = [
    f"오늘은 {topic}에 대해 이야기하겠습니다. 많은 사람들이 관심을 가지고 있습니다. 앞으로도 중요할 것입니다."
    for topic in ("교육", "환경", "경제", "기술", "건강", "문화", "정치", "역사", "예술", "과학", "여행", "음식")
]


def test_edited_copies_change_endings_and_point_to_their_original():
    copies = edited_copies(FORMAL)
    assert copies, "some of twelve texts must be picked at a share of one half"
    for index, text in copies:
        assert text != FORMAL[index]
        assert "습니다" not in text  # every formal ending moved to another speech level
        assert text.split()[1] == FORMAL[index].split()[1]  # the words around the endings stay


def test_edited_copies_do_not_depend_on_order():
    forward = {FORMAL[i]: t for i, t in edited_copies(FORMAL)}
    backward = {FORMAL[::-1][i]: t for i, t in edited_copies(FORMAL[::-1])}
    assert forward == backward


def test_about_the_configured_share_is_picked():
    texts = [f"{i}번째 문장입니다. 이것은 시험입니다." for i in range(400)]
    share = len(edited_copies(texts)) / len(texts)
    assert abs(share - AUGMENT_SHARE) < 0.1


def test_text_without_declarative_endings_gets_no_copy():
    texts = ["이건 뭘까? 정말 모르겠네?"] * 3
    assert edited_copies(texts) == []


def test_augment_texts_keeps_labels_and_groups_copies_with_originals():
    labels = np.arange(len(FORMAL)) % 2
    texts, all_labels, groups = augment_texts(FORMAL, labels)
    assert texts[: len(FORMAL)] == FORMAL
    assert len(texts) == len(all_labels) == len(groups) > len(FORMAL)
    for row in range(len(FORMAL), len(texts)):
        assert all_labels[row] == labels[groups[row]]
        assert texts[row] != FORMAL[groups[row]]
    assert list(groups[: len(FORMAL)]) == list(range(len(FORMAL)))


def test_augment_texts_copies_only_the_labels_asked_for():
    labels = np.arange(len(FORMAL)) % 2
    both = augment_texts(FORMAL, labels)
    for side in (0, 1):
        texts, all_labels, groups = augment_texts(FORMAL, labels, copy_labels=(side,))
        assert set(all_labels[len(FORMAL):]) == {side}
        # The same copies as with both sides, the other side's left out.
        assert texts[len(FORMAL):] == [t for t, y in zip(both[0][len(FORMAL):], both[1][len(FORMAL):], strict=True)
                                       if y == side]
    assert len(augment_texts(FORMAL, labels, copy_labels=())[0]) == len(FORMAL)


def test_augment_examples_suffixes_ids():
    examples = [Example(f"id{i}", t, i % 2, "g", "essay", "x") for i, t in enumerate(FORMAL)]
    out = augment_examples(examples)
    assert out[: len(examples)] == examples
    by_id = {e.id: e for e in examples}
    for copy in out[len(examples):]:
        assert copy.id.endswith("~edited")
        original = by_id[original_id(copy.id)]
        assert (copy.label, copy.group, copy.genre) == (original.label, original.group, original.genre)


def test_grouped_stacking_never_scores_a_text_with_a_head_that_saw_its_twin():
    # Random labels and random n-gram counts: nothing to learn, except memorising a duplicate.
    rng = np.random.default_rng(0)
    n = 200
    base = sp.random(n, 300, density=0.05, random_state=1, format="csr") * 10
    counts = sp.vstack([base, base]).tocsr()
    labels = np.tile(rng.integers(0, 2, n), 2)
    groups = np.tile(np.arange(n), 2)
    leaked = auroc(labels, out_of_fold_logits(counts, labels))
    grouped = auroc(labels, out_of_fold_logits(counts, labels, groups))
    assert leaked > 0.75
    assert 0.35 < grouped < 0.65


def test_copy_weights_weigh_only_the_rows_after_the_originals():
    assert copy_weights(5, 3, 0.25).tolist() == [1, 1, 1, 0.25, 0.25]


def _imbalanced_problem():
    rng = np.random.default_rng(3)
    labels = np.array([0] * 120 + [1] * 60)
    matrix = rng.normal(size=(180, 4)) + labels[:, None] * np.array([1.0, 0.5, 0.0, -0.3])
    return matrix, labels


def test_unweighted_fusion_is_sklearns_balanced_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    from kodetect.training.fit import FUSION_C

    matrix, labels = _imbalanced_problem()
    head = fit_fusion(matrix, labels, ["a", "b", "c", "d"], clip_quantile=0)
    assert head.low is None and head.high is None
    standardised = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    reference = LogisticRegression(C=FUSION_C, max_iter=5000, class_weight="balanced").fit(standardised, labels)
    np.testing.assert_allclose(head.coef, reference.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(fit_fusion(matrix, labels, list("abcd"), np.ones(180), clip_quantile=0).coef, head.coef)


def test_fusion_holds_every_column_within_its_training_range():
    matrix, labels = _imbalanced_problem()
    head = fit_fusion(matrix, labels, list("abcd"), clip_quantile=0.05)
    np.testing.assert_allclose(head.low, np.quantile(matrix, 0.05, axis=0))
    np.testing.assert_allclose(head.high, np.quantile(matrix, 0.95, axis=0))
    # The fit sees the clipped columns: it equals a plain fit on them.
    clipped = np.clip(matrix, head.low, head.high)
    plain = fit_fusion(clipped, labels, list("abcd"), clip_quantile=0)
    np.testing.assert_allclose(head.coef, plain.coef, rtol=1e-6)
    # A value far outside what training saw scores as the edge of that range, not beyond it.
    row = matrix[:1].copy()
    edge, far = row.copy(), row.copy()
    edge[0, 0], far[0, 0] = head.high[0], head.high[0] + 1e6
    assert head.raw(far)[0] == head.raw(edge)[0]
    assert np.isfinite(head.raw(np.full((1, 4), -1e12))).all()
    # Evidence reads the same clipped values.
    assert head.contributions(far[0])[0] == head.contributions(edge[0])[0]


def test_fusion_weights_scale_rows_and_keep_the_classes_balanced():
    matrix, labels = _imbalanced_problem()
    # Doubling every row of one class changes nothing: each class weighs the same in total anyway.
    doubled = fit_fusion(matrix, labels, list("abcd"), np.where(labels == 1, 2.0, 1.0))
    plain = fit_fusion(matrix, labels, list("abcd"))
    np.testing.assert_allclose(doubled.coef, plain.coef, rtol=1e-4)
    # A zero-weight row is ignored by the fit (the standardisation still sees it).
    noise = np.vstack([matrix, -10 * np.ones((20, 4))])
    with_ignored = fit_fusion(noise, np.concatenate([labels, np.ones(20, int)]), list("abcd"),
                              np.concatenate([np.ones(180), np.zeros(20)]))
    assert np.sign(with_ignored.coef[0]) == np.sign(plain.coef[0]) == 1


def test_an_anchor_adds_fixed_trust_to_one_fitted_coefficient():
    matrix, labels = _imbalanced_problem()
    plain = fit_fusion(matrix, labels, list("abcd"), clip_quantile=0)
    anchored = fit_fusion(matrix, labels, list("abcd"), anchor={"c": 1.5}, clip_quantile=0)
    np.testing.assert_allclose(anchored.coef, plain.coef + np.array([0, 0, 1.5, 0]))
    assert anchored.intercept == plain.intercept
    np.testing.assert_allclose(anchored.raw(matrix) - plain.raw(matrix), 1.5 * (matrix[:, 2] - matrix[:, 2].mean())
                               / matrix[:, 2].std())


def test_a_shrunk_column_pays_more_penalty_and_the_head_scores_as_the_fitted_model():
    from sklearn.linear_model import LogisticRegression

    from kodetect.training.fit import FUSION_C

    matrix, labels = _imbalanced_problem()
    plain = fit_fusion(matrix, labels, list("abcd"), clip_quantile=0)
    unshrunk = fit_fusion(matrix, labels, list("abcd"), shrink=lambda name: 1.0, clip_quantile=0)
    np.testing.assert_allclose(unshrunk.coef, plain.coef)
    shrunk = fit_fusion(matrix, labels, list("abcd"), shrink=lambda name: 0.01 if name == "a" else 1.0,
                        clip_quantile=0)
    assert abs(shrunk.coef[0]) < 0.1 * abs(plain.coef[0])
    # Fitted on columns scaled by the factors, read back on the head's own (unscaled) standardisation.
    scaled = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0) * np.array([0.01, 1.0, 1.0, 1.0])
    reference = LogisticRegression(C=FUSION_C, max_iter=5000, class_weight="balanced").fit(scaled, labels)
    np.testing.assert_allclose(shrunk.raw(matrix), reference.decision_function(scaled), rtol=1e-6, atol=1e-9)
