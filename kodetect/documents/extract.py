"""One entry point: bytes and a filename in, plain text out, or a typed error a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kodetect.documents.errors import DocumentTooLarge, UnreadableDocument, too_many_chars
from kodetect.documents.hwp import extract_hwp
from kodetect.documents.hwpx import extract_hwpx
from kodetect.documents.model import DEFAULT_LIMITS, ExtractedDocument, ExtractionLimits
from kodetect.documents.pdf import extract_pdf
from kodetect.documents.sniff import content_format, extension_format
from kodetect.documents.word import extract_docx
from kodetect.errors import InputError
from kodetect.text.decode import decode_bytes

Extractor = Callable[[bytes, str, ExtractionLimits], ExtractedDocument]


def extract_text(data: bytes, filename: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedDocument:
    """Extract the text of a .txt, .docx, .pdf, .hwpx or .hwp file.

    The extension must be one of those five; the content decides which of them the file really is.
    Raises UnsupportedFormat, DocumentTooLarge or UnreadableDocument (all InputError subclasses).
    """
    claimed = extension_format(filename)
    document = extract_by_content(data, filename, limits)
    actual = document.format
    if claimed != actual:
        note = f"named .{claimed} but the content is {_DESCRIPTIONS[actual]}; read as such"
        document = replace(document, warnings=[note, *document.warnings])
    return document


def extract_by_content(data: bytes, filename: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedDocument:
    """Extract the text of a file whatever its name: the first bytes alone decide the format.

    For files a person names on the command line (`kodetect check essay`, `report.hwp.bak`), where
    the name is theirs to choose; uploads go through `extract_text`, which also wants a known extension.
    """
    if len(data) > limits.max_input_bytes:
        raise DocumentTooLarge(
            f"{filename}: the file is {len(data) / 2**20:.1f} MiB; the limit is {limits.max_input_bytes / 2**20:g} MiB"
        )
    document = _EXTRACTORS[content_format(data, filename)](data, filename, limits)
    if not document.text.strip():
        raise UnreadableDocument(f"{filename}: no text found in the document")
    return document


def extract_txt(data: bytes, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    try:
        text = decode_bytes(data, source=name)
    except InputError as exc:
        raise UnreadableDocument(str(exc)) from exc
    if len(text) > limits.max_chars:
        raise DocumentTooLarge(too_many_chars(name, limits.max_chars))
    return ExtractedDocument(text=text, format="txt")


_EXTRACTORS: dict[str, Extractor] = {
    "txt": extract_txt,
    "docx": extract_docx,
    "pdf": extract_pdf,
    "hwpx": extract_hwpx,
    "hwp": extract_hwp,
}
_DESCRIPTIONS = {
    "txt": "plain text",
    "docx": "a Word document",
    "pdf": "a PDF",
    "hwpx": "a Hangul .hwpx document",
    "hwp": "a Hangul .hwp document",
}
