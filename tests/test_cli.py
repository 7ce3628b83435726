import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from batch_fakes import run

from kodetect.cli import main as cli
from kodetect.detection import (
    DETECTION_FIELDS,
    VERDICTS,
    Detection,
    Evidence,
    ModelInfo,
    NormalizationReport,
    SentenceScore,
)
from kodetect.errors import InputError, ModelError
from kodetect.version import __version__

REPO = Path(__file__).resolve().parents[1]
HANGUL = re.compile(r"[가-힣]")
KOREAN = "인공지능은 다양한 분야에서 활용되고 있습니다. 이러한 변화는 우리의 삶을 크게 바꾸고 있습니다."


class FakeDetector:
    """Deterministic stand-in for the real model: 'AI' in the text raises the score."""

    instances: list["FakeDetector"] = []

    def __init__(self, mode: str, threshold_mode: str):
        self.mode = mode
        self.threshold_mode = threshold_mode
        self.seen: list[str] = []
        FakeDetector.instances.append(self)

    def detect(self, text: str) -> Detection:
        self.seen.append(text)
        if not text.strip():
            raise InputError("text is empty")
        if "TOO LONG" in text:
            raise InputError("text has 300000 characters; the limit is 200000")
        model = ModelInfo("fake-model", "9.9")
        if not HANGUL.search(text):
            return Detection(None, "unsupported-language", self.mode, self.threshold_mode,
                             [SentenceScore(0, len(text), text, None)], [], NormalizationReport(), model)
        p = 0.9 if "AI" in text else 0.1
        return Detection(
            ai_probability=p,
            verdict="ai" if p > 0.5 else "human",
            mode=self.mode,
            threshold_mode=self.threshold_mode,
            sentences=[SentenceScore(0, len(text), text, p)],
            evidence=[Evidence("ttr", 0.5, "ai" if p > 0.5 else "human", p - 0.5, "type-token ratio")],
            normalization=NormalizationReport(tampering={"invisible_characters": text.count("\u200b")}),
            model=model,
        )


@pytest.fixture
def fake(monkeypatch):
    FakeDetector.instances = []
    monkeypatch.setattr(cli, "_make_detector", FakeDetector)
    return FakeDetector


def set_stdin(monkeypatch, data: bytes, tty: bool = False) -> None:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr(stream, "isatty", lambda: tty)
    monkeypatch.setattr(sys, "stdin", stream)


def assert_one_line_error(stderr: str, *needles: str) -> None:
    assert stderr.startswith("kodetect: error: ")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    for needle in needles:
        assert needle in stderr


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- check -----------------------------------------------------------------------------------


def test_version(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kodetect {__version__}"


def test_check_json_has_exactly_the_detection_fields(fake, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("AI " + KOREAN, encoding="utf-8")
    assert run(["check", str(path), "--json", "--threshold-mode", "low-fpr"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data) == DETECTION_FIELDS
    assert isinstance(data["ai_probability"], float) and 0 <= data["ai_probability"] <= 1
    assert data["verdict"] in VERDICTS
    assert data["mode"] == "fast" and data["threshold_mode"] == "low-fpr"
    sentence = data["sentences"][0]
    assert set(sentence) == {"start", "end", "text", "ai_probability"}
    assert isinstance(sentence["start"], int) and isinstance(sentence["text"], str)
    assert {"name", "value", "direction", "contribution", "description", "explanation", "quotes"} <= set(
        data["evidence"][0])
    assert set(data["normalization"]) == {"tampering", "formatting"}
    assert data["model"] == {"name": "fake-model", "version": "9.9"}
    assert fake.instances[0].threshold_mode == "low-fpr"


def test_check_json_keeps_korean_unescaped(fake, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text(KOREAN, encoding="utf-8")
    assert run(["check", str(path), "--json"]) == 0
    assert "인공지능" in capsys.readouterr().out


def test_check_readable_view_is_plain_when_not_a_tty(fake, tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("AI " + KOREAN + "\u200b" * 3, encoding="utf-8")
    assert run(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "AI 생성 가능성 높음" in out and "[  90%]" in out
    assert "fake-model 9.9" in out and "판정 기준 low-fpr" in out  # the cautious default
    assert "보이지 않는 문자 3개 제거" in out
    assert out.rstrip().endswith("단정하는 유일한 근거가 되어서는 안 됩니다. 확률은 다른 정황과 함께 따져 볼 "
                                 "근거일 뿐이며, '판단 보류'는 도구가 판단하지 못했다는 뜻입니다.")
    assert run(["check", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "likely AI-generated" in out and "threshold mode low-fpr" in out and "removed 3 invisible" in out
    assert "No detector should be the sole basis" in out


def test_check_reads_stdin_with_dash_and_without_file(fake, monkeypatch, capsys):
    set_stdin(monkeypatch, KOREAN.encode("utf-8"))
    assert run(["check", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "human"

    set_stdin(monkeypatch, KOREAN.encode("cp949"))
    assert run(["check", "--json"]) == 0
    assert fake.instances[-1].seen == [KOREAN]


def test_check_without_file_on_a_tty_is_a_usage_error(fake, monkeypatch, capsys):
    set_stdin(monkeypatch, b"", tty=True)
    assert run(["check"]) == 2
    assert "no input" in capsys.readouterr().err
    assert fake.instances == []


def test_check_cp949_file(fake, tmp_path, capsys):
    path = tmp_path / "euc.txt"
    path.write_bytes(KOREAN.encode("cp949"))
    assert run(["check", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sentences"][0]["text"] == KOREAN


@pytest.mark.parametrize(
    ("content", "needle"),
    [(None, "no such file"), (b"\x00\x01\x02binary\x00", "binary"), (b"", "empty"), (b"  \n\t ", "empty")],
    ids=["missing", "binary", "empty", "whitespace"],
)
def test_check_bad_input_exits_2_with_one_line(fake, tmp_path, capsys, content, needle):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    assert run(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, needle, str(path))


def test_check_input_error_from_detector_exits_2(fake, tmp_path, capsys):
    path = tmp_path / "long.txt"
    path.write_text("TOO LONG " + KOREAN, encoding="utf-8")
    assert run(["check", str(path)]) == 2
    assert_one_line_error(capsys.readouterr().err, "limit")


def test_model_error_exits_1_without_traceback(monkeypatch, tmp_path, capsys):
    def broken(mode, threshold_mode):
        raise ModelError("model artifact not found: /nowhere/model.npz")

    monkeypatch.setattr(cli, "_make_detector", broken)
    path = tmp_path / "a.txt"
    path.write_text(KOREAN, encoding="utf-8")
    assert run(["check", str(path)]) == 1
    assert_one_line_error(capsys.readouterr().err, "model artifact not found")


@pytest.mark.parametrize(
    "argv",
    [
        ["nonsense"],
        [],
        ["check", "x.txt", "--threshold-mode", "paranoid"],
        ["check", "x.txt", "--mode", "slow"],
        ["check", "a.txt", "b.txt"],
        ["batch", "in.jsonl"],
    ],
    ids=["unknown-command", "no-command", "bad-threshold-mode", "bad-mode", "two-files", "batch-without-o"],
)
def test_usage_errors_exit_2(fake, argv, capsys):
    assert run(argv) == 2
    assert "error:" in capsys.readouterr().err
    assert fake.instances == []


def test_broken_pipe_exits_quietly(fake, monkeypatch, tmp_path, capsys):
    class ClosedPipe(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

    path = tmp_path / "a.txt"
    path.write_text(KOREAN, encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert run(["check", str(path)]) == 1
    assert capsys.readouterr().err == ""


# --- batch -----------------------------------------------------------------------------------


def test_batch_jsonl_streams_rows_and_keeps_going(fake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "AI " + KOREAN}, ensure_ascii=False),
        json.dumps({"text": KOREAN}, ensure_ascii=False),  # no id -> row number
        "",  # blank lines are skipped, not counted
        "{not json",
        json.dumps({"id": 7, "body": KOREAN}, ensure_ascii=False),  # no text field
        json.dumps({"id": "long", "text": "TOO LONG"}),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "z", "text": 5}),
        json.dumps({"id": "last", "text": KOREAN}, ensure_ascii=False),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"

    assert run(["batch", str(src), "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["a", 1, 2, 7, "long", "blank", 6, "z", "last"]
    ok = [r for r in rows if "error" not in r]
    assert [r["id"] for r in ok] == ["a", 1, "last"]
    for r in ok:
        assert list(r) == ["id", *DETECTION_FIELDS]
    errors = {r["id"]: r["error"] for r in rows if "error" in r}
    assert set(next(r for r in rows if r["id"] == 7)) == {"id", "error"}
    assert "line 4" in errors[2] and "invalid JSON" in errors[2]
    assert "'text'" in errors[7]
    assert "limit" in errors["long"]
    assert "empty" in errors["blank"]
    assert "JSON object" in errors[6]
    assert "not a string" in errors["z"]
    assert capsys.readouterr().err.strip().endswith("scored 3, failed 6")


def test_batch_custom_fields_and_options(fake, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"key": "k1", "body": KOREAN}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["batch", str(src), "-o", str(out), "--text-field", "body", "--id-field", "key",
            "--threshold-mode", "low-fpr"]
    assert run(argv) == 0
    (row,) = read_jsonl(out)
    assert row["id"] == "k1" and row["threshold_mode"] == "low-fpr"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_batch_csv(fake, tmp_path, encoding):
    src = tmp_path / "in.csv"
    body = f'id,text\nr1,"AI {KOREAN}"\nr2,"{KOREAN}\n둘째 줄입니다."\nr3,\n'
    src.write_bytes(body.encode(encoding))
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["r1", "r2", "r3"]
    assert rows[0]["verdict"] == "ai"
    assert rows[1]["sentences"][0]["text"].endswith("둘째 줄입니다.")
    assert "error" in rows[2]


def test_batch_csv_without_id_column_uses_row_numbers(fake, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f"text\n{KOREAN}\n{KOREAN}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    assert [r["id"] for r in read_jsonl(out)] == [0, 1]


def test_batch_csv_without_text_column_exits_2(fake, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,x\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 2
    assert_one_line_error(capsys.readouterr().err, "'text' column", "id, body")
    assert not out.exists()


def test_batch_folder(fake, tmp_path, capsys):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("AI " + KOREAN, encoding="utf-8")
    (folder / "sub" / "b.txt").write_bytes(KOREAN.encode("cp949"))
    (folder / "sub" / "c.txt").write_bytes(b"\x00\x01binary")
    (folder / "notes.md").write_text(KOREAN, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(folder), "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["a.txt", "sub/b.txt", "sub/c.txt"]
    assert rows[1]["sentences"][0]["text"] == KOREAN
    assert "binary" in rows[2]["error"]
    assert "scored 2, failed 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "needle"),
    [("missing.jsonl", "no such file"), ("in.xlsx", "unsupported input"), ("empty_dir", "no .txt, .docx")],
)
def test_batch_unusable_input_exits_2(fake, tmp_path, capsys, name, needle):
    path = tmp_path / name
    if name == "in.xlsx":
        path.write_bytes(b"PK\x03\x04")
    elif name == "empty_dir":
        path.mkdir()
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(path), "-o", str(out)]) == 2
    assert_one_line_error(capsys.readouterr().err, needle)
    assert fake.instances == [] and not out.exists()


def test_batch_to_stdout(fake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": KOREAN}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(["batch", str(src), "-o", "-"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == 1


# --- eval / train ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["eval", "train"])
def test_missing_external_command_exits_2(monkeypatch, capsys, command):
    monkeypatch.setitem(sys.modules, f"kodetect.cli.{command}_cmd", None)  # makes the import fail
    assert run([command, "--anything", "x"]) == 2
    assert_one_line_error(capsys.readouterr().err, f"'{command}' command is not available")


def test_external_command_gets_its_own_arguments(monkeypatch):
    received = {}
    module = types.ModuleType("kodetect.cli.eval_cmd")

    def add_eval_arguments(parser):
        parser.add_argument("data")
        parser.add_argument("--limit", type=int, default=0)

    def run_eval(args):
        received.update(vars(args))
        return 0

    module.add_eval_arguments = add_eval_arguments
    module.run_eval = run_eval
    monkeypatch.setitem(sys.modules, "kodetect.cli.eval_cmd", module)
    assert run(["eval", "set.jsonl", "--limit", "5"]) == 0
    assert received == {"data": "set.jsonl", "limit": 5}
    assert run(["eval", "--limit", "x"]) == 2


# --- end to end against the real model -------------------------------------------------------


def test_end_to_end_with_real_detector():
    """Runs the installed CLI on the real model; skipped until the model artifact and examples exist."""
    from kodetect.detector import Detector

    example = REPO / "examples" / "ai_generated.txt"
    if not example.exists():
        pytest.skip("examples/ai_generated.txt has not been added yet")
    try:
        Detector()
    except (NotImplementedError, ModelError) as exc:
        pytest.skip(f"real Detector not available yet: {type(exc).__name__}: {exc}")

    proc = subprocess.run(
        [sys.executable, "-m", "kodetect", "check", str(example), "--json"],
        capture_output=True, text=True, encoding="utf-8", timeout=300, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    # The Detection fields, then where the score falls among the model's reference texts.
    assert tuple(data)[:len(DETECTION_FIELDS)] == DETECTION_FIELDS
    assert set(data) - set(DETECTION_FIELDS) <= {"placement"}
    assert data["verdict"] in VERDICTS
    assert data["ai_probability"] is None or 0.0 <= data["ai_probability"] <= 1.0
    assert data["sentences"], "a real text should yield sentence scores"


def test_batch_resume_scores_only_missing_ids_and_repairs_a_cut_line(fake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": KOREAN}, ensure_ascii=False) + "\n" for i in range(6)),
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    full = read_jsonl(out)
    # An interrupted run: three finished rows, then half of the fourth.
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:3]) + lines[3][:20], encoding="utf-8")
    capsys.readouterr()
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 0
    assert "resumed: 3 already done" in capsys.readouterr().err
    rows = read_jsonl(out)
    assert sorted(r["id"] for r in rows) == list(range(6))
    assert sorted(rows, key=lambda r: r["id"]) == full


def test_batch_folder_reads_documents(fake, tmp_path):
    import docx

    folder = tmp_path / "docs"
    folder.mkdir()
    document = docx.Document()
    document.add_paragraph(KOREAN)
    document.save(folder / "report.docx")
    (folder / "broken.hwpx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "plain.txt").write_text(KOREAN, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(folder), "-o", str(out)]) == 0
    rows = {r["id"]: r for r in read_jsonl(out)}
    assert set(rows) == {"report.docx", "broken.hwpx", "plain.txt"}
    assert rows["report.docx"]["sentences"][0]["text"] == KOREAN
    assert "broken.hwpx" in rows["broken.hwpx"]["error"]


def test_train_deep_heads_is_for_deep_mode_only(tmp_path, capsys):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "human.jsonl").write_text("", encoding="utf-8")
    assert run(["train", "--data-dir", str(tmp_path), "--deep-heads", "full"]) == 2
    assert_one_line_error(capsys.readouterr().err, "--deep-heads applies to --mode deep only")
    assert run(["train", "--mode", "deep", "--deep-heads", "everything"]) == 2
