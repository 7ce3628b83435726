"""Why a document could not be turned into text; the HTTP layer maps each class to a status code."""

from kodetect.errors import InputError


class UnsupportedFormat(InputError):
    """The file is not one of .txt, .docx, .pdf, .hwpx, .hwp (HTTP 415)."""


class DocumentTooLarge(InputError):
    """The file, its unpacked contents, its page count or its text exceeds a limit (HTTP 413)."""


class UnreadableDocument(InputError):
    """Supported format, but corrupt, encrypted, distribution-locked or without a text layer (HTTP 422)."""


def unpacked_too_large(name: str, limit: int) -> str:
    return f"{name}: the document unpacks to more than {limit / 2**20:g} MiB, the most one check accepts"


def too_many_chars(name: str, max_chars: int) -> str:
    return f"{name}: the document has more than {max_chars:,} characters of text, the most one check accepts"
