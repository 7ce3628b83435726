"""Reading the n-gram heads against the human texts nearest in genre: the space, the neighbours, training,
the artifact and the detector."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from kodetect import Detector
from kodetect.calibration.platt import fit_platt
from kodetect.calibration.thresholds import choose_thresholds
from kodetect.eval.protocols import fit_recipe, out_of_source, takes_sources
from kodetect.explain.catalog import SIGNALS
from kodetect.features.genre import GENRE_VIEW, contrast_feature, fit_genre_space, neighbour_means
from kodetect.features.ngrams import VIEWS, counts_matrix, view_buckets
from kodetect.features.vector import prepare
from kodetect.model.artifact import ModelArtifact, head_feature
from kodetect.training.dataset import Example
from kodetect.training.featurize import featurize
from kodetect.training.fit import FittedHeads, fit_genre_contrast, fit_heads, raw_scores, view_counts

REVIEWS = [
    "배송 빠르고 포장도 꼼꼼해요. 가격 대비 품질 좋아서 재구매 의사 있습니다 ㅎㅎ",
    "사이즈가 생각보다 작아요 ㅠㅠ 반품하려다 그냥 동생 줬어요. 색감은 예뻐요",
    "호텔 위치 좋고 직원분들 친절했어요. 다만 방음이 좀 아쉬웠네요 ㅋㅋ",
    "맛은 괜찮은데 양이 너무 적어요. 배달도 한 시간 넘게 걸렸음 다시는 안 시킬 듯",
]
LAWS = [
    "제1조 이 법은 국민의 권리와 의무를 정함을 목적으로 한다. 제2조 이 법에서 사용하는 용어의 뜻은 다음과 같다.",
    "제3조 국가는 국민의 기본적 인권을 보장할 의무를 진다. 제4조 모든 국민은 법 앞에 평등하다.",
    "제5조 이 법의 시행에 필요한 사항은 대통령령으로 정한다. 제6조 이 법은 공포한 날부터 시행한다.",
    "제7조 누구든지 법률에 의하지 아니하고는 처벌을 받지 아니한다. 제8조 재산권의 행사는 공공복리에 적합하여야 한다.",
]
ESSAYS_AI = [
    "스마트폰은 현대인의 생활에 큰 영향을 미치고 있습니다. 따라서 올바른 사용 습관을 기르는 것이 중요합니다.",
    "독서는 다양한 지식을 쌓을 수 있는 좋은 방법입니다. 또한, 독서를 통해 사고력을 기를 수 있습니다.",
    "환경 보호는 우리 모두의 책임입니다. 작은 실천이 모여 큰 변화를 만들어 낼 수 있습니다.",
    "운동은 신체 건강뿐만 아니라 정신 건강에도 긍정적인 영향을 줍니다. 꾸준한 운동이 필요합니다.",
]


def _char_counts(texts: list[str]):
    return counts_matrix(view_buckets(GENRE_VIEW, t) for t in texts)


def test_genre_space_puts_reviews_nearer_reviews_than_laws_and_one_text_reads_as_many():
    texts = REVIEWS + LAWS
    counts = _char_counts(texts)
    space = fit_genre_space(counts, dimensions=4, max_buckets=500)
    assert len(space.buckets) <= 500 and space.components.shape == (4, len(space.buckets))
    vectors = space.embed(counts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    similarity = vectors @ vectors.T
    assert similarity[0, 1:4].mean() > similarity[0, 4:].mean()
    assert similarity[4, 5:].mean() > similarity[4, :4].mean()
    # Scoring embeds one text from its buckets (numpy only); training embeds a count matrix: the same vector.
    single = space.embed_buckets(view_buckets(GENRE_VIEW, REVIEWS[2]))
    np.testing.assert_allclose(single, vectors[2], rtol=1e-5, atol=1e-6)
    unseen = space.embed_buckets(view_buckets(GENRE_VIEW, "𝔸𝔹ℂ"))  # no kept n-gram at all
    assert np.all(np.isfinite(unseen))


def test_neighbour_means_never_take_a_reference_of_the_row_s_own_group():
    references = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]], dtype=np.float32)
    values = np.array([[10.0], [20.0], [30.0], [40.0]], dtype=np.float32)
    groups = np.array(["a", "a", "b", "b"])
    rows = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(neighbour_means(rows, references, values, 2)[:, 0], [15.0, 35.0])
    own = neighbour_means(rows, references, values, 2, np.array(["a", "b"]), groups)[:, 0]
    np.testing.assert_allclose(own, [35.0, 15.0])  # the nearest of the other group, never its own
    # Fewer allowed references than k: only the allowed ones count.
    np.testing.assert_allclose(neighbour_means(rows, references, values, 3, np.array(["a", "b"]), groups)[:, 0],
                               [35.0, 15.0])
    # An empty group name excludes nothing (a scored text of a trained source).
    np.testing.assert_allclose(neighbour_means(rows, references, values, 2, np.array(["", ""]), groups)[:, 0],
                               [15.0, 35.0])


def test_a_training_text_is_read_against_other_sources_only(tmp_path):
    texts = REVIEWS + LAWS + ESSAYS_AI
    labels = np.array([0] * 8 + [1] * 4)
    sources = np.array(["reviews"] * 4 + ["laws"] * 4 + ["essays"] * 4)
    _, _, views = featurize(texts, cache_dir=tmp_path, n_jobs=1, progress=False)
    counts = view_counts(views, GENRE_VIEW)
    values = np.where(sources == "reviews", 1.0, np.where(sources == "laws", 5.0, 9.0))[:, None]
    genre, contrast = fit_genre_contrast(counts, labels, values, ["x"], neighbours=3, sources=sources)
    assert len(genre.vectors) == 8  # the human originals are the references
    np.testing.assert_allclose(contrast[:4, 0], 1.0 - 5.0)  # reviews meet laws only
    np.testing.assert_allclose(contrast[4:8, 0], 5.0 - 1.0)  # laws meet reviews only
    # Without sources, a text is kept only from itself (and its copies): its own source's people may count.
    _, nearby = fit_genre_contrast(counts, labels, values, ["x"], neighbours=1)
    assert np.any(nearby[:8, 0] == 0.0)
    # One human source only (KatFish's split alone): its texts are read against its other texts, not nothing.
    single = np.full(len(texts), "katfish")
    values = np.arange(12, dtype=float)[:, None]
    _, alone = fit_genre_contrast(counts, labels, values, ["x"], neighbours=7, sources=single)
    human = np.arange(8)
    np.testing.assert_allclose(alone[human, 0], human - (human.sum() - human) / 7)


@pytest.fixture(scope="module")
def genre_model(tmp_path_factory) -> ModelArtifact:
    texts = (REVIEWS + LAWS) * 2 + ESSAYS_AI * 4
    labels = np.array([0] * 16 + [1] * 16)
    sources = ["reviews"] * 4 + ["laws"] * 4 + ["reviews"] * 4 + ["laws"] * 4 + ["essays"] * 16
    features, names, views = featurize(texts, cache_dir=tmp_path_factory.mktemp("cache"), n_jobs=1,
                                       progress=False)
    heads = fit_heads(features, names, views, labels, sources=np.array(sources), genre_neighbours=3)
    raw = raw_scores(heads, features, views)
    calibration = fit_platt(raw, labels)
    return ModelArtifact(
        name="tiny-genre", version="test-genre", ngram_heads=heads.ngram_heads, fusion=heads.fusion,
        calibration=calibration,
        thresholds=choose_thresholds(labels, calibration.probability(raw), np.array(sources)),
        min_hangul=20, min_korean_share=0.5, card={"note": "synthetic"}, genre=heads.genre)


def test_the_fusion_reads_each_head_against_its_genre(genre_model):
    heads = [head_feature(v) for v in VIEWS]
    assert genre_model.fusion.names[-6:] == [*heads, *(contrast_feature(h) for h in heads)]
    assert genre_model.genre.columns == tuple(heads) and genre_model.genre.neighbours == 3
    for name in genre_model.fusion.names:
        assert name in SIGNALS, f"{name} has no description for readers"


def test_genre_artifact_roundtrip_and_the_detector_scores_as_training_does(genre_model, tmp_path):
    path = tmp_path / "genre"
    genre_model.save(path)
    card = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert card["genre_reference"]["neighbours"] == 3 and card["genre_reference"]["references"] == 16
    loaded = ModelArtifact.load(path)
    np.testing.assert_array_equal(loaded.genre.vectors, genre_model.genre.vectors)
    np.testing.assert_array_equal(loaded.genre.space.components, genre_model.genre.space.components)
    np.testing.assert_array_equal(loaded.genre.space.buckets, genre_model.genre.space.buckets)
    detector = Detector(model_path=path)
    texts = [REVIEWS[0] + " " + REVIEWS[1], LAWS[0], ESSAYS_AI[0] + " " + ESSAYS_AI[1], REVIEWS[2] + "\n" + LAWS[3]]
    features, _, views = featurize(texts, cache_dir=tmp_path, n_jobs=1, progress=False)
    expected = raw_scores(FittedHeads(loaded.ngram_heads, loaded.fusion, loaded.genre), features, views)
    actual = np.array([detector._document_raw_score(prepare(t)) for t in texts])
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)
    result = detector.detect(texts[2])
    assert len(result.sentences) == 4 and all(s.ai_probability is not None for s in result.sentences)
    # A sentence's window is read against the people nearest to its whole document: one mean for every row.
    matrix, names = detector.sentence_scores(texts[3]).matrix, detector.feature_names
    for column in loaded.genre.columns:
        shift = matrix[:, names.index(column)] - matrix[:, names.index(contrast_feature(column))]
        np.testing.assert_allclose(shift, shift[0])
    # Without the reference the same heads and fusion cannot be scored: the columns would be missing.
    plain = dataclasses.replace(loaded, genre=None)
    plain.save(tmp_path / "plain")
    assert "genre_reference" not in json.loads((tmp_path / "plain.json").read_text("utf-8"))
    with pytest.raises(KeyError):
        Detector(model_path=tmp_path / "plain").detect(texts[2])


def test_a_contrast_signal_is_explained_against_the_genre(genre_model, tmp_path):
    from kodetect.explain.evidence import explain_signal

    said = explain_signal(contrast_feature("char_ngram_logit"), 1.5, "ai", None, genre_model.ngram_heads)
    assert "장르가 가장 비슷한 사람 글" in said.ko and "1.50 above" in said.en
    said = explain_signal(contrast_feature("word_ngram_logit"), -0.8, "human", None, genre_model.ngram_heads)
    assert "낮습니다" in said.ko and "below" in said.en


class _Sourced:
    def __init__(self) -> None:
        self.sources: list[list[str] | None] = []

    def __call__(self, texts, labels, sources=None):
        self.sources.append(None if sources is None else list(sources))
        return lambda test: np.zeros(len(test))


def _pool(group: str, label: int, n: int) -> list[Example]:
    return [Example(f"{group}-{i}", f"{group}:{i}", label, group, group, "g") for i in range(n)]


def test_protocols_pass_sources_to_recipes_that_read_them():
    recipe = _Sourced()
    train = _pool("news", 0, 3) + _pool("chat", 1, 3) + _pool("qa", 1, 2)
    out_of_source(recipe, train, [])
    # One fit per source left out (chat, news, qa), each told where its texts come from.
    assert recipe.sources == [["news"] * 3 + ["qa"] * 2, ["chat"] * 3 + ["qa"] * 2, ["news"] * 3 + ["chat"] * 3]
    assert takes_sources(recipe) and not takes_sources(lambda texts, labels: None)
    plain = fit_recipe(lambda texts, labels: (lambda test: np.ones(len(test))), ["a"], np.array([0]), ["news"])
    assert plain(["b"]).tolist() == [1.0]
    with pytest.raises(ValueError):
        fit_recipe(recipe, ["a", "b"], np.array([0, 1]), ["news"])
