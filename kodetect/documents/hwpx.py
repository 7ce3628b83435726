"""Text of a Hangul .hwpx (OWPML): a ZIP of XML sections holding hp:p paragraphs and hp:t text runs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET

from kodetect.documents.errors import UnreadableDocument
from kodetect.documents.lines import LineCollector
from kodetect.documents.model import ExtractedDocument, ExtractionLimits
from kodetect.documents.ziputil import ZipReader, open_zip
from kodetect.errors import KodetectError

PARAGRAPH_NS = "http://www.hancom.co.kr/hwpml/2011/paragraph"
_SECTION = re.compile(r"Contents/section(\d+)\.xml")
# Paragraphs nest inside table cells, text boxes and footnotes; a hostile file could nest without end.
_MAX_DEPTH = 200


def extract_hwpx(data: bytes, name: str, limits: ExtractionLimits) -> ExtractedDocument:
    """Read Contents/section0.xml, section1.xml, ... in order; one paragraph per line."""
    archive = open_zip(data, name, limits.max_uncompressed_bytes)
    reader = ZipReader(archive, name, limits.max_uncompressed_bytes)
    sections = sorted(
        (int(match.group(1)), member) for member in archive.namelist() if (match := _SECTION.fullmatch(member))
    )
    if not sections:
        raise UnreadableDocument(f"{name}: the .hwpx file has no body sections (damaged?)")
    lines = LineCollector(name, limits.max_chars)
    for _, member in sections:
        xml = reader.read(member)
        try:
            root = SafeET.fromstring(xml)
            for line in paragraph_lines(root):
                lines.add(line)
        except KodetectError:
            raise
        except Exception as exc:  # malformed XML, forbidden entities, absurd nesting
            raise UnreadableDocument(f"{name}: the .hwpx file is damaged ({member} cannot be parsed)") from exc
    return ExtractedDocument(text=lines.text(), format="hwpx")


def paragraph_lines(root: ET.Element) -> list[str]:
    """Text of every hp:p under `root`, in order; a nested paragraph (table cell) gets its own line."""
    out: list[str] = []
    _walk(root, out, depth=0)
    return out


def _walk(node: ET.Element, out: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError("paragraphs nested too deeply")
    for child in node:
        if _is(child, "p"):
            _paragraph(child, out, depth + 1)
        else:
            _walk(child, out, depth + 1)


def _paragraph(p: ET.Element, out: list[str], depth: int) -> None:
    parts: list[str] = []
    nested: list[str] = []

    def visit(node: ET.Element, level: int) -> None:
        if level > _MAX_DEPTH:
            raise ValueError("paragraphs nested too deeply")
        for child in node:
            if _is(child, "t"):
                parts.append(_run_text(child))
            elif _is(child, "p"):
                _paragraph(child, nested, level + 1)
            else:
                visit(child, level + 1)

    visit(p, depth)
    out.append("".join(parts))
    out.extend(nested)


def _run_text(t: ET.Element) -> str:
    # Tabs and line breaks are empty child elements inside hp:t; dropping them would glue words together.
    pieces = [t.text or ""]
    for child in t:
        if _is(child, "lineBreak"):
            pieces.append("\n")
        elif _is(child, "tab"):
            pieces.append("\t")
        else:
            pieces.append("".join(child.itertext()))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _is(element: ET.Element, local: str) -> bool:
    # Hancom has shipped more than one namespace year; match any hwpml paragraph namespace.
    tag = element.tag
    if not isinstance(tag, str) or not tag.endswith("}" + local):
        return False
    namespace = tag[1 : -len(local) - 1]
    hancom = namespace.startswith("http://www.hancom.co.kr/hwpml/") and namespace.endswith("/paragraph")
    return namespace == PARAGRAPH_NS or hancom
