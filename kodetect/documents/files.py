"""A document on disk, named by a person on the command line: any of the five formats, by content."""

from __future__ import annotations

from pathlib import Path

from kodetect.documents.errors import DocumentTooLarge
from kodetect.documents.extract import extract_by_content
from kodetect.documents.model import DEFAULT_LIMITS, ExtractedDocument, ExtractionLimits
from kodetect.errors import InputError
from kodetect.text.decode import file_size


def read_document(path: str | Path, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedDocument:
    """The text of a .txt (any supported encoding), .docx, .pdf, .hwpx or .hwp file, whatever its name.

    Raises InputError (or one of the documents' subclasses) with a message naming the file and the
    problem: missing, a folder, too large (checked before reading), unreadable, protected, no text.
    """
    path = Path(path)
    size = file_size(path, "document")
    if size > limits.max_input_bytes:
        raise DocumentTooLarge(f"{path}: the file is {size / 2**20:.1f} MiB; the limit is "
                               f"{limits.max_input_bytes / 2**20:g} MiB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if not data.strip():
        raise InputError(f"{path}: is empty (no text to check)")
    return extract_by_content(data, str(path), limits)
