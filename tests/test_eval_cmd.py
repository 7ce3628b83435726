import argparse
import json
from pathlib import Path

import pytest

import kodetect.cli.eval_cmd as eval_cmd
from kodetect.detection import Detection, ModelInfo, NormalizationReport
from kodetect.errors import InputError
from kodetect.eval.data import (
    DATA_DIR_ENV,
    data_dir,
    file_sha256,
    load_katfish,
    load_katfish_features,
    load_katfish_splits,
    read_rows,
)

THRESHOLDS = {"balanced": {"ai": 0.5, "human": 0.3}, "low-fpr": {"ai": 0.8, "human": 0.5}}


def fake_detection(text: str, threshold_mode: str) -> Detection:
    """Texts say their own score: "p=0.7 ..." scores 0.7; "short ..." is insufficient; "BAD" is rejected."""
    if text.startswith("BAD"):
        raise InputError("text rejected")
    probability = None if text.startswith("short") else float(text.split()[0][2:])
    if probability is None:
        verdict = "insufficient"
    else:
        verdict = "ai" if probability >= THRESHOLDS[threshold_mode]["ai"] else "human"
    return Detection(
        ai_probability=probability,
        verdict=verdict,
        mode="fast",
        threshold_mode=threshold_mode,
        sentences=[],
        evidence=[],
        normalization=NormalizationReport(),
        model=ModelInfo("fake", "0.0"),
    )


class LazyDetector:
    """Yields one result at a time, so an error surfaces exactly at the bad text."""

    def __init__(self, mode="fast", threshold_mode="balanced", model_path=None, profile=None):
        self.threshold_mode = threshold_mode

    model_info = ModelInfo("fake", "0.0")
    thresholds = THRESHOLDS

    def detect(self, text):
        if isinstance(text, str):
            return fake_detection(text, self.threshold_mode)
        return (fake_detection(t, self.threshold_mode) for t in text)


class BatchDetector(LazyDetector):
    """Scores in batches of 3 and rejects a whole batch before yielding any of it."""

    def detect(self, text):
        if isinstance(text, str):
            return fake_detection(text, self.threshold_mode)
        return self._batches(list(text))

    def _batches(self, texts):
        for start in range(0, len(texts), 3):
            yield from [fake_detection(t, self.threshold_mode) for t in texts[start : start + 3]]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def r(i, text, label, generator, genre="essay"):
    return {"id": f"r{i}", "text": text, "label": label, "generator": generator, "genre": genre}


@pytest.fixture
def files(tmp_path):
    # Humans scored [.1 .3 .6] + one abstention; AI [.9 .2 .7]; one rejected row.
    first = write_jsonl(
        tmp_path / "human.jsonl",
        [
            r(0, "p=0.1 사람", 0, "human"),
            r(1, "p=0.3 사람", 0, "human"),
            r(2, "BAD row", 0, "human"),
            r(3, "p=0.6 사람", 0, "human", "news"),
            r(4, "short", 0, "human", "news"),
        ],
    )
    second = write_jsonl(
        tmp_path / "ai.jsonl",
        [
            r(5, "p=0.9 기계", 1, "gen-a"),
            r(6, "p=0.2 기계", 1, "gen-a"),
            r(7, "p=0.7 기계", 1, "gen-b", "chat"),
        ],
    )
    return [first, second]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kodetect eval")
    eval_cmd.add_eval_arguments(parser)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    return eval_cmd.run_eval(args)


@pytest.mark.parametrize("detector", [LazyDetector, BatchDetector])
def test_run_eval_writes_report_and_json(tmp_path, files, monkeypatch, capsys, detector):
    monkeypatch.setattr(eval_cmd, "Detector", detector)
    report, result_json = tmp_path / "report.md", tmp_path / "result.json"
    options = ["--report", str(report), "--json", str(result_json), "--threshold-mode", "balanced"]
    args = parse([*map(str, files), *options])
    assert run(args) == 0

    out = capsys.readouterr().out
    assert "Rows skipped because the detector rejected them: 1: r2 (text rejected)" in out
    assert "77.78" in out  # overall AUROC: 7 of 9 pairs

    text = report.read_text(encoding="utf-8")
    assert "fake 0.0" in text
    for path in files:
        assert f"| `{path}` | `{file_sha256(path)}` |" in text
    assert "| all | 4 | 3 | 1/0 | 77.78 | 66.67 | 66.67 | 33.33 | 66.67 | 0.00 | 33.33 |" in text
    assert "`kodetect eval " in text and "--threshold-mode balanced" in text

    data = json.loads(result_json.read_text(encoding="utf-8"))
    assert data["rows_scored"] == 7
    assert data["rejected"] == [{"id": "r2", "error": "text rejected"}]
    assert data["result"]["overall"]["auroc"] == pytest.approx(7 / 9)
    assert data["result"]["overall"]["at_threshold"]["low-fpr"]["tpr"] == pytest.approx(1 / 3)
    assert data["result"]["verdict_counts"]["human"]["insufficient"] == 1
    assert [g["name"] for g in data["result"]["by_generator"]] == ["gen-a", "gen-b"]


def test_limit_and_threshold_mode(tmp_path, files, monkeypatch, capsys):
    monkeypatch.setattr(eval_cmd, "Detector", LazyDetector)
    result_json = tmp_path / "r.json"
    args = parse(
        [*map(str, files), "--limit", "2", "--threshold-mode", "low-fpr", "--json", str(result_json)]
    )
    assert run(args) == 0
    data = json.loads(result_json.read_text(encoding="utf-8"))
    assert data["rows_scored"] == 4  # two per file
    assert data["threshold_mode"] == "low-fpr"
    assert "AI when probability >= 0.8000" in capsys.readouterr().out


def test_malformed_file_raises_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr(eval_cmd, "Detector", LazyDetector)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "p=0.1", "label": 0}\n{not json\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: not valid JSON"):
        run(parse([str(bad)]))


def test_missing_and_empty_files_raise_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr(eval_cmd, "Detector", LazyDetector)
    with pytest.raises(InputError, match="cannot open"):
        run(parse([str(tmp_path / "nope.jsonl")]))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no rows"):
        run(parse([str(empty)]))


def test_limit_must_be_positive():
    with pytest.raises(SystemExit):
        parse(["a.jsonl", "--limit", "0"])


# --- data loading (kodetect.eval.data) ---


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('{"label": 0}', "row has no string field 'text'"),
        ('{"text": "t"}', "field 'label' must be 0"),
        ('{"text": "t", "label": 2}', "field 'label' must be 0"),
        ('{"text": "t", "label": true}', "field 'label' must be 0"),
    ],
)
def test_read_rows_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "ok", "label": 1}\n\n' + line + "\n", encoding="utf-8")
    rows = read_rows(path)
    assert next(rows)["text"] == "ok"
    with pytest.raises(InputError, match=rf"rows\.jsonl:3: {message}"):
        next(rows)


def test_read_rows_bad_utf8_and_bom(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "a", "label": 0}\n\n{"text": "\xff", "label": 0}\n')
    with pytest.raises(InputError, match=r"rows\.jsonl:3: not valid UTF-8"):
        list(read_rows(path))
    path.write_bytes(b'\xef\xbb\xbf{"text": "a", "label": 0}\n')
    assert list(read_rows(path)) == [{"text": "a", "label": 0}]


def test_data_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "absent"))
    assert data_dir() is None
    with pytest.raises(InputError, match=DATA_DIR_ENV):
        load_katfish("essay")


def test_file_sha256(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


needs_data = pytest.mark.skipif(
    data_dir() is None, reason=f"shared data folder not found (../shared/data or ${DATA_DIR_ENV})"
)


@needs_data
def test_load_katfish():
    rows = load_katfish("essay")
    assert len(rows) == 771
    assert sum(row["label"] == 0 for row in rows) == 181
    with pytest.raises(ValueError):
        load_katfish("news")


@needs_data
def test_load_katfish_splits_and_features():
    splits, features = load_katfish_splits(), load_katfish_features()
    assert set(splits) == {"essay", "poetry", "abstract"}
    assert len(splits["essay"]["42"]["test_qwen"]) == 218
    first = splits["essay"]["42"]["train"][0]
    assert len(features["essay"]["42"]["train"][first]) == 5


# --- attacks (--attack, --seed) ---


def test_parse_attacks():
    assert eval_cmd.parse_attacks(None) == []
    assert eval_cmd.parse_attacks(["nfd,comma-remove", "nfd"]) == ["nfd", "comma-remove"]
    assert eval_cmd.parse_attacks(["all"]) == list(eval_cmd.ATTACKS)
    with pytest.raises(InputError, match="unknown attack nope"):
        eval_cmd.parse_attacks(["nfd,nope"])


def test_attacked_texts_edit_human_and_ai_rows_alike(monkeypatch):
    monkeypatch.setitem(eval_cmd.ATTACKS, "shout", lambda text, rng: text + "!" * rng.randint(1, 3))
    rows = [r(0, "p=0.1 사람", 0, "human"), r(1, "p=0.9 기계", 1, "gen-a")]
    first = eval_cmd.attacked_texts(rows, "shout", seed=5)
    assert all(text.startswith(row["text"]) and text != row["text"] for text, row in zip(first, rows, strict=True))
    assert eval_cmd.attacked_texts(rows, "shout", seed=5) == first


def test_run_eval_with_attacks(tmp_path, files, monkeypatch, capsys):
    monkeypatch.setattr(eval_cmd, "Detector", LazyDetector)
    report, result_json = tmp_path / "report.md", tmp_path / "result.json"
    options = ["--attack", "comma-remove,nfd", "--attack", "truncate-100", "--seed", "3"]
    options += ["--threshold-mode", "balanced"]
    assert run(parse([*map(str, files), *options, "--report", str(report), "--json", str(result_json)])) == 0

    out = capsys.readouterr().out
    assert "attacks (seed 3" in out
    table = out[out.index("attacks (seed 3") :].splitlines()[1:]
    # Attacks run in registry order whatever order they were asked in.
    assert [line.split()[0] for line in table] == ["attack", "clean", "nfd", "comma-remove", "truncate-100"]
    # These edits leave the fake detector's "p=…" prefix alone, so every score and rate is unchanged.
    assert all(line.split()[2:] == ["77.78", "66.67", "33.33", "66.67", "0.00"] for line in table[1:])

    text = report.read_text(encoding="utf-8")
    assert "## Attacks" in text and "human and AI alike" in text
    assert "| nfd | 6 | 77.78 | 66.67 | 33.33 | 66.67 | 0.00 |" in text
    assert "--attack nfd,comma-remove,truncate-100 --seed 3" in text

    data = json.loads(result_json.read_text(encoding="utf-8"))
    assert data["attack_seed"] == 3
    assert [line["attack"] for line in data["attacks"]["summary"]] == ["clean", "nfd", "comma-remove", "truncate-100"]
    assert data["attacks"]["summary"][1]["auroc_drop"] == pytest.approx(0.0)
    assert data["attacks"]["results"]["nfd"]["overall"]["auroc"] == pytest.approx(7 / 9)


def test_run_eval_without_attacks_has_no_attack_table(tmp_path, files, monkeypatch, capsys):
    monkeypatch.setattr(eval_cmd, "Detector", LazyDetector)
    result_json = tmp_path / "r.json"
    assert run(parse([*map(str, files), "--json", str(result_json)])) == 0
    assert "attacks" not in capsys.readouterr().out
    assert "attacks" not in json.loads(result_json.read_text(encoding="utf-8"))
