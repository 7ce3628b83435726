"""Decides a file's format from its extension and, above all, its first bytes."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import PurePath

from kodetect.documents.errors import UnreadableDocument, UnsupportedFormat
from kodetect.text.decode import looks_binary

EXTENSIONS = {".txt": "txt", ".docx": "docx", ".pdf": "pdf", ".hwpx": "hwpx", ".hwp": "hwp"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
HWPX_MIMETYPE = b"application/hwp+zip"
# PDF readers accept a little junk before the header, so look a short way in rather than only at byte 0.
_PDF_HEADER_WINDOW = 1024
_TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Only consulted for data that is binary, so a Korean text starting "MZ세대" is not taken for a Windows program.
_FOREIGN_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)

SUPPORTED_LIST = ".txt, .docx, .pdf, .hwpx or .hwp"


def extension_format(filename: str) -> str:
    """Format the name promises; anything outside the five supported extensions is refused outright."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise UnsupportedFormat(f"{filename}: {kind} are not supported; upload {SUPPORTED_LIST}")
    return EXTENSIONS[suffix]


def content_format(data: bytes, name: str) -> str:
    """Format the bytes show; this wins over the extension when the two disagree."""
    if data.startswith(OLE_MAGIC):
        return "hwp"  # hwp.py tells HWP apart from other OLE files (.doc, encrypted .docx) once it is open
    if PDF_MAGIC in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        return _zip_format(data, name)
    if looks_binary(data) and not data.startswith(_TEXT_BOMS):
        what = next((desc for magic, desc in _FOREIGN_MAGIC if data.startswith(magic)), "a binary file")
        raise UnsupportedFormat(f"{name}: this is {what}, not a document; upload {SUPPORTED_LIST}")
    return "txt"


def _zip_format(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(64).strip()
    except Exception as exc:  # zipfile raises many types on damaged archives; all mean the same to a user
        raise UnreadableDocument(f"{name}: the file is damaged (not a readable ZIP container)") from exc
    if mimetype == HWPX_MIMETYPE or any(_is_hwpx_section(member) for member in names):
        return "hwpx"
    if "word/document.xml" in names:
        return "docx"
    raise UnsupportedFormat(f"{name}: a ZIP archive that is neither a Word (.docx) nor a Hangul (.hwpx) document")


def _is_hwpx_section(member: str) -> bool:
    return member.startswith("Contents/section") and member.endswith(".xml")
