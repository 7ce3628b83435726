"""Plain text out of the files teachers upload: .txt, .docx, .pdf, .hwpx and .hwp."""

from kodetect.documents.errors import DocumentTooLarge, UnreadableDocument, UnsupportedFormat
from kodetect.documents.extract import extract_by_content, extract_text
from kodetect.documents.files import read_document
from kodetect.documents.model import DEFAULT_LIMITS, FORMATS, ExtractedDocument, ExtractionLimits

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "DocumentTooLarge",
    "ExtractedDocument",
    "ExtractionLimits",
    "UnreadableDocument",
    "UnsupportedFormat",
    "extract_by_content",
    "extract_text",
    "read_document",
]
