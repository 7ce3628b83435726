"""Bytes to text for the encodings Korean files actually come in.

Most Korean .txt files are UTF-8 (with or without a BOM) or CP949, the Windows superset of EUC-KR.
Anything else, and anything that looks binary, is refused with a message a person understands.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from kodetect.errors import InputError

# A file larger than this is refused before it is read, so a stray disk image cannot exhaust memory.
MAX_FILE_BYTES = 50 * 1024 * 1024

_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control bytes that never occur in text files (tab, newlines, form feed and ESC excluded).
_BINARY_BYTES = frozenset(range(0, 32)) - {9, 10, 12, 13, 27}


def looks_binary(data: bytes) -> bool:
    """True for data that is almost certainly not text: NUL bytes or many control bytes."""
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b in _BINARY_BYTES)
    return controls / len(sample) > 0.01


def decode_bytes(data: bytes, source: str = "input") -> str:
    """Decode UTF-8 (BOM optional), UTF-16/32 with a BOM, or CP949/EUC-KR; raise InputError otherwise."""
    # UTF-32's little-endian BOM begins with UTF-16's, so it must be checked first.
    if data.startswith(_UTF32_BOMS):
        try:
            return data.decode("utf-32")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: starts with a UTF-32 byte-order mark but is not valid UTF-32") from exc
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: starts with a UTF-16 byte-order mark but is not valid UTF-16") from exc
    if looks_binary(data):
        raise InputError(f"{source}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{source}: cannot decode the text; save it as UTF-8 or CP949 (EUC-KR)")


def file_size(path: Path, kind: str) -> int:
    """The size of the file at `path`; an InputError naming it when it is missing or a folder."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {kind}")
    return path.stat().st_size


def read_text_file(path: str | Path) -> str:
    """Read a text file of any supported encoding, with clear errors for missing or binary files."""
    path = Path(path)
    size = file_size(path, "text file")
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: file is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    return decode_bytes(data, source=str(path))
