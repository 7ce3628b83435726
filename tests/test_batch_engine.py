"""The local batch engine: totals for the progress bar, parts, error rows, Ctrl-C, SIGTERM, resume."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from batch_fakes import KOREAN, install_fake_detector, run

from kodetect.batch.readers import open_records
from kodetect.batch.records import contiguous_slices
from kodetect.batch.sinks import finished_jsonl_ids
from kodetect.cli import main as cli

REPO = Path(__file__).resolve().parents[1]
@pytest.fixture
def fake(monkeypatch):
    return install_fake_detector(monkeypatch)


def write_jsonl(path: Path, n: int, blank_every: int = 0) -> None:
    lines = []
    for i in range(n):
        lines.append(json.dumps({"id": i, "text": f"{KOREAN} {i}"}, ensure_ascii=False))
        if blank_every and i % blank_every == 0:
            lines.append("   ")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_ids(path: Path) -> list:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_totals_are_known_up_front_for_the_eta(tmp_path):
    jsonl = tmp_path / "in.jsonl"
    write_jsonl(jsonl, 7, blank_every=2)
    source = open_records(jsonl)
    assert source.total == 7 == len(list(source.records))
    csv_file = tmp_path / "in.csv"
    csv_file.write_text(f'id,text\n1,"{KOREAN}\n둘째 줄"\n\n2,{KOREAN}\n3,"bad"x"\n', encoding="utf-8")
    source = open_records(csv_file)
    assert source.total == len(list(source.records)) == 3
    assert source.id_kind == "text"
    assert open_records(csv_file, id_field="missing").id_kind == "int"


def test_folder_parts_concatenate_to_the_records(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.txt").write_text(KOREAN, encoding="utf-8")
    source = open_records(folder)
    whole = list(source.records)
    for n in (1, 2, 5, 9):
        assert [r for part in source.split(n) for r in part()] == whole
    assert contiguous_slices(5, 2) == [range(0, 3), range(3, 5)]
    assert contiguous_slices(0, 4) == []


def test_progress_bar_shows_rate_and_eta_when_asked(fake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 5)
    assert run(["batch", str(src), "-o", str(tmp_path / "o.jsonl"), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "5/5" in err and "doc/s" in err
    assert run(["batch", str(src), "-o", str(tmp_path / "o.jsonl")]) == 0  # stderr is not a terminal here
    assert "doc/s" not in capsys.readouterr().err


def test_an_unexpected_failure_is_an_error_row(fake, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                             for i, t in enumerate([KOREAN, "BUG " + KOREAN, KOREAN])) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert rows[1] == {"id": 1, "error": "could not score this text (RuntimeError: something broke on two lines)"}


def test_ctrl_c_saves_finished_rows_and_resume_completes(fake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 30)
    out = tmp_path / "out.jsonl"
    fake.stop_after = 12
    assert run(["batch", str(src), "-o", str(out)]) == 130
    assert "interrupted: saved 12 scored, 0 failed; rerun with --resume" in capsys.readouterr().err
    assert read_ids(out) == list(range(12))
    fake.calls, fake.stop_after = 0, None
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 0
    assert "scored 18, failed 0 (resumed: 12 already done)" in capsys.readouterr().err
    assert read_ids(out) == list(range(30))


def test_sigterm_handler_is_restored(fake, tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 2)
    before = signal.getsignal(signal.SIGTERM)
    assert run(["batch", str(src), "-o", str(tmp_path / "o.jsonl")]) == 0
    assert signal.getsignal(signal.SIGTERM) is before


def test_finished_ids_repair_a_file_without_any_newline(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": 1, "verd')
    assert finished_jsonl_ids(out) == set() and out.read_bytes() == b""
    out.write_bytes(b'{"id": 1}\n\xff\xfe garbage\n{"id": "a"}\n{"id"')
    assert finished_jsonl_ids(out) == {"1", '"a"'}
    assert out.read_bytes().endswith(b'{"id": "a"}\n')


def test_a_model_that_fails_in_the_workers_stops_the_pool(tmp_path):
    """A failing pool initializer would be restarted forever; the error must reach the user instead."""
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 3)
    env = {**os.environ, "KODETECT_MODEL": str(tmp_path / "missing-model")}
    proc = subprocess.run([sys.executable, "-m", "kodetect", "batch", str(src), "-o", str(tmp_path / "o.jsonl"),
                           "--workers", "2"], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("kodetect: error: ") and "Traceback" not in proc.stderr
    assert "missing-model" in proc.stderr


def test_workers_auto_is_one_per_core():
    args = cli.build_parser().parse_args(["batch", "in.jsonl", "-o", "out.jsonl", "--workers", "auto"])
    assert args.workers == (os.cpu_count() or 1)
    assert run(["batch", "in.jsonl", "-o", "out.jsonl", "--workers", "0"]) == 2


def test_pool_workers_share_the_cores_for_the_language_model(monkeypatch):
    from kodetect.batch.local import worker_threads

    monkeypatch.delenv("KODETECT_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert worker_threads(2) == 4
    assert worker_threads(16) == 1
    monkeypatch.setenv("KODETECT_THREADS", "3")
    assert worker_threads(2) is None  # the Detector reads $KODETECT_THREADS itself
