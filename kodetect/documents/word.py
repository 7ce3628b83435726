"""Text of a Word .docx: body paragraphs and table cells, in document order."""

from __future__ import annotations

import io

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from kodetect.documents.errors import UnreadableDocument
from kodetect.documents.lines import LineCollector
from kodetect.documents.model import ExtractedDocument, ExtractionLimits
from kodetect.documents.ziputil import ZipReader, open_zip
from kodetect.errors import KodetectError

# Tables nested in table cells deeper than this are skipped; real documents rarely go past two or three.
_MAX_TABLE_DEPTH = 8


def extract_docx(data: bytes, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    """Extract paragraphs and table cell text, one paragraph per line, skipping empty ones."""
    archive = open_zip(data, name, limits.max_uncompressed_bytes)
    # python-docx inflates every part itself; doing it once first under our budget defuses zip bombs.
    ZipReader(archive, name, limits.max_uncompressed_bytes).read_all()
    lines = LineCollector(name, limits.max_chars)
    try:
        document = docx.Document(io.BytesIO(data))
        _collect_blocks(document.iter_inner_content(), lines, depth=0)
    except KodetectError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types on damaged parts
        raise UnreadableDocument(f"{name}: the Word document is damaged or not a .docx file") from exc
    return ExtractedDocument(text=lines.text(), format="docx")


def _collect_blocks(blocks, lines: LineCollector, depth: int) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.add(block.text)
        elif isinstance(block, Table) and depth < _MAX_TABLE_DEPTH:
            _collect_table(block, lines, depth + 1)


def _collect_table(table: Table, lines: LineCollector, depth: int) -> None:
    seen: set[object] = set()
    for row in table.rows:
        for cell in row.cells:
            # A merged cell appears once per grid column it spans; its text should appear once. Holding the
            # lxml elements (not their ids) keeps each proxy alive, so identity comparison stays valid.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            _collect_blocks(cell.iter_inner_content(), lines, depth)
