import codecs

import pytest

from kodetect.errors import InputError
from kodetect.text.decode import decode_bytes, looks_binary, read_text_file

KOREAN = "가을이 깊어지면 나는 뜰의 낙엽을 긁어모은다.\n똠방각하, 햏햏 ― 숫자 123과 English도 섞여 있다.\r\n"


@pytest.mark.parametrize(
    "data",
    [
        KOREAN.encode("utf-8"),
        codecs.BOM_UTF8 + KOREAN.encode("utf-8"),
        KOREAN.encode("utf-16"),  # with the platform's BOM
        codecs.BOM_UTF16_LE + KOREAN.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + KOREAN.encode("utf-16-be"),
        KOREAN.encode("cp949"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp949"],
)
def test_encodings_decode_to_the_same_string(data):
    assert decode_bytes(data) == KOREAN


def test_euc_kr_subset_decodes():
    text = "대한민국 헌법 제1조"
    assert decode_bytes(text.encode("euc-kr")) == text


def test_empty_bytes_decode_to_empty_string():
    assert decode_bytes(b"") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
        "한글".encode("utf-16-le"),  # UTF-16 without a BOM is full of NULs
        b"text\x01\x02\x03\x04\x05 more",
    ],
    ids=["png", "elf", "utf-16-no-bom", "control-bytes"],
)
def test_binary_is_refused(data):
    assert looks_binary(data)
    with pytest.raises(InputError, match="binary"):
        decode_bytes(data, source="upload.bin")


def test_text_with_tabs_and_form_feeds_is_not_binary():
    assert not looks_binary("제목\t값\n\f다음 쪽\r\n".encode())


@pytest.mark.parametrize("data", [b"\xff\xff\xff", b"\x80\x80\xff", b"caf\xe9"])
def test_undecodable_bytes_give_a_clear_message(data):
    with pytest.raises(InputError) as info:
        decode_bytes(data, source="notes.txt")
    message = str(info.value)
    assert message.startswith("notes.txt:")
    assert "UTF-8" in message and "CP949" in message


def test_broken_utf16_is_refused():
    data = codecs.BOM_UTF16_LE + "가".encode("utf-16-le") + b"\x00\xd8"  # a lone high surrogate at the end
    with pytest.raises(InputError, match="UTF-16"):
        decode_bytes(data)


def test_read_text_file_reads_cp949(tmp_path):
    path = tmp_path / "essay.txt"
    path.write_bytes(KOREAN.encode("cp949"))
    assert read_text_file(path) == KOREAN
    assert read_text_file(str(path)) == KOREAN


def test_read_text_file_missing_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="no such file") as info:
        read_text_file(missing)
    assert str(missing) in str(info.value)


def test_read_text_file_directory(tmp_path):
    with pytest.raises(InputError, match="directory"):
        read_text_file(tmp_path)


def test_read_text_file_binary_names_the_file(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary") as info:
        read_text_file(path)
    assert str(path) in str(info.value)


def test_read_text_file_refuses_huge_files(tmp_path, monkeypatch):
    import kodetect.text.decode as decode

    monkeypatch.setattr(decode, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_bytes("가나다라마바사".encode())
    with pytest.raises(InputError, match="limit"):
        read_text_file(path)


def test_utf32_with_bom_is_decoded_not_mistaken_for_utf16():
    text = "한국어 텍스트입니다."
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):
        data = text.encode(encoding)
        if encoding != "utf-32":
            bom = codecs.BOM_UTF32_LE if encoding.endswith("le") else codecs.BOM_UTF32_BE
            data = bom + data
        assert decode_bytes(data) == text
