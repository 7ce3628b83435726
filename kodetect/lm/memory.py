"""Give the memory of freed activations back to the system (glibc only).

glibc serves an allocation above its mmap threshold with its own mapping, returned to the system when
freed, but it raises that threshold (up to 32 MB) each time such a block is freed. After the first
window of a long text, a forward pass's activations (a few MB to tens of MB each) then come from the
heap, which fragments and keeps what it once held: scoring a 30,000-character text in deep mode
peaked at 1,527 MB, against 1,430 MB with the threshold held at glibc's starting value.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
LARGE_BLOCK = 128 * 1024  # glibc's initial threshold; fixing it also stops the dynamic adjustment

_done = False


def keep_large_blocks_mapped() -> bool:
    """Fix glibc's mmap threshold for this process; True when it was set (now or earlier).

    Left alone where the user tunes malloc through the environment, and off glibc (macOS, musl).
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
    return _done
