"""Parquet input (streamed by row groups) and Parquet output (checkpointed parts, atomic merge, resume)."""

import json
import sys
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow", reason="Parquet support needs pyarrow: pip install -e '.[parquet]'")
pq = pytest.importorskip("pyarrow.parquet", reason="Parquet support needs pyarrow: pip install -e '.[parquet]'")

from batch_fakes import KOREAN, install_fake_detector, run  # noqa: E402

from kodetect.batch import parquet  # noqa: E402
from kodetect.batch.readers import open_records  # noqa: E402
from kodetect.batch.sinks import plan_output  # noqa: E402
from kodetect.detection import DETECTION_FIELDS  # noqa: E402


@pytest.fixture
def fake(monkeypatch):
    return install_fake_detector(monkeypatch)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, n: int) -> None:
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": f"{'AI ' if i % 3 == 0 else ''}{KOREAN} {i}"},
                                       ensure_ascii=False) + "\n" for i in range(n)), encoding="utf-8")


def one_line_error(stderr: str, *needles: str) -> None:
    assert stderr.startswith("kodetect: error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr
    for needle in needles:
        assert needle in stderr


# --- input -----------------------------------------------------------------------------------------


def test_parquet_input_is_streamed_by_row_group_with_row_number_ids(fake, tmp_path, monkeypatch):
    src = tmp_path / "in.parquet"
    table = pa.table({"id": pa.array([10, None, 12, 13, 14], pa.int64()),
                      "text": ["AI " + KOREAN, KOREAN, None, "TOO LONG", KOREAN],
                      "other": [1, 2, 3, 4, 5]})
    pq.write_table(table, src, row_group_size=2)

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole file must not be read at once")

    monkeypatch.setattr(pq, "read_table", whole_file)
    monkeypatch.setattr(pq.ParquetFile, "read", whole_file)
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == [10, 1, 12, 13, 14]  # a null id is the row number
    assert rows[0]["verdict"] == "ai" and list(rows[0]) == ["id", *DETECTION_FIELDS]
    assert rows[2] == {"id": 12, "error": "row 2: no 'text' value"}
    assert "limit" in rows[3]["error"]


def test_parquet_source_parts_and_totals(tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"body": [f"{KOREAN} {i}" for i in range(25)]}), src, row_group_size=4)
    source = open_records(src, text_field="body")
    assert source.total == 25 and source.id_kind == "int"
    whole = list(source.records)
    assert [r.id for r in whole] == list(range(25))
    for n in (1, 3, 7, 100):
        parts = source.split(n)
        assert 1 <= len(parts) <= n
        assert [r for part in parts for r in part()] == whole


def test_parquet_string_ids_and_unusual_id_types(tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", None], "text": [KOREAN, KOREAN]}), src)
    source = open_records(src)
    assert source.id_kind == "text" and [r.id for r in source.records] == ["a", 1]
    import datetime

    pq.write_table(pa.table({"id": [datetime.date(2024, 1, 2)], "text": [KOREAN]}), src)
    source = open_records(src)
    assert source.id_kind == "text" and [r.id for r in source.records] == ["2024-01-02"]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: pq.write_table(pa.table({"id": [1], "body": ["x"]}), p), "no 'text' column (columns: id, body)"),
        (lambda p: pq.write_table(pa.table({"text": [1]}), p), "column 'text' holds int64"),
        (lambda p: p.write_bytes(b"PAR1 this is not parquet"), "not a readable Parquet file"),
    ],
    ids=["no-text-column", "text-not-strings", "not-parquet"],
)
def test_unusable_parquet_input_exits_2(fake, tmp_path, capsys, make, needle):
    src = tmp_path / "in.parquet"
    make(src)
    out = tmp_path / "out.jsonl"
    assert run(["batch", str(src), "-o", str(out)]) == 2
    one_line_error(capsys.readouterr().err, needle)
    assert not out.exists()


# --- output ----------------------------------------------------------------------------------------


def test_parquet_output_has_the_jsonl_fields(fake, tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 5)
    with src.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n" + json.dumps({"id": 7, "text": "TOO LONG"}) + "\n")
    as_jsonl, as_parquet = tmp_path / "out.jsonl", tmp_path / "out.parquet"
    assert run(["batch", str(src), "-o", str(as_jsonl)]) == 0
    assert run(["batch", str(src), "-o", str(as_parquet)]) == 0
    table = pq.read_table(as_parquet)
    assert table.column_names == ["id", *DETECTION_FIELDS, "error"]
    assert table.schema.field("id").type == pa.string()  # JSONL ids may be numbers or strings
    assert table.schema.field("ai_probability").type == pa.float64()
    json_columns = json.loads(table.schema.metadata[b"kodetect.json_columns"])
    assert json_columns == ["sentences", "evidence", "normalization", "model", "profile", "attribution"]
    for expected, got in zip(read_jsonl(as_jsonl), table.to_pylist(), strict=True):
        assert got["id"] == (expected["id"] if isinstance(expected["id"], str) else json.dumps(expected["id"]))
        if "error" in expected:
            assert got["error"] == expected["error"]
            assert all(got[name] is None for name in DETECTION_FIELDS)
        else:
            assert got["error"] is None
            # A null JSON field (no profile, or no attribution of a human verdict) is a null cell, not "null".
            decoded = {name: json.loads(got[name]) if name in json_columns and got[name] is not None else got[name]
                       for name in DETECTION_FIELDS}
            assert decoded == {name: expected[name] for name in DETECTION_FIELDS}
    assert not parquet.parts_dir(as_parquet).exists()


def test_parquet_output_keeps_integer_ids(fake, tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [5, 6], "text": [KOREAN, KOREAN]}), src)
    out = tmp_path / "out.parquet"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert table.schema.field("id").type == pa.int64() and table.column("id").to_pylist() == [5, 6]


def test_empty_input_gives_a_valid_empty_parquet_file(fake, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    assert pq.read_table(out).num_rows == 0


def test_ctrl_c_keeps_acknowledged_rows_and_resume_completes(fake, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(parquet, "PART_ROWS", 4)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 2)
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 23)
    clean = tmp_path / "clean.parquet"
    assert run(["batch", str(src), "-o", str(clean)]) == 0

    out = tmp_path / "out.parquet"
    fake.calls, fake.stop_after = 0, 11
    assert run(["batch", str(src), "-o", str(out)]) == 130
    assert "interrupted: saved 11 scored, 0 failed" in capsys.readouterr().err
    partial = pq.read_table(out)  # a complete, readable file holding every row written before Ctrl-C
    assert partial.column("id").to_pylist() == [f"r{i}" for i in range(11)]
    assert not parquet.parts_dir(out).exists()

    fake.calls, fake.stop_after = 0, 5
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 130
    fake.stop_after = None
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 0
    assert "resumed: 16 already done" in capsys.readouterr().err
    table = pq.read_table(out)
    ids = table.column("id").to_pylist()
    assert sorted(ids) == sorted(f"r{i}" for i in range(23)) and len(ids) == len(set(ids))
    assert table.sort_by("id").equals(pq.read_table(clean).sort_by("id").replace_schema_metadata(
        table.schema.metadata))


def test_hard_kill_loses_only_the_unfinished_part(fake, tmp_path):
    """A run killed without cleanup: complete parts are kept, the half-written one is dropped."""
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 20)
    out = tmp_path / "out.parquet"
    sink = parquet.ParquetSink(out, int_ids=False, keep_existing=False, part_rows=4, row_group_rows=2)
    for i in range(10):  # parts of 4 rows: r0-r3 and r4-r7 complete, r8-r9 in an open part
        sink.write({"id": f"r{i}", "error": "x"})
    assert len(list(parquet.parts_dir(out).glob("*.parquet"))) == 2
    assert len(list(parquet.parts_dir(out).glob("*.tmp"))) == 1
    # (the sink is abandoned here, as if the process had been killed)
    plan = plan_output(str(out), resume=True, id_kind="any")
    assert plan.done == {json.dumps(f"r{i}") for i in range(8)}
    assert not list(parquet.parts_dir(out).glob("*.tmp"))
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 0
    ids = pq.read_table(out).column("id").to_pylist()
    assert sorted(ids) == sorted(f"r{i}" for i in range(20)) and len(ids) == 20


def test_parts_already_merged_are_not_merged_twice(fake, tmp_path):
    """A crash after the merged file replaced the output but before its parts were deleted."""
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 6)
    out = tmp_path / "out.parquet"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    (merged,) = json.loads(pq.read_schema(out).metadata[b"kodetect.merged_parts"])
    folder = parquet.parts_dir(out)
    folder.mkdir()
    pq.write_table(pq.read_table(out), folder / merged)  # the part as it was before its deletion
    (folder / "part-x-00009.parquet").write_bytes(b"no footer")  # a corrupt one, too
    assert run(["batch", str(src), "-o", str(out), "--resume"]) == 0
    ids = pq.read_table(out).column("id").to_pylist()
    assert sorted(ids) == sorted(f"r{i}" for i in range(6))


def test_resume_into_integer_ids_from_text_ids_is_refused(fake, tmp_path, capsys):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": [KOREAN, KOREAN]}), src)
    out = tmp_path / "out.parquet"
    assert run(["batch", str(src), "-o", str(out)]) == 0
    other = tmp_path / "other.jsonl"
    write_jsonl(other, 2)
    capsys.readouterr()
    assert run(["batch", str(other), "-o", str(out), "--resume"]) == 2
    one_line_error(capsys.readouterr().err, "whole-number ids")


@pytest.mark.parametrize("direction", ["input", "output"])
def test_missing_pyarrow_is_one_line_and_exit_2(fake, tmp_path, capsys, monkeypatch, direction):
    src = tmp_path / ("in.parquet" if direction == "input" else "in.jsonl")
    if direction == "input":
        pq.write_table(pa.table({"text": [KOREAN]}), src)
    else:
        write_jsonl(src, 1)
    out = tmp_path / ("out.jsonl" if direction == "input" else "out.parquet")
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # makes the import fail
    assert run(["batch", str(src), "-o", str(out)]) == 2
    one_line_error(capsys.readouterr().err, "pip install 'kodetect[parquet]'")
    assert not out.exists()
