import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from kodetect.documents import (
    DocumentTooLarge,
    ExtractedDocument,
    ExtractionLimits,
    UnreadableDocument,
    UnsupportedFormat,
    extract_text,
)
from kodetect.documents import hwp as hwp_module
from kodetect.documents.hwp_records import HWPTAG_PARA_TEXT, decode_para_text, parse_records
from kodetect.documents.sniff import OLE_MAGIC
from kodetect.documents.ziputil import ZipReader
from kodetect.errors import InputError

KOREAN_1 = "가을이 깊어지면 나는 뜰의 낙엽을 긁어모은다."
KOREAN_2 = "똠방각하, 햏햏 ― 숫자 123과 English도 섞여 있다."
HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HANGUL_FONTS = [
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumMyeongjo.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/Library/Fonts/AppleGothic.ttf",
    "C:/Windows/Fonts/malgun.ttf",
]


# --- builders -------------------------------------------------------------------------------------------------


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph(KOREAN_1)
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "이름"
    table.cell(0, 1).text = "점수"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "합친 칸"
    document.add_paragraph(KOREAN_2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def hwpx_section(*paragraphs: str) -> bytes:
    body = "".join(paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="urn:sec" xmlns:hp="{HP}">{body}</hs:sec>'.encode()


def hp_p(*runs: str) -> str:
    return "<hp:p>" + "".join(f"<hp:run>{run}</hp:run>" for run in runs) + "</hp:p>"


def make_hwpx(sections: dict[str, bytes], mimetype: bytes = b"application/hwp+zip") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        # OWPML, like EPUB, wants an uncompressed mimetype as the first member.
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("Contents/content.hpf", "<opf:package xmlns:opf='urn:opf'/>")
        for name, xml in sections.items():
            archive.writestr(name, xml)
    return out.getvalue()


def zip_bomb(member: str, extra: dict[str, bytes], size: int = 60 * 1024 * 1024) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extra.items():
            archive.writestr(name, content)
        zeros = bytes(1024 * 1024)
        with archive.open(member, "w", force_zip64=True) as stream:
            for _ in range(size // len(zeros)):
                stream.write(zeros)
    return out.getvalue()


def hangul_font() -> str | None:
    return next((path for path in HANGUL_FONTS if Path(path).is_file()), None)


def make_text_pdf(pages: list[str]) -> bytes:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (dev extra) is needed to write a text PDF")
    font = hangul_font()
    if font is None:
        pytest.skip("no Hangul TTF font on this machine (e.g. apt-get install fonts-nanum)")
    pdf = fpdf.FPDF()
    pdf.add_font("hangul", fname=font)
    pdf.set_font("hangul", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def blank_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_text_pdf([KOREAN_1])))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def record(tag: int, payload: bytes, level: int = 0) -> bytes:
    if len(payload) < 0xFFF:
        return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload
    return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload


def para_text(*pieces: str | bytes) -> bytes:
    return b"".join(p if isinstance(p, bytes) else p.encode("utf-16-le") for p in pieces)


def inline_control(code: int) -> bytes:
    # code, six WCHARs of parameters (arbitrary bytes here, even Hangul-looking ones), code again.
    return struct.pack("<H", code) + "가나다라마바".encode("utf-16-le") + struct.pack("<H", code)


PARA_END = struct.pack("<H", 13)


def hwp_file_header(flags: int) -> bytes:
    return b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05010000, flags) + bytes(216)


class FakeOle:
    """Just the olefile.OleFileIO surface hwp.py uses, backed by a dict of stream paths."""

    def __init__(self, streams: dict[str, bytes]) -> None:
        self.streams = streams
        self.closed = False

    def exists(self, path: str) -> bool:
        return path.lower() in {name.lower() for name in self.streams}

    def listdir(self, streams: bool = True, storages: bool = False) -> list[list[str]]:
        return [name.split("/") for name in self.streams]

    def openstream(self, path: str) -> io.BytesIO:
        return io.BytesIO(self.streams[path])

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_ole(monkeypatch):
    """Install a fake OLE container; returns a function that sets its streams."""
    holder: dict[str, FakeOle] = {}

    def install(streams: dict[str, bytes]) -> FakeOle:
        holder["ole"] = FakeOle(streams)
        return holder["ole"]

    monkeypatch.setattr(hwp_module.olefile, "OleFileIO", lambda _stream: holder["ole"])
    return install


def hwp_section(*paragraphs: bytes) -> bytes:
    return b"".join(record(HWPTAG_PARA_TEXT, p, level=1) for p in paragraphs)


def deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


# --- txt ------------------------------------------------------------------------------------------------------


def test_cp949_txt_is_decoded():
    result = extract_text((KOREAN_1 + "\n" + KOREAN_2).encode("cp949"), "작문.txt")
    assert result == ExtractedDocument(text=KOREAN_1 + "\n" + KOREAN_2, format="txt", pages=None, warnings=[])


def test_utf16_txt_with_bom_is_text_not_binary():
    assert extract_text(KOREAN_1.encode("utf-16"), "a.TXT").text == KOREAN_1


def test_text_starting_with_mz_is_not_taken_for_a_program():
    assert extract_text("MZ세대의 글쓰기 습관".encode(), "essay.txt").text == "MZ세대의 글쓰기 습관"


def test_empty_file_has_no_text():
    with pytest.raises(UnreadableDocument, match="empty.txt: no text found"):
        extract_text(b"", "empty.txt")


# --- docx -----------------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_document_order():
    result = extract_text(make_docx(), "report.docx")
    assert result.format == "docx"
    assert result.pages is None
    assert result.text.split("\n") == [KOREAN_1, "이름", "점수", "합친 칸", KOREAN_2]
    assert result.warnings == []


def test_docx_without_text_is_unreadable():
    out = io.BytesIO()
    docx.Document().save(out)
    with pytest.raises(UnreadableDocument, match="no text found"):
        extract_text(out.getvalue(), "blank.docx")


def test_damaged_docx_is_unreadable():
    data = make_docx()
    with pytest.raises(UnreadableDocument, match="broken.docx"):
        extract_text(data[: len(data) // 2], "broken.docx")


def test_docx_zip_bomb_is_refused():
    data = zip_bomb("word/document.xml", {"[Content_Types].xml": b"<Types/>"})
    assert len(data) < 1024 * 1024
    with pytest.raises(DocumentTooLarge, match="bomb.docx: the document unpacks to more than 50 MiB"):
        extract_text(data, "bomb.docx")


def test_zip_reader_counts_inflated_bytes_not_declared_sizes():
    data = zip_bomb("Contents/section0.xml", {}, size=3 * 1024 * 1024)
    reader = ZipReader(zipfile.ZipFile(io.BytesIO(data)), "x.hwpx", max_uncompressed_bytes=1024 * 1024)
    with pytest.raises(DocumentTooLarge, match="more than 1 MiB"):
        reader.read("Contents/section0.xml")


def test_docx_text_over_character_limit_is_too_large():
    with pytest.raises(DocumentTooLarge, match="more than 30 characters"):
        extract_text(make_docx(), "long.docx", ExtractionLimits(max_chars=30))


# --- pdf ------------------------------------------------------------------------------------------------------


def test_pdf_text_layer_page_by_page():
    result = extract_text(make_text_pdf([KOREAN_1, "두 번째 쪽입니다."]), "scan.pdf")
    assert result.format == "pdf"
    assert result.pages == 2
    assert result.text == KOREAN_1 + "\n두 번째 쪽입니다."


def test_image_only_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="scan.pdf: image-only PDF, no text layer"):
        extract_text(blank_pdf(), "scan.pdf")


def test_pdf_with_some_blank_pages_warns():
    writer = PdfWriter(clone_from=io.BytesIO(make_text_pdf([KOREAN_1])))
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    result = extract_text(out.getvalue(), "mixed.pdf")
    assert result.text == KOREAN_1
    assert result.warnings == ["1 of 2 pages have no text layer and were skipped: 2"]


def test_password_protected_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="locked.pdf: the PDF is password-protected"):
        extract_text(encrypted_pdf("pw"), "locked.pdf")


def test_pdf_encrypted_with_empty_open_password_is_read():
    assert extract_text(encrypted_pdf(""), "restricted.pdf").text == KOREAN_1


def test_pdf_over_page_limit_is_too_large():
    with pytest.raises(DocumentTooLarge, match="long.pdf: the PDF has 3 pages; the limit is 2"):
        extract_text(blank_pdf(3), "long.pdf", ExtractionLimits(max_pdf_pages=2))


def test_damaged_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="bad.pdf"):
        extract_text(b"%PDF-1.7\n" + bytes(range(256)) * 4, "bad.pdf")


# --- hwpx -----------------------------------------------------------------------------------------------------


def test_hwpx_sections_in_numeric_order_one_paragraph_per_line():
    table = (
        "<hp:tbl><hp:tr><hp:tc><hp:subList>"
        + hp_p("<hp:t>셀 안의 글</hp:t>")
        + "</hp:subList></hp:tc></hp:tr></hp:tbl>"
    )
    sections = {
        "Contents/section10.xml": hwpx_section(hp_p("<hp:t>열한째 구역</hp:t>")),
        "Contents/section0.xml": hwpx_section(
            hp_p("<hp:t>가을이 깊어지면 </hp:t>", "<hp:t>나는 뜰의 낙엽을 긁어모은다.</hp:t>"),
            hp_p(""),
            hp_p("<hp:t>표 앞</hp:t>", table),
            hp_p("<hp:t>첫 줄<hp:lineBreak/>둘째 줄<hp:tab/>탭 뒤</hp:t>"),
        ),
        "Contents/section2.xml": hwpx_section(hp_p("<hp:t>셋째 구역</hp:t>")),
    }
    result = extract_text(make_hwpx(sections), "숙제.hwpx")
    assert result.format == "hwpx"
    assert result.text.split("\n") == [
        KOREAN_1,
        "표 앞",
        "셀 안의 글",
        "첫 줄",
        "둘째 줄\t탭 뒤",
        "셋째 구역",
        "열한째 구역",
    ]


def test_hwpx_recognised_by_sections_even_without_mimetype():
    data = make_hwpx({"Contents/section0.xml": hwpx_section(hp_p("<hp:t>본문</hp:t>"))}, mimetype=b"")
    assert extract_text(data, "a.hwpx").text == "본문"


def test_hwpx_with_malformed_xml_is_unreadable():
    data = make_hwpx({"Contents/section0.xml": b"<hs:sec><hp:p>"})
    with pytest.raises(UnreadableDocument, match="bad.hwpx: .*section0.xml cannot be parsed"):
        extract_text(data, "bad.hwpx")


def test_hwpx_entity_expansion_is_refused():
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>'
    with pytest.raises(UnreadableDocument, match="evil.hwpx"):
        extract_text(make_hwpx({"Contents/section0.xml": xml}), "evil.hwpx")


def test_hwpx_zip_bomb_is_refused():
    data = zip_bomb("Contents/section0.xml", {"mimetype": b"application/hwp+zip"}, size=3 * 1024 * 1024)
    with pytest.raises(DocumentTooLarge, match="bomb.hwpx"):
        extract_text(data, "bomb.hwpx", ExtractionLimits(max_uncompressed_bytes=1024 * 1024))


# --- hwp: records and PARA_TEXT -------------------------------------------------------------------------------


def test_parse_records_reads_header_fields_and_extended_size():
    big = bytes(5000)
    data = record(66, b"\x01\x02", level=0) + record(HWPTAG_PARA_TEXT, big, level=1)
    records, truncated = parse_records(data)
    assert not truncated
    assert [(r.tag, r.level, len(r.payload)) for r in records] == [(66, 0, 2), (HWPTAG_PARA_TEXT, 1, 5000)]


@pytest.mark.parametrize("cut", [1, 3, 4 + 1, 9])
def test_parse_records_stops_at_a_truncated_record(cut):
    data = record(HWPTAG_PARA_TEXT, "가나다".encode("utf-16-le")) + record(HWPTAG_PARA_TEXT, bytes(10))
    records, truncated = parse_records(data[:-cut])
    assert truncated
    assert len(records) == 1


def test_parse_records_survives_garbage():
    records, _ = parse_records(bytes(range(256)) * 8)
    assert all(isinstance(r.payload, bytes) for r in records)


def test_para_text_skips_inline_controls_and_ends_paragraphs():
    payload = para_text("가을", inline_control(11), "이 깊어지면", inline_control(9), "낙엽", PARA_END)
    assert decode_para_text(payload) == "가을이 깊어지면\t낙엽\n"


def test_para_text_maps_line_break_and_special_spaces():
    payload = para_text("첫 줄", struct.pack("<H", 10), "묶음", struct.pack("<H", 30), "빈칸", struct.pack("<H", 24))
    assert decode_para_text(payload) == "첫 줄\n묶음 빈칸"


def test_para_text_tolerates_truncated_control_and_odd_length():
    assert decode_para_text(para_text("끝", struct.pack("<HH", 11, 0)) + b"\x00") == "끝"


# --- hwp: OLE path with a fake olefile ------------------------------------------------------------------------


def test_hwp_compressed_sections_in_order(fake_ole):
    section0 = hwp_section(para_text(KOREAN_1, PARA_END), para_text("", PARA_END), para_text("표", inline_control(11)))
    section1 = hwp_section(para_text(KOREAN_2, PARA_END))
    ole = fake_ole(
        {
            "FileHeader": hwp_file_header(flags=1),
            "DocInfo": b"",
            "BodyText/Section1": deflate_raw(section1),
            "BodyText/Section0": deflate_raw(section0),
        }
    )
    result = extract_text(OLE_MAGIC + bytes(504), "숙제.hwp")
    assert result == ExtractedDocument(text=f"{KOREAN_1}\n표\n{KOREAN_2}", format="hwp", pages=None, warnings=[])
    assert ole.closed


def test_hwp_uncompressed_section_with_truncation_warns(fake_ole):
    section = hwp_section(para_text(KOREAN_1, PARA_END)) + b"\x43\x00"
    fake_ole({"FileHeader": hwp_file_header(flags=0), "BodyText/Section0": section})
    result = extract_text(OLE_MAGIC + bytes(504), "a.hwp")
    assert result.text == KOREAN_1
    assert result.warnings == ["BodyText/Section0 ends in the middle of a record; text after that point may be missing"]


@pytest.mark.parametrize(
    ("flags", "message"), [(0b011, "password-protected"), (0b101, "distribution"), (0b111, "password-protected")]
)
def test_encrypted_and_distribution_hwp_are_unreadable(fake_ole, flags, message):
    fake_ole({"FileHeader": hwp_file_header(flags), "BodyText/Section0": b""})
    with pytest.raises(UnreadableDocument, match=f"locked.hwp: .*{message}"):
        extract_text(OLE_MAGIC + bytes(504), "locked.hwp")


def test_hwp_with_bad_signature_is_unreadable(fake_ole):
    fake_ole({"FileHeader": b"HWP Document File V3.00".ljust(256, b"\0"), "BodyText/Section0": b""})
    with pytest.raises(UnreadableDocument, match="old.hwp: not an HWP 5 document"):
        extract_text(OLE_MAGIC + bytes(504), "old.hwp")


def test_hwp_decompression_bomb_is_refused(fake_ole):
    fake_ole({"FileHeader": hwp_file_header(flags=1), "BodyText/Section0": deflate_raw(bytes(3 * 1024 * 1024))})
    with pytest.raises(DocumentTooLarge, match="bomb.hwp"):
        extract_text(OLE_MAGIC + bytes(504), "bomb.hwp", ExtractionLimits(max_uncompressed_bytes=1024 * 1024))


def test_hwp_stream_that_does_not_inflate_is_unreadable(fake_ole):
    fake_ole({"FileHeader": hwp_file_header(flags=1), "BodyText/Section0": b"\xff" * 64})
    with pytest.raises(UnreadableDocument, match="does not decompress"):
        extract_text(OLE_MAGIC + bytes(504), "bad.hwp")


def test_other_ole_files_are_unsupported_or_locked(fake_ole):
    fake_ole({"WordDocument": b"", "1Table": b""})
    with pytest.raises(UnsupportedFormat, match="old.hwp: an old binary Office file"):
        extract_text(OLE_MAGIC + bytes(504), "old.hwp")
    fake_ole({"EncryptionInfo": b"", "EncryptedPackage": b""})
    with pytest.raises(UnreadableDocument, match="secret.docx: the document is password-protected"):
        extract_text(OLE_MAGIC + bytes(504), "secret.docx")


def test_damaged_ole_container_is_unreadable_with_real_olefile():
    with pytest.raises(UnreadableDocument, match="broken.hwp"):
        extract_text(OLE_MAGIC + bytes(504), "broken.hwp")


# --- format detection and limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "a PNG image"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(64), "a Windows program"),
        (bytes(range(256)), "a binary file"),
    ],
)
def test_binary_renamed_to_a_document_is_unsupported(data, what):
    with pytest.raises(UnsupportedFormat, match=f"photo.docx: this is {what}, not a document"):
        extract_text(data, "photo.docx")


@pytest.mark.parametrize("filename", ["notes.md", "essay.rtf", "report.doc", "README"])
def test_other_extensions_are_unsupported_even_if_text(filename):
    with pytest.raises(UnsupportedFormat, match=f"^{filename}: .* are not supported"):
        extract_text(KOREAN_1.encode(), filename)


def test_content_wins_over_extension():
    result = extract_text(make_docx(), "숙제.hwp")
    assert result.format == "docx"
    assert result.warnings == ["named .hwp but the content is a Word document; read as such"]
    assert extract_text(KOREAN_1.encode(), "essay.pdf").format == "txt"


def test_zip_that_is_neither_docx_nor_hwpx_is_unsupported():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFormat, match="book.docx: a ZIP archive that is neither"):
        extract_text(out.getvalue(), "book.docx")


def test_input_over_byte_limit_is_refused_before_parsing():
    with pytest.raises(DocumentTooLarge, match=r"big.pdf: the file is 0.0 MiB"):
        extract_text(b"%PDF-" + bytes(100), "big.pdf", ExtractionLimits(max_input_bytes=50))
    with pytest.raises(DocumentTooLarge, match="the limit is 10 MiB"):
        extract_text(bytes(10 * 1024 * 1024 + 1), "huge.txt")


def test_txt_over_character_limit_is_too_large():
    with pytest.raises(DocumentTooLarge, match="more than 10 characters"):
        extract_text(KOREAN_1.encode(), "a.txt", ExtractionLimits(max_chars=10))


def test_errors_are_input_errors_with_one_line_messages():
    for cls in (UnsupportedFormat, DocumentTooLarge, UnreadableDocument):
        assert issubclass(cls, InputError)
    with pytest.raises(InputError) as caught:
        extract_text(b"PK\x03\x04 not really a zip", "broken.hwpx")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("broken.hwpx: ")
