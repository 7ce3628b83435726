"""`kodetect check FILE` reads the documents people hand to a teacher, by content, with the real model:
.hwp (5.0), .hwpx, .docx and a Korean .pdf, all made here; and `kodetect batch` takes a single one."""

from __future__ import annotations

import io
import json
import re

import docx
import pytest
from batch_fakes import run
from hwp_sample import FLAG_DISTRIBUTION, FLAG_PASSWORD, make_hwp
from test_documents import hp_p, hwpx_section, make_hwpx, make_text_pdf

from kodetect.cli.render import CAUTION
from kodetect.detection import DETECTION_FIELDS

PARAGRAPHS = [
    "우리 반은 지난주에 학교 뒤 텃밭에서 상추와 방울토마토를 심었다. 흙을 고르고 모종을 옮기느라 손톱 밑이 새까매졌다.",
    "물을 너무 많이 주면 뿌리가 썩는다고 해서 당번을 정해 하루에 한 번씩만 주기로 했다. "
    "다음 달에는 수확한 채소로 비빔밥을 만들 계획이다.",
]
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def make_docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def hwpx_bytes(paragraphs: list[str]) -> bytes:
    return make_hwpx({"Contents/section0.xml": hwpx_section(*(hp_p(f"<hp:t>{p}</hp:t>") for p in paragraphs))})


MAKERS = {
    "hwp": lambda: make_hwp(PARAGRAPHS),
    "hwpx": lambda: hwpx_bytes(PARAGRAPHS),
    "docx": lambda: make_docx(PARAGRAPHS),
    "pdf": lambda: make_text_pdf(["\n".join(PARAGRAPHS)]),
}
FORMAT_NAMES = {"hwp": "한글 .hwp", "hwpx": "한글 .hwpx", "docx": "Word .docx", "pdf": "PDF"}


def evidence_lines(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("판정 근거 (영향이 큰 순)") + 1
    return [line for line in lines[start:] if line.startswith("  ")]


@pytest.mark.parametrize("kind", list(MAKERS))
def test_check_reads_each_document_format_into_a_readable_korean_view(kind, tmp_path, capsys):
    path = tmp_path / f"essay.{kind}"
    path.write_bytes(MAKERS[kind]())
    assert run(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{path}  ({FORMAT_NAMES[kind]}")
    assert "AI 생성 확률: " in out and "텃밭" in out and "비빔밥" in out  # the document's sentences are shown
    evidence = evidence_lines(out)
    assert evidence, out
    for line in evidence:
        # A Korean sentence about the text (ends like one), never a feature name or a bare number.
        assert re.search("[가-힣]{2,}", line) and line.rstrip().endswith((".", "다.", "니다."))
        assert not SNAKE_CASE.search(line), line
    assert out.rstrip().endswith(CAUTION["ko"])


def test_check_decides_the_format_by_content_not_name(tmp_path, capsys):
    path = tmp_path / "essay_without_extension"
    path.write_bytes(make_docx(PARAGRAPHS))
    assert run(["check", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data)[: len(DETECTION_FIELDS)] == DETECTION_FIELDS
    assert data["document"]["format"] == "docx"
    text = data["extracted_text"]
    assert all(text[s["start"]:s["end"]] == s["text"] for s in data["sentences"])
    assert all(e["explanation"]["ko"] and e["explanation"]["en"] for e in data["evidence"])


@pytest.mark.parametrize(("flags", "message"), [(FLAG_PASSWORD, "password-protected"),
                                                (FLAG_DISTRIBUTION, "distribution")])
def test_protected_hwp_gets_the_same_clear_error_as_in_batch(flags, message, tmp_path, capsys):
    path = tmp_path / "locked.hwp"
    path.write_bytes(make_hwp(PARAGRAPHS, extra_flags=flags))
    assert run(["check", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("kodetect: error: ") and message in error and "locked.hwp" in error
    assert run(["batch", str(path), "-o", "-"]) == 0  # a batch goes on past a bad row, which says why
    row = json.loads(capsys.readouterr().out)
    assert message in row["error"] and row["id"] == "locked.hwp"


def test_batch_takes_a_single_document(tmp_path, capsys):
    path = tmp_path / "report.docx"
    path.write_bytes(make_docx(PARAGRAPHS))
    assert run(["batch", str(path), "-o", "-"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 1 and rows[0]["id"] == "report.docx" and rows[0]["verdict"]
