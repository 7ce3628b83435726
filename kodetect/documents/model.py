"""What extraction returns and the limits it runs under."""

from __future__ import annotations

from dataclasses import dataclass, field

from kodetect.detection import described

FORMATS = ("txt", "docx", "pdf", "hwpx", "hwp")


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep one hostile or huge upload from exhausting memory or time."""

    max_input_bytes: int = 10 * 1024 * 1024
    max_chars: int = 1_000_000
    # Applies to ZIP members (.docx, .hwpx) and inflated HWP streams alike: both are decompression bombs in waiting.
    max_uncompressed_bytes: int = 50 * 1024 * 1024
    max_pdf_pages: int = 500


DEFAULT_LIMITS = ExtractionLimits()


@dataclass(frozen=True)
class ExtractedDocument:
    """Plain text of a document; `pages` is known only for PDFs."""

    text: str
    format: str = described("What the content really is: txt, docx, pdf, hwpx or hwp.")
    pages: int | None = described("Page count (PDF only).", default=None)
    warnings: list[str] = field(default_factory=list)
