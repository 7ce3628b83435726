"""How glibc's allocator serves a forward pass's activations: fast for one window, bounded for many.

glibc serves an allocation above its mmap threshold with a fresh mapping that goes back to the system
when freed, and one below it from the heap, which keeps what it once held. Each policy costs something:

- Mapped (threshold at glibc's starting 128 KB): every activation of a few MB is a new mapping whose
  pages fault in one by one. That cost a 1,000-character text (one window) about a quarter of its
  forward pass: detect p50 1.9 s against 1.3-1.4 s with the heap policy (`bench/experiments/deep_speed.py`).
- Heap (threshold 32 MB, glibc's own upper limit): activations reuse heap memory, but over a long
  text's many windows the heap fragments and keeps growing: a 30,000-character text peaked at 1,514 MB
  against 1,445 MB with the mapped policy.

So a text that fits one window runs on the heap, and a longer one runs mapped, after giving the heap's
free memory back (`malloc_trim`). The threshold is fixed either way: left to itself, glibc raises it
at the first large free, which is the heap policy for every text.

The cost: a process that scores texts of mixed lengths peaks higher than with the mapped policy alone
(300-, 1,000- and 5,000-character documents in one process: 35-75 MB more; a lower heap threshold, a
trim after every text or a single malloc arena did not bring it down without giving back the speed).

Loading leaves free memory behind too: the Gemma tokenizer's 515k merges are parsed through many
small allocations, and the heap keeps 190-310 MB of them after they are freed unless it is trimmed
(`release_free_memory`; measured with `tokenizers` alone and through transformers).
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
MAPPED_THRESHOLD = 128 * 1024  # glibc's initial threshold
HEAP_THRESHOLD = 32 * 1024 * 1024  # glibc's maximum dynamic threshold on 64-bit

_libc = None
_policy: str | None = None


def _glibc():
    """glibc's handle, or None off glibc (macOS, musl)."""
    global _libc
    if _libc is None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            return None
        _libc = libc
    return _libc


def use_allocation_policy(windows: int) -> str | None:
    """Set the policy for scoring a text of `windows` windows; returns it ("heap" or "mapped"), or None
    where the allocator is not glibc's or the user set MALLOC_MMAP_THRESHOLD_ (their tuning wins).

    Callers hold the model's lock, so no other forward pass runs while the threshold changes.
    """
    global _policy
    libc = _glibc()
    if libc is None or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return None
    policy = "heap" if windows <= 1 else "mapped"
    if policy != _policy:
        if policy == "mapped":
            libc.malloc_trim(0)
        if not libc.mallopt(_M_MMAP_THRESHOLD, HEAP_THRESHOLD if policy == "heap" else MAPPED_THRESHOLD):
            return None
        _policy = policy
    return _policy


def release_free_memory() -> bool:
    """Give the heap's free memory back to the system (after loading); False where that is not glibc."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
