"""HWP 5 record stream parsing and PARA_TEXT decoding (pure functions over bytes, no OLE)."""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass

HWPTAG_BEGIN = 0x10
HWPTAG_PARA_TEXT = HWPTAG_BEGIN + 51  # 67
_EXTENDED_SIZE = 0xFFF  # size field value meaning "the real size follows in the next 4 bytes"

# HWP 5.0 spec, table "제어 문자": code point -> (WCHARs the control occupies, text it stands for).
# "char" controls are one WCHAR; "inline" and "extended" controls are eight WCHARs (the code, six WCHARs of
# parameters or an object id, then the code again). Objects behind extended controls (tables, footnotes,
# text boxes) keep their paragraphs in later records, so they are reached without decoding anything here.
# Tab and the two special spaces become whitespace rather than nothing, so the words around them stay apart.
CONTROL_CHARS: dict[int, tuple[int, str]] = {
    0: (1, ""),  # char: unusable
    1: (8, ""),  # extended: reserved
    2: (8, ""),  # extended: section / column definition
    3: (8, ""),  # extended: field start (hyperlink, click-here, ...)
    4: (8, ""),  # inline: field end
    5: (8, ""),  # inline: reserved
    6: (8, ""),  # inline: reserved
    7: (8, ""),  # inline: reserved
    8: (8, ""),  # inline: title mark
    9: (8, "\t"),  # inline: tab
    10: (1, "\n"),  # char: line break
    11: (8, ""),  # extended: drawing object / table
    12: (8, ""),  # extended: reserved
    13: (1, "\n"),  # char: paragraph break
    14: (8, ""),  # extended: reserved
    15: (8, ""),  # extended: hidden comment
    16: (8, ""),  # extended: header / footer
    17: (8, ""),  # extended: footnote / endnote
    18: (8, ""),  # extended: auto number
    19: (8, ""),  # inline: reserved
    20: (8, ""),  # inline: reserved
    21: (8, ""),  # extended: page control (hide, new page number)
    22: (8, ""),  # extended: bookmark / index mark
    23: (8, ""),  # extended: overlapping characters, ruby text
    24: (1, ""),  # char: hyphen
    25: (1, ""),  # char: reserved
    26: (1, ""),  # char: reserved
    27: (1, ""),  # char: reserved
    28: (1, ""),  # char: reserved
    29: (1, ""),  # char: reserved
    30: (1, " "),  # char: non-breaking space (묶음 빈칸)
    31: (1, " "),  # char: fixed-width space (고정폭 빈칸)
}


@dataclass(frozen=True)
class Record:
    tag: int
    level: int
    payload: bytes


def parse_records(data: bytes) -> tuple[list[Record], bool]:
    """Split a decompressed section stream into records; the flag is True if the stream ended mid-record."""
    records: list[Record] = []
    offset = 0
    # Every pass consumes at least the 4-byte header, so the loop ends even on garbage.
    while offset + 4 <= len(data):
        header = int.from_bytes(data[offset : offset + 4], "little")
        offset += 4
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        if size == _EXTENDED_SIZE:
            if offset + 4 > len(data):
                return records, True
            size = int.from_bytes(data[offset : offset + 4], "little")
            offset += 4
        if offset + size > len(data):
            return records, True
        records.append(Record(tag, level, data[offset : offset + size]))
        offset += size
    return records, offset != len(data)


def decode_para_text(payload: bytes) -> str:
    """UTF-16LE paragraph text with HWP control characters replaced or skipped per CONTROL_CHARS."""
    payload = payload[: len(payload) & ~1]
    units = array("H")
    units.frombytes(payload)
    if sys.byteorder == "big":
        units.byteswap()
    out: list[str] = []
    run_start = i = 0
    while i < len(units):
        code = units[i]
        if code >= 32:
            i += 1
            continue
        out.append(payload[2 * run_start : 2 * i].decode("utf-16-le", "replace"))
        width, text = CONTROL_CHARS[code]
        out.append(text)
        i += width
        run_start = i
    # A control cut off by the end of the record pushes i past the end; nothing remains to decode then.
    out.append(payload[2 * run_start :].decode("utf-16-le", "replace") if run_start < len(units) else "")
    return "".join(out)
