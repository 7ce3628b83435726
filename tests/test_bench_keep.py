"""`python -m bench --keep DIR`: finished sections are saved and reused, so a long report can resume."""

from __future__ import annotations

import pytest

from bench.report import keep, runner, summary
from bench.report.main import main
from bench.report.markdown import Section
from kodetect.eval.data import DATA_DIR_ENV


@pytest.fixture
def calls(tmp_path, monkeypatch) -> list[str]:
    """The sections measured, in order: every section is a fake that records its key."""
    measured: list[str] = []

    def section_function(key: str):
        def run(ctx):
            measured.append(key)
            return Section(key, f"Fake {key}", blocks=[f"measured {key} run {len(measured)}"])
        return run

    (tmp_path / "data").mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(runner, "_section_function", section_function)
    # The summary counts the data's rows; this test's data folder is empty.
    monkeypatch.setattr(summary, "build", lambda ctx, sections, name: ("summary", "요약"))
    return measured


def _run(tmp_path, *extra: str) -> str:
    out = tmp_path / "report.md"
    argv = ["--only", "length,speed", "--no-deep", "--no-readme", "--out", str(out), "--keep",
            str(tmp_path / "kept"), *extra]
    assert main(argv) == 0
    return out.read_text("utf-8")


def test_kept_sections_are_reused_and_a_deleted_one_is_measured_again(tmp_path, calls):
    kept = tmp_path / "kept"
    first = _run(tmp_path)
    assert calls == ["length", "speed"]
    assert sorted(p.name for p in kept.iterdir()) == ["length.pkl", "speed.pkl"]
    assert "kept from that run" not in first

    second = _run(tmp_path)
    assert calls == ["length", "speed"], "nothing is measured twice"
    assert second.count("kept from that run") == 2
    assert "measured length run 1" in second and "measured speed run 2" in second

    (kept / "speed.pkl").unlink()
    third = _run(tmp_path)
    assert calls == ["length", "speed", "speed"]
    assert "measured speed run 3" in third and third.count("kept from that run") == 1


def test_a_section_measured_under_other_models_or_data_is_not_reused(tmp_path, calls, monkeypatch):
    _run(tmp_path)
    monkeypatch.setattr(keep, "fingerprint", lambda ctx, section=None: "another model")
    _run(tmp_path)
    assert calls == ["length", "speed", "length", "speed"]


def test_an_unreadable_kept_file_is_measured_again(tmp_path, calls):
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "length.pkl").write_bytes(b"not a pickle")
    _run(tmp_path, "--only", "length")
    assert calls == ["length"]


def test_a_section_that_reads_some_artifacts_is_kept_when_another_one_changes(tmp_path, monkeypatch):
    """Retraining deep mode leaves the attribution and retraining sections' fingerprints as they were, and
    every other one's not; a changed language-model support list re-measures the retraining sections."""
    from types import SimpleNamespace

    for name in ("fast", "deep", "attribution", "gemma3-270m-support"):
        (tmp_path / f"{name}.npz").write_bytes(b"weights")
    monkeypatch.setattr(keep, "ARTIFACTS_DIR", tmp_path)
    ctx = SimpleNamespace(settings="full", data_hashes={"dev/human.jsonl": "abc"})
    before = {key: keep.fingerprint(ctx, key) for key in ("attribution", "abstention", "loso", "length")}
    (tmp_path / "deep.npz").write_bytes(b"retrained")
    after = {key: keep.fingerprint(ctx, key) for key in before}
    assert after["attribution"] == before["attribution"] and after["abstention"] == before["abstention"]
    assert after["loso"] == before["loso"]
    assert after["length"] != before["length"]
    (tmp_path / "fast.npz").write_bytes(b"retrained")
    assert keep.fingerprint(ctx, "abstention") != before["abstention"]
    (tmp_path / "gemma3-270m-support.npz").write_bytes(b"other tokens")
    assert keep.fingerprint(ctx, "loso") != before["loso"]


def test_a_section_is_measured_again_when_the_code_changes(tmp_path, monkeypatch):
    from types import SimpleNamespace

    package = tmp_path / "kodetect"
    package.mkdir()
    (package / "recipe.py").write_text("C = 0.5\n", encoding="utf-8")
    (tmp_path / "bench" / "report").mkdir(parents=True)
    (tmp_path / "bench" / "report" / "loso.py").write_text("# the protocol\n", encoding="utf-8")
    (tmp_path / "bench" / "report" / "length.py").write_text("# another section\n", encoding="utf-8")
    monkeypatch.setattr(keep, "REPOSITORY", tmp_path)
    monkeypatch.setattr(keep, "ARTIFACTS_DIR", tmp_path / "artifacts")
    ctx = SimpleNamespace(settings="full", data_hashes={})
    before = keep.fingerprint(ctx, "loso")
    (tmp_path / "bench" / "report" / "length.py").write_text("# changed\n", encoding="utf-8")
    assert keep.fingerprint(ctx, "loso") == before
    (tmp_path / "bench" / "report" / "loso.py").write_text("# changed\n", encoding="utf-8")
    changed_protocol = keep.fingerprint(ctx, "loso")
    assert changed_protocol != before
    (package / "recipe.py").write_text("C = 0.1\n", encoding="utf-8")
    assert keep.fingerprint(ctx, "loso") != changed_protocol
