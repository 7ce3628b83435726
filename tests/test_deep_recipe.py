"""Deep mode's recipe when its n-gram heads read more texts than its fusion: the heads are fast mode's, the
fusion reads language-model features of the fusion texts only, and the protocols fit on `fit_pool` while
scoring only the pools they are given."""

from __future__ import annotations

import numpy as np
import pytest

import kodetect.training.recipe as recipe_module
import kodetect.training.train as train_module
from kodetect.eval.generator_families import leave_one_generator_family_out
from kodetect.eval.protocols import out_of_source
from kodetect.features.genre import CONTRAST_SUFFIX, contrast_feature
from kodetect.features.language_model import LM_FEATURES
from kodetect.model.artifact import head_feature
from kodetect.training.dataset import Example
from kodetect.training.fit import fit_heads, fit_ngram_stack
from kodetect.training.recipe import DEEP_FULL_HEADS_FUSION_C, DEEP_GENRE_NEIGHBOURS, fit_deep, fit_fast
from kodetect.training.train import deep_options, mode_pools, mode_recipe

HUMAN = ["어제 친구랑 시장에 갔는데 떡볶이가 진짜 맛있었어ㅋㅋ {} 다음에 또 가야지",
         "버스 놓쳐서 지각함.. {}번째야 이번 달만 해도 진짜 짜증나네",
         "우리 집 고양이가 오늘 {}시에 박스 안에서 잠들었어요 너무 귀여워요"]
AI = ["인공지능 기술은 다양한 분야에서 활용되고 있으며, {}개의 사례가 이를 잘 보여줍니다.",
      "결론적으로, 규칙적인 운동은 건강 유지에 중요한 역할을 합니다. 이는 {}가지 이유 때문입니다.",
      "이 글에서는 환경 보호의 중요성과 {}가지 실천 방안에 대해 살펴보겠습니다."]


def _texts(n: int) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    for i in range(n):
        texts.append(HUMAN[i % 3].format(i))
        labels.append(0)
        texts.append(AI[i % 3].format(i))
        labels.append(1)
    return texts, np.array(labels)


@pytest.fixture
def fake_lm(monkeypatch):
    """Language-model features from the text's length, and a record of every text asked for."""
    asked: list[str] = []

    def lm_feature_matrix(texts, progress=True, **_):
        asked.extend(texts)
        return np.array([[len(t) % 7 + k for k in range(len(LM_FEATURES))] for t in texts], dtype=float)

    monkeypatch.setattr(recipe_module, "lm_feature_matrix", lm_feature_matrix)
    return asked


def test_deep_heads_read_every_text_and_its_fusion_only_the_fusion_texts(fake_lm):
    texts, labels = _texts(30)
    fusion = set(texts[:20])
    heads = fit_deep(texts, labels, fusion_texts=fusion, fusion_c=DEEP_FULL_HEADS_FUSION_C)
    # Language-model features were read for the fusion texts and their edited copies, never for the others.
    assert fake_lm and not set(fake_lm) & set(texts[20:])
    assert set(texts[:20]) <= set(fake_lm)
    head_names = [head_feature(v) for v in heads.ngram_heads]
    assert heads.fusion.names[-2 * len(head_names):] == [*head_names, *map(contrast_feature, head_names)]
    assert set(LM_FEATURES) <= set(heads.fusion.names)
    # The n-gram heads are fast mode's on the same texts.
    fast = fit_fast(texts, labels)
    for view, head in fast.ngram_heads.items():
        np.testing.assert_array_equal(heads.ngram_heads[view].coef, head.coef)
    # Without fusion texts, the fusion reads every text (the shipped recipe).
    fake_lm.clear()
    fit_deep(texts, labels)
    assert set(texts) <= set(fake_lm)


def test_deep_mode_reads_its_heads_against_every_human_text_its_heads_read(fake_lm):
    texts, labels = _texts(30)
    sources = [f"source-{i % 4}" for i in range(len(texts))]
    fusion = set(texts[:20])
    heads = fit_deep(texts, labels, fusion_texts=fusion, fusion_c=DEEP_FULL_HEADS_FUSION_C, sources=sources)
    assert heads.genre is not None and heads.genre.neighbours == DEEP_GENRE_NEIGHBOURS
    # The references are the human originals of the full pool, not only those the fusion reads.
    assert len(heads.genre.vectors) == int((labels == 0).sum())
    assert heads.genre.columns == tuple(head_feature(v) for v in heads.ngram_heads)
    # Without the contrast, the fusion reads the heads' logits alone (kodetect-deep up to 0.1.0+4c42c88c68).
    plain = fit_deep(texts, labels, fusion_texts=fusion, fusion_c=DEEP_FULL_HEADS_FUSION_C, sources=sources,
                     genre_neighbours=0)
    assert plain.genre is None
    assert not any(name.endswith(CONTRAST_SUFFIX) for name in plain.fusion.names)


def test_the_deep_recipe_takes_sources_so_protocols_pass_them():
    from kodetect.eval.protocols import takes_sources

    full = _pool("news", 0, 8) + _pool("chat", 1, 8)
    pools = mode_pools(full, full, "deep", "full")
    assert takes_sources(mode_recipe("deep", pools))
    assert takes_sources(mode_recipe("deep", mode_pools(full, full, "deep", "subsample")))
    assert mode_recipe("deep", pools, genre_neighbours=0).keywords["genre_neighbours"] == 0


def test_deep_fusion_texts_must_meet_the_training_texts(fake_lm):
    texts, labels = _texts(10)
    with pytest.raises(ValueError, match="fusion texts"):
        fit_deep(texts, labels, fusion_texts={"다른 글"})


def test_the_fusion_penalty_is_the_recipe_s_own(fake_lm):
    texts, labels = _texts(20)
    fusion = set(texts)
    weak = fit_deep(texts, labels, fusion_texts=fusion, fusion_c=0.01).fusion.coef
    strong = fit_deep(texts, labels, fusion_texts=fusion, fusion_c=10.0).fusion.coef
    assert np.abs(weak).sum() < np.abs(strong).sum()


def test_fit_heads_checks_that_features_match_the_fusion_rows():
    views = {"char_ngram": ["가 나", "다 라", "마 바", "사 아"]}
    with pytest.raises(ValueError, match="fusion rows"):
        fit_heads(np.zeros((3, 1)), ["x"], views, np.array([0, 1, 0, 1]), use_views=("char_ngram",),
                  fusion_rows=np.array([0, 1]))


def test_an_ngram_stack_is_kept_for_the_same_inputs_only():
    views = {"char_ngram": [f"글 {i} {'가' if i % 2 else '나'}" for i in range(20)]}
    labels = np.array([i % 2 for i in range(20)])
    first = fit_ngram_stack(views, labels, ("char_ngram",))
    assert fit_ngram_stack(views, labels, ("char_ngram",)) is first
    assert first.out_of_fold.shape == (20, 1)
    assert fit_ngram_stack(views, 1 - labels, ("char_ngram",)) is not first


def _pool(group: str, label: int, n: int, generator: str = "g") -> list[Example]:
    return [Example(f"{group}-{i}", f"{group}:{i}", label, group, group, generator) for i in range(n)]


class Recording:
    def __init__(self) -> None:
        self.fits: list[list[str]] = []

    def __call__(self, texts, labels):
        self.fits.append(list(texts))
        return lambda test: np.array([float(t.endswith("1")) for t in test])


def test_out_of_source_fits_on_the_fit_pool_and_scores_only_the_pools():
    full = _pool("news", 0, 8) + _pool("chat", 1, 8) + _pool("qa", 1, 8)
    train = [e for e in full if int(e.id.rsplit("-", 1)[1]) < 3]
    validation = _pool("news", 0, 2) + _pool("chat", 1, 2)
    recipe = Recording()
    holdout = out_of_source(recipe, train, validation, fit_pool=full)
    assert [e.id for e in holdout.examples] == [e.id for e in [*train, *validation]]
    for group, fitted in zip(("chat", "news", "qa"), recipe.fits, strict=True):
        assert fitted == [e.text for e in full if e.group != group]  # the fit pool's order, less the source


def test_family_protocol_fits_on_the_fit_pool():
    full = _pool("news", 0, 6) + _pool("chat", 1, 6, "gpt-4o") + _pool("qa", 1, 6, "claude-3-opus")
    train, validation = full[::3], _pool("val", 0, 3)
    recipe = Recording()
    leave_one_generator_family_out(recipe, train, validation, fit_pool=full)
    assert all(len(fitted) == 12 for fitted in recipe.fits)


def _examples(n_per_source: int) -> list[Example]:
    out = []
    for group, label in (("news", 0), ("chat", 1)):
        out += [Example(f"{group}-{i}", f"{group} 글 {i}", label, group, group, "g") for i in range(n_per_source)]
    return out


def test_mode_pools_follow_the_deep_heads_setting(monkeypatch):
    train, validation = _examples(300), _examples(80)
    fast = mode_pools(train, validation, "fast")
    assert fast.fit is fast.train is train and fast.fusion is None
    assert mode_recipe("fast", fast) is recipe_module.fast_recipe

    monkeypatch.setattr(train_module, "DEEP_HEADS_POOL", "subsample")
    deep = mode_pools(train, validation, "deep")
    assert deep.fit is deep.train and len(deep.train) == 2 * train_module.DEEP_TRAIN_PER_CELL
    assert deep_options(deep) == {} and mode_recipe("deep", deep) is recipe_module.deep_recipe

    asked = mode_pools(train, validation, "deep", "full")
    monkeypatch.setattr(train_module, "DEEP_HEADS_POOL", "full")
    for full in (asked, mode_pools(train, validation, "deep")):
        assert full.full_heads and full.fit is train and len(full.train) == 2 * train_module.DEEP_TRAIN_PER_CELL
        assert full.fusion == frozenset(e.text for e in full.train)
        recipe = mode_recipe("deep", full, extra_fusion_texts=["카트피시 글"])
        assert recipe.keywords["fusion_c"] == DEEP_FULL_HEADS_FUSION_C
        assert recipe.keywords["fusion_texts"] == full.fusion | {"카트피시 글"}
    with pytest.raises(ValueError, match="deep_heads"):
        mode_pools(train, validation, "deep", "everything")


def test_an_ngram_stack_is_read_back_from_disk_in_a_new_process(tmp_path, monkeypatch):
    import kodetect.training.fit as fit_module

    monkeypatch.setenv("KODETECT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fit_module, "_STACKS", fit_module.OrderedDict())
    views = {"char_ngram": [f"디스크 {i} {'가' if i % 2 else '나'}" for i in range(20)]}
    labels = np.array([i % 2 for i in range(20)])
    fitted = fit_ngram_stack(views, labels, ("char_ngram",))
    assert len(list((tmp_path / "ngram-stacks").glob("*.npz"))) == 1
    fit_module._STACKS.clear()  # as a new process starts
    monkeypatch.setattr(fit_module, "fit_ngram_head", lambda *a: pytest.fail("fitted again"))
    loaded = fit_ngram_stack(views, labels, ("char_ngram",))
    assert loaded is not fitted
    np.testing.assert_array_equal(loaded.out_of_fold, fitted.out_of_fold)
    np.testing.assert_array_equal(loaded.heads["char_ngram"].coef, fitted.heads["char_ngram"].coef)
    np.testing.assert_array_equal(loaded.heads["char_ngram"].idf, fitted.heads["char_ngram"].idf)
    assert loaded.heads["char_ngram"].intercept == fitted.heads["char_ngram"].intercept


def test_a_broken_stack_file_is_fitted_again(tmp_path, monkeypatch):
    import kodetect.training.fit as fit_module

    monkeypatch.setenv("KODETECT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fit_module, "_STACKS", fit_module.OrderedDict())
    views = {"char_ngram": [f"깨진 {i} {'가' if i % 2 else '나'}" for i in range(20)]}
    labels = np.array([i % 2 for i in range(20)])
    fit_ngram_stack(views, labels, ("char_ngram",))
    (saved,) = (tmp_path / "ngram-stacks").glob("*.npz")
    saved.write_bytes(b"not a zip")
    fit_module._STACKS.clear()
    assert fit_ngram_stack(views, labels, ("char_ngram",)).out_of_fold.shape == (20, 1)
