"""Reading ZIP containers (.docx, .hwpx) without letting a zip bomb inflate in memory."""

from __future__ import annotations

import io
import zipfile
import zlib

from kodetect.documents.errors import DocumentTooLarge, UnreadableDocument, unpacked_too_large

_CHUNK = 64 * 1024


def open_zip(data: bytes, name: str, max_uncompressed_bytes: int) -> zipfile.ZipFile:
    """Open the archive and refuse it up front if its directory already declares too much content."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument(f"{name}: the file is damaged (not a readable ZIP container)") from exc
    if any(info.flag_bits & 0x1 for info in members):
        raise UnreadableDocument(f"{name}: the document is password-protected; save an unprotected copy")
    declared = sum(info.file_size for info in members)
    if declared > max_uncompressed_bytes:
        raise DocumentTooLarge(unpacked_too_large(name, max_uncompressed_bytes))
    return archive


class ZipReader:
    """Reads members while counting the bytes actually inflated, since the directory's sizes can lie."""

    def __init__(self, archive: zipfile.ZipFile, name: str, max_uncompressed_bytes: int) -> None:
        self.archive = archive
        self._name = name
        self._limit = max_uncompressed_bytes
        self._used = 0

    def read(self, member: str) -> bytes:
        return self._inflate(member, keep=True)

    def read_all(self) -> None:
        """Inflate every member once, so a library that reads the archive later reads only checked content."""
        for info in self.archive.infolist():
            if not info.is_dir():
                self._inflate(info.filename, keep=False)

    def _inflate(self, member: str, keep: bool) -> bytes:
        parts = []
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    self._used += len(chunk)
                    if self._used > self._limit:
                        raise DocumentTooLarge(unpacked_too_large(self._name, self._limit))
                    if keep:
                        parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, KeyError) as exc:
            raise UnreadableDocument(f"{self._name}: the file is damaged (cannot unpack {member})") from exc
        return b"".join(parts)
