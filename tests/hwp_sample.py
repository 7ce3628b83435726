"""Test support: build real HWP 5 files, i.e. OLE2 compound files (MS-CFB version 3) holding HWP record streams.

Nothing here is product code. The writer covers only what a small document needs, and produces files that
`olefile` opens without recording a single defect:

* 512-byte sectors, at most 109 FAT sectors (no DIFAT sectors), so files up to about 7 MiB;
* streams shorter than the 4096-byte cutoff live in the mini stream (64-byte mini sectors, chained by the
  mini FAT; the mini stream itself is the root entry's stream in ordinary sectors); longer streams get
  ordinary sectors chained by the FAT;
* storages and streams one level deep or more ("BodyText/Section0"); siblings form a binary search tree
  ordered the CFB way (shorter names first, then by upper-cased UTF-16 code units), every node black.

File layout: header, big-stream sectors, mini-stream sectors, mini-FAT sectors, directory sectors, FAT sectors.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

# --- HWP 5 ----------------------------------------------------------------------------------------------------

HWP_SIGNATURE = b"HWP Document File"
HWP_VERSION = 0x05010000  # 5.1.0.0
FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2

HWPTAG_BEGIN = 0x10
HWPTAG_DOCUMENT_PROPERTIES = HWPTAG_BEGIN  # 16, DocInfo
HWPTAG_PARA_HEADER = HWPTAG_BEGIN + 50  # 66
HWPTAG_PARA_TEXT = HWPTAG_BEGIN + 51  # 67
HWPTAG_PARA_CHAR_SHAPE = HWPTAG_BEGIN + 52  # 68
PARA_END = "\r"  # control char 13 ends every paragraph's text


def hwp_record(tag: int, payload: bytes, level: int = 0) -> bytes:
    """One record: tag (10 bits), level (10 bits), size (12 bits; 0xFFF means a uint32 size follows)."""
    if len(payload) < 0xFFF:
        return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload
    return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload


def hwp_file_header(flags: int) -> bytes:
    """The 256-byte FileHeader stream: NUL-padded signature, version, property flags, reserved zeros."""
    return HWP_SIGNATURE.ljust(32, b"\0") + struct.pack("<II", HWP_VERSION, flags) + bytes(216)


def hwp_doc_info() -> bytes:
    """A minimal DocInfo record stream: just DOCUMENT_PROPERTIES (one section, start numbers 1, caret at 0)."""
    return hwp_record(HWPTAG_DOCUMENT_PROPERTIES, struct.pack("<7H3I", 1, 1, 1, 1, 1, 1, 1, 0, 0, 0))


def hwp_section(paragraphs: list[str]) -> bytes:
    """A BodyText section: per paragraph PARA_HEADER, PARA_TEXT (UTF-16LE + char 13), PARA_CHAR_SHAPE."""
    out = []
    for text in paragraphs:
        units = len((text + PARA_END).encode("utf-16-le")) // 2
        # nChars, control mask, para shape id, style id, split type, char shapes, range tags, line segs, instance id
        header = struct.pack("<IIHBBHHHI", units, 0, 0, 0, 0, 1, 0, 1, 0)
        out.append(hwp_record(HWPTAG_PARA_HEADER, header, level=0))
        out.append(hwp_record(HWPTAG_PARA_TEXT, (text + PARA_END).encode("utf-16-le"), level=1))
        out.append(hwp_record(HWPTAG_PARA_CHAR_SHAPE, struct.pack("<II", 0, 0), level=1))  # (position, shape id)
    return b"".join(out)


def deflate_raw(data: bytes) -> bytes:
    """Raw deflate (no zlib header or checksum), as HWP stores compressed streams."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def make_hwp(paragraphs: list[str], compressed: bool = True, extra_flags: int = 0) -> bytes:
    """A real .hwp file with one body section holding `paragraphs`; `extra_flags` adds e.g. FLAG_PASSWORD."""
    flags = (FLAG_COMPRESSED if compressed else 0) | extra_flags
    pack = deflate_raw if compressed else bytes
    return make_cfb(
        {
            "FileHeader": hwp_file_header(flags),
            "DocInfo": pack(hwp_doc_info()),
            "BodyText/Section0": pack(hwp_section(paragraphs)),
        }
    )


# --- MS-CFB (OLE2 compound file) writer -----------------------------------------------------------------------

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENTRIES_PER_SECTOR = SECTOR // 4  # FAT / mini FAT entries (uint32) per sector
DIR_ENTRY = 128
HEADER_DIFAT = 109  # FAT sector numbers the header itself can list

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

TYPE_EMPTY, TYPE_STORAGE, TYPE_STREAM, TYPE_ROOT = 0, 1, 2, 5
BLACK = 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = 0
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def _cfb_key(name: str) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then upper-cased comparison (good enough for ASCII names)."""
    return len(name.encode("utf-16-le")), name.upper()


def _link_tree(siblings: list[_Entry]) -> int:
    """Make a balanced binary search tree of `siblings` (sorted) through left/right ids; return the root's id."""
    if not siblings:
        return NOSTREAM
    middle = len(siblings) // 2
    node = siblings[middle]
    node.left = _link_tree(siblings[:middle])
    node.right = _link_tree(siblings[middle + 1 :])
    return node.sid


def _chain(fat: list[int], first: int, count: int) -> None:
    """Write a chain first -> first+1 -> ... -> ENDOFCHAIN of `count` consecutive sectors into `fat`."""
    for i in range(first, first + count - 1):
        fat[i] = i + 1
    fat[first + count - 1] = ENDOFCHAIN


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


def _pad(data: bytes, unit: int, fill: bytes = b"\0") -> bytes:
    return data + fill * (_sectors(len(data), unit) * unit - len(data))


def _dir_entry(entry: _Entry | None, size: int = 0) -> bytes:
    if entry is None:  # unused slot
        return bytes(64) + struct.pack("<HBBIII", 0, TYPE_EMPTY, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    name = entry.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"CFB names are at most 31 characters: {entry.name!r}")
    return (
        name.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(name) + 2, entry.kind, BLACK, entry.left, entry.right, entry.child)
        + bytes(16)  # CLSID
        + bytes(4)  # state bits
        + bytes(16)  # creation and modification times (unset)
        + struct.pack("<IQ", entry.start, size)
    )


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file with the given streams; "/" in a path separates storage names."""
    root = _Entry("Root Entry", TYPE_ROOT)
    for path, data in streams.items():
        *storages, leaf = path.split("/")
        parent = root
        for part in storages:
            parent = parent.children.setdefault(part, _Entry(part, TYPE_STORAGE))
        parent.children[leaf] = _Entry(leaf, TYPE_STREAM, data)

    # Directory ids: depth first, root first; then each storage's children become a tree under `child`.
    entries: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(entries)
        entries.append(entry)
        for kid in entry.children.values():
            number(kid)

    number(root)
    for entry in entries:
        entry.child = _link_tree(sorted(entry.children.values(), key=lambda e: _cfb_key(e.name)))

    streams_in_order = [e for e in entries if e.kind == TYPE_STREAM]
    big = [e for e in streams_in_order if len(e.data) >= MINI_CUTOFF]
    small = [e for e in streams_in_order if 0 < len(e.data) < MINI_CUTOFF]

    # Mini stream and mini FAT (in 64-byte units).
    mini_stream, mini_fat = b"", []
    for entry in small:
        count = _sectors(len(entry.data), MINI_SECTOR)
        entry.start = len(mini_fat)
        mini_fat.extend([0] * count)
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, MINI_SECTOR)
    mini_fat_bytes = _pad(struct.pack(f"<{len(mini_fat)}I", *mini_fat), SECTOR, b"\xff") if mini_fat else b""

    # Ordinary sectors: big streams, the mini stream, the mini FAT, the directory; the FAT goes last.
    body: list[bytes] = []
    runs: list[tuple[int, int]] = []  # (first sector, sector count) of every chain

    def place(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first = sum(len(b) for b in body) // SECTOR
        padded = _pad(data, SECTOR)
        body.append(padded)
        runs.append((first, len(padded) // SECTOR))
        return first

    for entry in big:
        entry.start = place(entry.data)
    root.start = place(mini_stream)
    mini_fat_start = place(mini_fat_bytes)
    # Sizes: a stream's own; the root entry's is the mini stream's; storages have none.
    sizes = {TYPE_ROOT: len(mini_stream), TYPE_STORAGE: 0}
    slots = [_dir_entry(e, sizes.get(e.kind, len(e.data))) for e in entries]
    slots += [_dir_entry(None)] * (-len(slots) % (SECTOR // DIR_ENTRY))  # fill the last sector with unused slots
    dir_start = place(b"".join(slots))

    used = sum(len(b) for b in body) // SECTOR
    fat_count = 1
    while fat_count * ENTRIES_PER_SECTOR < used + fat_count:
        fat_count += 1
    if fat_count > HEADER_DIFAT:
        raise ValueError("this minimal writer has no DIFAT sectors; keep files under about 7 MiB")
    fat = [FREESECT] * (fat_count * ENTRIES_PER_SECTOR)
    for first, count in runs:
        _chain(fat, first, count)
    for i in range(used, used + fat_count):
        fat[i] = FATSECT

    difat = list(range(used, used + fat_count)) + [FREESECT] * (HEADER_DIFAT - fat_count)
    header = (
        CFB_SIGNATURE
        + bytes(16)  # header CLSID
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)  # minor, major, byte order, sector/mini shifts
        + bytes(6)  # reserved
        + struct.pack("<IIII", 0, fat_count, dir_start, 0)  # directory sectors (0 in v3), FAT sectors, ..., txn
        + struct.pack("<III", MINI_CUTOFF, mini_fat_start, len(mini_fat_bytes) // SECTOR)
        + struct.pack("<II", ENDOFCHAIN, 0)  # first DIFAT sector, DIFAT sector count
        + struct.pack(f"<{HEADER_DIFAT}I", *difat)
    )
    assert len(header) == SECTOR
    return header + b"".join(body) + struct.pack(f"<{len(fat)}I", *fat)
