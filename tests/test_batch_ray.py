"""`kodetect batch --engine ray`: the actor's per-batch work without Ray, and a local Ray end to end."""

import json
import sys
from pathlib import Path

import pytest
from batch_fakes import KOREAN, FakeDetector, run

from kodetect.batch.records import Record
from kodetect.batch.rows import DetectorActor, records_to_columns, score_batch, score_record

REPO = Path(__file__).resolve().parents[1]


RECORDS = [
    Record("a", "AI " + KOREAN),
    Record(1, KOREAN),
    Record(2, None, "line 3: invalid JSON (Expecting value at column 1)"),
    Record("long", "TOO LONG"),
    Record("blank", "   "),
    Record("bug", "BUG " + KOREAN),
    Record(None, KOREAN),
    Record({"nested": [1]}, KOREAN),
]


def test_score_batch_gives_the_local_engines_rows_without_ray():
    """The Ray actor's whole per-batch work, with neither Ray nor Arrow."""
    detector = FakeDetector()
    scored = score_batch(detector, records_to_columns(RECORDS))
    assert scored["id"] == [json.dumps(r.id) for r in RECORDS]
    rows = [json.loads(row) for row in scored["row"]]
    assert rows == [score_record(detector, r) for r in RECORDS]
    assert rows[3]["error"].endswith("the limit is 200000")
    assert rows[4] == {"id": "blank", "error": "text: is empty (no text to check)"}
    assert rows[5] == {"id": "bug", "error": "could not score this text (RuntimeError: something broke on two lines)"}
    assert rows[7]["id"] == {"nested": [1]} and rows[7]["verdict"] == "human"


def test_detector_actor_loads_the_model_once_and_maps_arrow_batches(monkeypatch):
    pa = pytest.importorskip("pyarrow", reason="the Ray actor's Arrow batches need pyarrow")
    import kodetect.detector

    made = []

    def factory(mode, threshold_mode, profile=None):
        made.append((mode, threshold_mode))
        return FakeDetector(mode, threshold_mode)

    monkeypatch.setattr(kodetect.detector, "Detector", factory)
    actor = DetectorActor(mode="fast", threshold_mode="balanced")
    batch = pa.table(records_to_columns(RECORDS[:3]))
    first, second = actor(batch), actor(batch)
    assert made == [("fast", "balanced")]
    assert first.column_names == ["id", "row"] and first.num_rows == 3 and first.equals(second)
    assert json.loads(first.column("row")[0].as_py())["threshold_mode"] == "balanced"


def test_read_part_skips_finished_ids_in_blocks():
    pytest.importorskip("ray", reason="--engine ray needs Ray: pip install -e '.[ray]'")
    from kodetect.batch import ray_engine

    records = [Record(i, KOREAN) for i in range(600)]
    finished = frozenset(json.dumps(i) for i in range(0, 600, 2))
    blocks = list(ray_engine.read_part(lambda: iter(records), finished, lambda i: json.dumps(i)))
    assert [b.num_rows for b in blocks] == [256, 44]
    assert [json.loads(i) for b in blocks for i in b.column("id").to_pylist()] == list(range(1, 600, 2))


def test_missing_ray_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": KOREAN}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    monkeypatch.setitem(sys.modules, "ray", None)  # makes the import fail
    assert run(["batch", str(src), "-o", str(out), "--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kodetect: error: --engine ray needs ray") and err.count("\n") == 1
    assert "pip install 'kodetect[ray]'" in err and not out.exists()


def test_ray_options_need_the_ray_engine(tmp_path, capsys):
    assert run(["batch", "in.jsonl", "-o", str(tmp_path / "o.jsonl"), "--ray-address", "ray://head:10001"]) == 2
    assert "--engine ray" in capsys.readouterr().err


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="--engine ray needs Ray: pip install -e '.[ray]'")
    pytest.importorskip("ray.data", reason="--engine ray needs Ray Data: pip install -e '.[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _texts() -> list[str]:
    essay = (REPO / "examples" / "ai_generated.txt").read_text(encoding="utf-8")
    human = (REPO / "examples" / "human_essay.txt").read_text(encoding="utf-8")
    return [(essay if i % 2 else human)[i * 20: i * 20 + 150 + 10 * i] for i in range(18)]


@pytest.mark.slow
def test_ray_engine_on_a_local_ray_matches_the_local_engine(local_ray, tmp_path, capsys):
    """Most of the time goes to starting Ray, its actors and their models: minutes on a busy 2-core machine."""
    pytest.importorskip("pyarrow.parquet", reason="Parquet output needs pyarrow")
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"t{i}", "text": text}, ensure_ascii=False) for i, text in enumerate(_texts())]
    lines += ["{broken", json.dumps({"text": "짧다"}, ensure_ascii=False), json.dumps({"id": "x", "text": 5})]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local, ray_out, ray_parquet = tmp_path / "local.jsonl", tmp_path / "ray.jsonl", tmp_path / "ray.parquet"
    assert run(["batch", str(src), "-o", str(local)]) == 0
    assert run(["batch", str(src), "-o", str(ray_out), "--engine", "ray", "--workers", "2", "--batch-size", "4"]) == 0
    assert local_ray.is_initialized()  # the CLI used the test's Ray and left it running

    def by_id(path):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        keyed = {json.dumps(r["id"]): r for r in rows}
        assert len(keyed) == len(rows) == 21  # every id exactly once
        return keyed

    expected = by_id(local)
    assert by_id(ray_out) == expected
    assert sum("error" in r for r in expected.values()) == 2

    # Resume: drop some rows, score only those again, into Parquet this time.
    assert run(["batch", str(src), "-o", str(ray_parquet), "--engine", "ray", "--workers", "1"]) == 0
    full = pq.read_table(ray_parquet).sort_by("id")
    pq.write_table(full.slice(0, 12), ray_parquet)
    capsys.readouterr()
    assert run(["batch", str(src), "-o", str(ray_parquet), "--engine", "ray", "--workers", "2", "--resume"]) == 0
    assert "scored 8, failed 1 (resumed: 12 already done)" in capsys.readouterr().err
    resumed = pq.read_table(ray_parquet).sort_by("id")
    assert resumed.column("id").to_pylist() == full.column("id").to_pylist()
    assert resumed.drop_columns([]).to_pylist() == full.to_pylist()
