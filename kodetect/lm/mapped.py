"""Load a converted causal LM with its token-embedding table memory-mapped from the safetensors file.

Gemma 3 270M's embedding (262,144 × 640 float32, 671 MB) is also its tied output layer, and deep
mode never needs all of it: the input lookup reads the rows of the input ids, scoring gathers the
~22k rows of the token support once, and a token outside the support reads its own row. The table
is never materialised, not even while loading: the model is built with a one-word vocabulary (no
random initialisation), the mapped table is put in its place, and the other weights are read from
the file into their tensors.

The body is copied, not mapped like the table: scoring with a mapped body left 150-260 MB more
resident, held by MKL's buffer cache (gone with MKL_DISABLE_FAST_MM=1; the file's tensors are not
64-byte aligned, torch's allocations are).

Rows of the table are read with pread (`TableRows`), not through the mapping: the kernel maps up to
64 KB of cached file around every page fault, so gathering the support's scattered rows through the
mapping made 454 MB of the table resident, and a long text's input rows did the same. The mapping
stays as the weight for anything that wants the whole layer (scoring without a support, generate).

Row reads return the table's exact bytes and the embedding keeps Gemma's `rows * embed_scale`, so
outputs are bit-identical to a model loaded with `from_pretrained`. The mapping is read-only: a
write would crash the process, and nothing in inference writes.
"""

from __future__ import annotations

import copy
import json
import os
import struct
import warnings
import weakref
from pathlib import Path

import numpy as np

from kodetect.errors import ModelError

WEIGHTS = "model.safetensors"


def safetensors_header(path: Path) -> tuple[dict, int]:
    """The tensor entries of a safetensors file and the offset its data starts at.

    Format: 8-byte little-endian header length, a JSON header mapping names to dtype, shape and
    data_offsets (relative to the end of the header), then the data.
    """
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    header.pop("__metadata__", None)
    return header, 8 + length


class TableRows:
    """Rows of a float32 table stored in a file, read by id with pread (thread-safe, no mapping)."""

    def __init__(self, path: Path, offset: int, shape: tuple[int, int]) -> None:
        self.shape = shape
        self._offset = offset
        self._row_bytes = shape[1] * 4
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __call__(self, ids):
        import torch

        ids = torch.as_tensor(ids)
        unique, inverse = np.unique(ids.reshape(-1).numpy(), return_inverse=True)
        if len(unique) and (unique[0] < 0 or unique[-1] >= self.shape[0]):
            raise IndexError(f"token ids out of range for a table of {self.shape[0]} rows")
        rows = np.empty((len(unique), self.shape[1]), dtype=np.float32)
        buffer = memoryview(rows).cast("B")
        size = self._row_bytes
        for i, row in enumerate(unique.tolist()):
            if os.preadv(self._fd, [buffer[i * size : (i + 1) * size]], self._offset + row * size) != size:
                raise ModelError(f"the weights file ends before row {row} of the embedding")
        return torch.from_numpy(rows[inverse]).reshape(*ids.shape, self.shape[1])


def load_mapped(folder: Path, dtype: str = "float32"):
    """The model in `folder` with a memory-mapped embedding, or None where the layout does not fit.

    Fits: a single float32 safetensors file whose model ties its output layer to the input
    embedding (the converted Gemma GGUF). Anything else (bf16, sharded, untied) returns None and the
    caller loads it the ordinary way.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig
    from transformers.initialization import no_init_weights

    path = Path(folder) / WEIGHTS
    if dtype != "float32" or not path.exists():
        return None
    config = AutoConfig.from_pretrained(folder)
    if not getattr(config, "tie_word_embeddings", False):
        return None
    header, data_start = safetensors_header(path)
    small = copy.deepcopy(config)
    small.vocab_size = (getattr(config, "pad_token_id", None) or 0) + 1  # the padding row must exist
    # No random initialisation: every weight is overwritten, and it would touch the placeholders.
    with no_init_weights():
        model = AutoModelForCausalLM.from_config(small, dtype=torch.float32)
    embedding = model.get_input_embeddings()
    embed_key = next(n for n, p in model.named_parameters() if p is embedding.weight)
    entry = header.get(embed_key)
    if entry is None or entry["dtype"] != "F32" or entry["shape"] != [config.vocab_size, config.hidden_size]:
        return None
    if not _lookup_is_known(embedding):
        return None

    offset = data_start + entry["data_offsets"][0]
    table = np.memmap(path, dtype=np.float32, mode="r", offset=offset, shape=tuple(entry["shape"]))
    with warnings.catch_warnings():
        # torch warns that it cannot protect a read-only array from writes; inference never writes.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        weight = torch.nn.Parameter(torch.from_numpy(table), requires_grad=False)
    # TorchCausalLM reads support and outside-support rows through this instead of the mapping.
    weight.read_rows = TableRows(path, offset, tuple(entry["shape"]))
    embedding.weight = weight
    embedding.num_embeddings = config.vocab_size
    embedding.forward = _read_rows_forward(embedding)
    head = model.get_output_embeddings()
    head.weight = weight
    head.out_features = config.vocab_size
    model.config.vocab_size = config.vocab_size

    state = model.state_dict(keep_vars=True)
    expected = {n for n, t in state.items() if t is not weight}
    stored = set(header) - {embed_key}
    if stored != expected:
        raise ModelError(f"{path} does not hold the weights of {config.model_type}: "
                         f"missing {sorted(expected - stored)[:3]}, unexpected {sorted(stored - expected)[:3]}")
    with open(path, "rb") as file:
        for name in sorted(stored, key=lambda n: header[n]["data_offsets"][0]):
            target, (begin, end) = state[name], header[name]["data_offsets"]
            if header[name]["dtype"] != "F32" or list(target.shape) != header[name]["shape"]:
                raise ModelError(f"{path}: {name} is {header[name]['dtype']} {header[name]['shape']}, "
                                 f"the model wants float32 {list(target.shape)}")
            file.seek(data_start + begin)
            if file.readinto(memoryview(target.data.numpy()).cast("B")) != end - begin:
                raise ModelError(f"{path} is truncated at {name}")
    if (Path(folder) / "generation_config.json").exists():
        model.generation_config = GenerationConfig.from_pretrained(folder)
    return model.eval()


def _lookup_is_known(embedding) -> bool:
    """Whether `_read_rows_forward` reproduces the embedding's own forward exactly."""
    import torch
    from transformers.models.gemma3.modeling_gemma3 import Gemma3TextScaledWordEmbedding

    plain = type(embedding) is torch.nn.Embedding and embedding.max_norm is None
    return plain or type(embedding) is Gemma3TextScaledWordEmbedding


def _read_rows_forward(embedding):
    """The embedding's forward (a row lookup, times Gemma's embed_scale) with the rows read by pread."""
    def forward(input_ids):
        rows = embedding.weight.read_rows(input_ids)
        scale = getattr(embedding, "embed_scale", None)
        return rows if scale is None else rows * scale.to(embedding.weight.dtype)

    return forward
