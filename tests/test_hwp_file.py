"""HWP 5 extraction from real compound files (built by tests/hwp_sample.py), read by the real olefile."""

import io

import olefile
import pytest
from fastapi.testclient import TestClient
from hwp_sample import (
    FLAG_COMPRESSED,
    FLAG_DISTRIBUTION,
    FLAG_PASSWORD,
    deflate_raw,
    hwp_doc_info,
    hwp_file_header,
    hwp_section,
    make_cfb,
    make_hwp,
)

from kodetect.documents import UnreadableDocument, extract_text
from kodetect.serve.app import ServerSettings, create_app

PARAGRAPHS = [
    "오늘은 날씨가 맑아서 친구들과 함께 한강 공원에 자전거를 타러 갔다.",
    "벚꽃이 활짝 피어 있어서 사진을 많이 찍었고, 돌아오는 길에는 시장에 들러 떡볶이와 순대를 사 먹었다.",
    "오랜만에 밖에서 오래 시간을 보내니 기분이 정말 좋았다. 다음 주에도 날씨가 좋으면 다시 나가 보기로 약속했다.",
]
# Long enough that the section stream passes the 4096-byte mini stream cutoff and lives in ordinary sectors.
LONG = [f"{i}번째 문단: 가을이 깊어지면 나는 뜰의 낙엽을 긁어모은다." for i in range(300)]


def open_strict(data: bytes) -> olefile.OleFileIO:
    """olefile raising on every defect it can notice, even the ones it normally only records."""
    return olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_UNSURE)


@pytest.mark.parametrize("compressed", [True, False])
@pytest.mark.parametrize("paragraphs", [PARAGRAPHS, LONG], ids=["mini-stream", "big-stream"])
def test_generated_hwp_is_a_clean_ole_file(paragraphs, compressed):
    data = make_hwp(paragraphs, compressed=compressed)
    assert olefile.isOleFile(data)
    assert len(data) % 512 == 0
    ole = open_strict(data)
    try:
        assert ole.parsing_issues == []
        assert sorted(ole.listdir()) == [["BodyText", "Section0"], ["DocInfo"], ["FileHeader"]]
        header = ole.openstream("FileHeader").read()
        assert header == hwp_file_header(FLAG_COMPRESSED if compressed else 0)
        section = hwp_section(paragraphs)
        assert ole.openstream("BodyText/Section0").read() == (deflate_raw(section) if compressed else section)
    finally:
        ole.close()


@pytest.mark.parametrize("compressed", [True, False])
@pytest.mark.parametrize("paragraphs", [PARAGRAPHS, LONG], ids=["mini-stream", "big-stream"])
def test_extract_text_from_real_hwp(paragraphs, compressed):
    result = extract_text(make_hwp(paragraphs, compressed=compressed), "sample.hwp")
    assert result.format == "hwp"
    assert result.text == "\n".join(paragraphs)
    assert result.warnings == []


def test_sections_read_in_numeric_order():
    streams = {"FileHeader": hwp_file_header(FLAG_COMPRESSED), "DocInfo": deflate_raw(hwp_doc_info())}
    # Inserted out of order; Section10 sorts before Section2 by name but must come after it.
    for number in (10, 2, 0, 1, 11):
        streams[f"BodyText/Section{number}"] = deflate_raw(hwp_section([f"구역 {number}"]))
    data = make_cfb(streams)
    ole = open_strict(data)
    try:
        assert len(ole.listdir()) == 7
    finally:
        ole.close()
    assert extract_text(data, "sections.hwp").text == "\n".join(f"구역 {n}" for n in (0, 1, 2, 10, 11))


@pytest.mark.parametrize("flag, message", [(FLAG_PASSWORD, "password-protected"), (FLAG_DISTRIBUTION, "distribution")])
def test_protected_hwp_is_unreadable(flag, message):
    data = make_hwp(PARAGRAPHS, extra_flags=flag)
    with pytest.raises(UnreadableDocument, match=f"locked.hwp: .*{message}"):
        extract_text(data, "locked.hwp")


def test_upload_hwp_through_the_api(tmp_path):
    with TestClient(create_app(ServerSettings(db_path=tmp_path / "db.sqlite"))) as client:
        response = client.post("/v1/detect/file", files={"file": ("숙제.hwp", make_hwp(PARAGRAPHS))})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["extracted_text"] == "\n".join(PARAGRAPHS)
    assert body["document"] == {"format": "hwp", "pages": None, "warnings": []}
    assert body["verdict"] in ("ai", "human", "uncertain")
