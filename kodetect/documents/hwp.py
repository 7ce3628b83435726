"""Text of a Hangul .hwp (HWP 5 binary): an OLE compound file whose BodyText/SectionN streams hold records."""

from __future__ import annotations

import io
import re
import zlib

import olefile

from kodetect.documents.errors import DocumentTooLarge, UnreadableDocument, UnsupportedFormat, unpacked_too_large
from kodetect.documents.hwp_records import HWPTAG_PARA_TEXT, decode_para_text, parse_records
from kodetect.documents.lines import LineCollector
from kodetect.documents.model import ExtractedDocument, ExtractionLimits
from kodetect.errors import KodetectError

SIGNATURE = b"HWP Document File"
FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2
_FLAGS_OFFSET = 36
_SECTION = re.compile(r"section(\d+)")


def extract_hwp(data: bytes, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    """Extract PARA_TEXT records of every body section; encrypted and distribution documents are refused."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError and assorted others on damaged containers
        raise UnreadableDocument(f"{name}: the file is damaged (not a readable HWP/OLE container)") from exc
    try:
        return _extract(ole, name, limits)
    except KodetectError:
        raise
    except Exception as exc:
        raise UnreadableDocument(f"{name}: the HWP document is damaged and cannot be read") from exc
    finally:
        ole.close()


def _extract(ole: olefile.OleFileIO, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    if not ole.exists("FileHeader"):
        # Word encrypts a password-protected .docx into an OLE file; older .doc/.xls are OLE as well.
        if ole.exists("EncryptedPackage"):
            raise UnreadableDocument(f"{name}: the document is password-protected; save an unprotected copy")
        raise UnsupportedFormat(f"{name}: an old binary Office file, not a Hangul document; save it as .docx or .hwpx")
    compressed = read_file_header(ole.openstream("FileHeader").read(), name)
    sections = sorted(
        (int(match.group(1)), "/".join(path))
        for path in ole.listdir(streams=True, storages=False)
        if len(path) == 2 and path[0].lower() == "bodytext" and (match := _SECTION.fullmatch(path[1].lower()))
    )
    if not sections:
        raise UnreadableDocument(f"{name}: the HWP document has no body text (damaged?)")
    lines = LineCollector(name, limits.max_chars)
    budget = limits.max_uncompressed_bytes
    warnings = []
    for _, path in sections:
        stream = ole.openstream(path).read()
        if compressed:
            stream = inflate_raw(stream, budget, name)
        budget -= len(stream)
        if budget < 0:
            raise DocumentTooLarge(unpacked_too_large(name, limits.max_uncompressed_bytes))
        records, truncated = parse_records(stream)
        for record in records:
            if record.tag == HWPTAG_PARA_TEXT:
                lines.add(decode_para_text(record.payload))
        if truncated:
            warnings.append(f"{path} ends in the middle of a record; text after that point may be missing")
    return ExtractedDocument(text=lines.text(), format="hwp", warnings=warnings)


def read_file_header(header: bytes, name: str) -> bool:
    """Validate the FileHeader stream and return whether body streams are compressed."""
    # The 32-byte signature field is the text padded with NULs; HWP 3 files carry "... V3.00" and another layout.
    if header[:32].rstrip(b"\0") != SIGNATURE or len(header) < _FLAGS_OFFSET + 4:
        raise UnreadableDocument(f"{name}: not an HWP 5 document (HWP 3 and older are not supported)")
    flags = int.from_bytes(header[_FLAGS_OFFSET : _FLAGS_OFFSET + 4], "little")
    if flags & FLAG_PASSWORD:
        raise UnreadableDocument(f"{name}: the HWP document is password-protected; save an unprotected copy")
    if flags & FLAG_DISTRIBUTION:
        raise UnreadableDocument(f"{name}: a distribution (배포용) HWP document, whose text is encrypted")
    return bool(flags & FLAG_COMPRESSED)


def inflate_raw(data: bytes, budget: int, name: str) -> bytes:
    """Raw-deflate decompress at most `budget` + 1 bytes; a longer result tells the caller the budget is blown."""
    try:
        # max_length caps the output, so a tiny bomb stream cannot balloon before its size is checked.
        return zlib.decompressobj(-15).decompress(data, max(budget, 0) + 1)
    except zlib.error as exc:
        raise UnreadableDocument(f"{name}: the HWP document is damaged (a body stream does not decompress)") from exc
