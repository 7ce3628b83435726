"""Text layer of a PDF, page by page."""

from __future__ import annotations

import io

from pypdf import PasswordType, PdfReader

from kodetect.documents.errors import DocumentTooLarge, UnreadableDocument
from kodetect.documents.lines import LineCollector
from kodetect.documents.model import ExtractedDocument, ExtractionLimits
from kodetect.errors import KodetectError


def extract_pdf(data: bytes, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    """Join each page's text layer with newlines; encrypted or image-only PDFs are unreadable."""
    try:
        reader = PdfReader(io.BytesIO(data))
        _open_encrypted(reader, name)
        pages = len(reader.pages)
        if pages > limits.max_pdf_pages:
            raise DocumentTooLarge(f"{name}: the PDF has {pages} pages; the limit is {limits.max_pdf_pages}")
        lines = LineCollector(name, limits.max_chars)
        blank_pages = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if not text.strip():
                blank_pages.append(number)
            lines.add(text)
    except KodetectError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files
        raise UnreadableDocument(f"{name}: the PDF is damaged and cannot be read") from exc
    if len(blank_pages) == pages:
        raise UnreadableDocument(f"{name}: image-only PDF, no text layer (a scan?); upload the original document")
    warnings = []
    if blank_pages:
        skipped = _pages(blank_pages)
        warnings.append(f"{len(blank_pages)} of {pages} pages have no text layer and were skipped: {skipped}")
    return ExtractedDocument(text=lines.text(), format="pdf", pages=pages, warnings=warnings)


def _open_encrypted(reader: PdfReader, name: str) -> None:
    # Many PDFs are "encrypted" only to restrict printing or copying, with an empty open password.
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except Exception as exc:  # e.g. AES without a crypto backend installed
        raise UnreadableDocument(f"{name}: the PDF is encrypted and cannot be opened") from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise UnreadableDocument(f"{name}: the PDF is password-protected; upload an unprotected copy")


def _pages(numbers: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(n) for n in numbers[:shown])
    return listed + (", ..." if len(numbers) > shown else "")
