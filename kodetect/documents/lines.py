"""Collects extracted lines while enforcing the character limit as early as possible."""

from __future__ import annotations

from kodetect.documents.errors import DocumentTooLarge, too_many_chars


class LineCollector:
    """Keeps non-blank lines; raises DocumentTooLarge the moment the text passes `max_chars`."""

    def __init__(self, name: str, max_chars: int) -> None:
        self._name = name
        self._max_chars = max_chars
        self._lines: list[str] = []
        self._chars = 0

    def add(self, text: str) -> None:
        """Add one paragraph or block; embedded newlines split it into several lines."""
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            # +1 for the newline that will join it to the next line.
            self._chars += len(line) + (1 if self._lines else 0)
            if self._chars > self._max_chars:
                raise DocumentTooLarge(too_many_chars(self._name, self._max_chars))
            self._lines.append(line)

    def text(self) -> str:
        return "\n".join(self._lines)
