"""`kodetect profile create|list|show|delete` and `--profile` in check, batch and eval, end to end with
the packaged fast model."""

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from batch_fakes import run
from profile_fakes import profile_with

from kodetect import Detector
from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import DETECTION_FIELDS, ModelInfo
from kodetect.profiles import PROFILE_DIR_ENV, load_profile
from kodetect.profiles.bounds import fpr_upper_bound, percent_at_most
from kodetect.profiles.store import save_profile
from kodetect.serve.store import FeedbackStore

REPO = Path(__file__).resolve().parents[1]
HUMAN_ESSAY = (REPO / "examples" / "human_essay.txt").read_text("utf-8")
AI_TEXT = (REPO / "examples" / "ai_generated.txt").read_text("utf-8")


def windows(text: str, count: int, size: int = 3) -> list[str]:
    """`count` different texts of `size` consecutive sentences each (a genre of texts from one source)."""
    sentences = [s.strip() + "." for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
    return [" ".join(sentences[i % len(sentences):][:size]) or sentences[0] for i in range(count)]


HUMAN_TEXTS = [t for t in windows(HUMAN_ESSAY, 40) if len(re.findall("[가-힣]", t)) >= 60][:30]
AI_TEXTS = [t for t in windows(AI_TEXT, 20) if len(re.findall("[가-힣]", t)) >= 60][:12]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture(autouse=True)
def profile_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(PROFILE_DIR_ENV, str(tmp_path / "profiles"))
    return tmp_path / "profiles"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def human_file(tmp_path) -> Path:
    rows = [{"id": f"h{i}", "text": t} for i, t in enumerate(HUMAN_TEXTS)]
    rows += [{"id": "short", "text": "짧은 글"}, {"id": "no-text"}]  # abstained, unreadable
    return write_jsonl(tmp_path / "human.jsonl", rows)


@pytest.fixture
def ai_file(tmp_path) -> Path:
    path = tmp_path / "ai.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "body"])
        writer.writerows([[f"a{i}", t] for i, t in enumerate(AI_TEXTS)])
    return path


# --- profile create / list / show / delete ----------------------------------------------------------------


def test_create_list_show_delete(human_file, profile_folder, capsys, detector):
    assert len(HUMAN_TEXTS) == 30 and len(AI_TEXTS) >= 8
    assert run(["profile", "create", "essays", "--human", str(human_file), "--description", "2022년 이전 자기소개서",
                "--no-progress"]) == 0
    out = capsys.readouterr().out
    path = profile_folder / "essays.json"
    assert f"wrote profile essays to {path}" in out
    bound = fpr_upper_bound(0, 30)  # 30 texts cannot promise 1%: the profile says what they can promise
    assert f"with 30 texts and none called AI, at most {percent_at_most(bound)}" in out
    assert "does NOT meet the target of 1%" in out and "at least 299 with 0 called AI" in out
    assert "skipped: 1 abstained, 1 unreadable" in out
    assert "human texts that scored highest" in out and out.count("  h") >= 10
    data = json.loads(path.read_text("utf-8"))
    assert data["model"] == {"name": detector.model_info.name, "version": detector.model_info.version}
    assert data["human"]["texts"] == 30 and data["fpr_bound"] == pytest.approx(bound)
    assert data["skipped"] == {"human_abstained": 1, "human_unreadable": 1}
    assert data["ai"] is None and len(data["highest_human"]) == 10
    assert "text" not in json.dumps(data["highest_human"])  # ids and probabilities only
    assert data["recreate"].startswith(f"kodetect profile create essays --human {human_file.resolve()}")

    assert run(["profile", "list"]) == 0
    listed = capsys.readouterr().out
    assert "essays: 2022년 이전 자기소개서; 30 human texts" in listed and "fits the installed model" in listed
    assert run(["profile", "show", "essays"]) == 0
    assert "promise: with 30 texts" in capsys.readouterr().out
    assert run(["profile", "show", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "essays"
    assert run(["profile", "delete", "essays"]) == 0
    assert not path.exists()
    assert run(["profile", "list"]) == 0
    assert "no profiles" in capsys.readouterr().out


def test_create_with_ai_texts_reports_recall(tmp_path, ai_file, capsys):
    human = write_jsonl(tmp_path / "people.jsonl", [{"key": f"h{i}", "body": t} for i, t in enumerate(HUMAN_TEXTS)])
    assert run(["profile", "create", "essays", "--human", str(human), "--ai", str(ai_file),
                "--text-field", "body", "--id-field", "key", "--target-fpr", "0.2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    profile = load_profile("essays")
    assert profile.fit.ai.texts == len(AI_TEXTS) and profile.fit.human.texts == 30
    assert f"AI texts: {len(AI_TEXTS)} scored" in out and "recall" in out
    assert profile.fit.meets_target and profile.fit.fpr_bound <= 0.2  # 30 texts can promise 20%
    assert profile.highest_human[0].id.startswith("h")
    assert "--text-field body --id-field key" in profile.recreate


def test_create_from_a_folder_of_documents(tmp_path, capsys):
    folder = tmp_path / "essays"
    folder.mkdir()
    for i, text in enumerate(HUMAN_TEXTS[:12]):
        (folder / f"essay{i:02}.txt").write_text(text, "utf-8")
    assert run(["profile", "create", "folder", "--human", str(folder), "--no-progress"]) == 0
    assert load_profile("folder").fit.human.texts == 12


def test_create_refuses_to_overwrite_before_scoring(human_file, capsys, monkeypatch):
    save_profile(profile_with("essays", ModelInfo("m", "1"), ThresholdMode(0.9, 0.1)))
    monkeypatch.setattr("kodetect.cli.profile_cmd.Detector", None)  # scoring would fail: it must not start
    assert run(["profile", "create", "essays", "--human", str(human_file)]) == 2
    assert "--replace" in capsys.readouterr().err


def test_create_needs_human_texts(capsys):
    assert run(["profile", "create", "essays"]) == 2
    assert "--human FILE" in capsys.readouterr().err
    assert run(["profile", "create", "essays", "--human", "/nowhere.jsonl"]) == 2
    assert run(["profile", "create", "essays", "--human", "x.jsonl", "--target-fpr", "1.5"]) == 2


def test_create_from_feedback(tmp_path, detector, capsys):
    """Feedback of this model is used from its stored score (no text kept); feedback of another model is
    scored again when its text was kept, skipped when it was not; a text labelled twice counts once."""
    db = tmp_path / "feedback.sqlite"
    hashed, kept = FeedbackStore(db), FeedbackStore(db, store_text=True)
    for i, text in enumerate(HUMAN_TEXTS[:10]):
        hashed.record_detection(f"h{i}", text, detector.detect(text))
        hashed.add_feedback(f"h{i}", "human")
    hashed.add_feedback("h0", "human")  # the same detection labelled again
    old = replace(detector.detect(HUMAN_TEXTS[10]), model=ModelInfo(detector.model_info.name, "0.0.1-old"))
    kept.record_detection("old-with-text", HUMAN_TEXTS[10], old)
    kept.add_feedback("old-with-text", "human")
    hashed.record_detection("old-hashed", HUMAN_TEXTS[11], old)
    hashed.add_feedback("old-hashed", "human")
    for i, text in enumerate(AI_TEXTS[:4]):
        hashed.record_detection(f"a{i}", text, detector.detect(text))
        hashed.add_feedback(f"a{i}", "ai")
    hashed.close()
    kept.close()

    assert run(["profile", "create", "fb", "--from-feedback", "--db", str(db), "--no-progress"]) == 0
    profile = load_profile("fb")
    assert profile.fit.human.texts == 11 and profile.fit.ai.texts == 4
    assert profile.skipped == {"human_feedback_other_model_without_text": 1}
    assert profile.source["feedback"] == {"rows": 17, "repeated": 1, "human": 11, "ai": 4}
    assert {h.id for h in profile.highest_human} <= {f"h{i}" for i in range(10)} | {"old-with-text"}


def test_create_from_feedback_without_a_database(tmp_path, capsys):
    assert run(["profile", "create", "fb", "--from-feedback", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no feedback database" in capsys.readouterr().err


# --- --profile in check, batch and eval ------------------------------------------------------------------


@pytest.fixture
def strict(detector):
    """A profile that calls everything AI (its AI cut is 0): easy to see it was applied."""
    return save_profile(profile_with("strict", detector.model_info, ThresholdMode(ai=0.0, human=0.0),
                                     description="2022년 이전 자기소개서"))


def test_check_with_a_profile(strict, tmp_path, capsys):
    path = tmp_path / "essay.txt"
    path.write_text(HUMAN_ESSAY, "utf-8")
    assert run(["check", str(path), "--profile", "strict", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data)[:len(DETECTION_FIELDS)] == DETECTION_FIELDS
    assert set(data) - set(DETECTION_FIELDS) <= {"placement"}
    assert data["verdict"] == "ai" and data["threshold_mode"] == "profile:strict"
    assert data["profile"] == {"name": "strict", "description": "2022년 이전 자기소개서", "human_texts": 500,
                               "target_fpr": 0.01, "fpr_bound": 0.006}
    assert run(["check", str(path), "--profile", str(strict), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "threshold mode profile:strict" in out
    assert ("profile strict: thresholds fitted on 500 human texts (2022년 이전 자기소개서); at most 0.6% of such "
            "texts are called AI (95% confidence)") in out
    assert run(["check", str(path), "--profile", "strict"]) == 0
    assert ("기준 strict: 2022년 이전 자기소개서 500편으로 맞췄습니다. 이런 글을 AI로 판정할 확률 0.6% 이하(신뢰도 95%)"
            in capsys.readouterr().out)


def test_check_refuses_a_stale_profile_and_a_second_threshold_choice(strict, detector, tmp_path, capsys):
    path = tmp_path / "essay.txt"
    path.write_text(HUMAN_ESSAY, "utf-8")
    save_profile(profile_with("old", ModelInfo(detector.model_info.name, "0.0.1-old"), ThresholdMode(0.9, 0.1)))
    assert run(["check", str(path), "--profile", "old"]) == 2
    err = capsys.readouterr().err
    assert "0.0.1-old" in err and "Re-create it: kodetect profile create old" in err and err.count("\n") == 1
    assert run(["check", str(path), "--profile", "strict", "--threshold-mode", "balanced"]) == 2
    assert "drop --threshold-mode" in capsys.readouterr().err
    assert run(["check", str(path), "--profile", "strict", "--mode", "deep"]) == 2
    assert "fitted in fast mode, not deep" in capsys.readouterr().err
    assert run(["check", str(path), "--profile", "missing"]) == 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_with_a_profile(strict, tmp_path, capsys, workers):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(HUMAN_TEXTS[:4])])
    out = tmp_path / "out.jsonl"
    # With workers, the profile travels to each process as it is (the workers do not read the profile folder).
    assert run(["batch", str(source), "-o", str(out), "--profile", "strict", "--workers", workers]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == [0, 1, 2, 3]
    assert all(r["verdict"] == "ai" and r["threshold_mode"] == "profile:strict" for r in rows)
    assert all(r["profile"]["name"] == "strict" and list(r)[-2] == "profile" for r in rows)


def test_eval_with_a_profile(strict, tmp_path, capsys):
    rows = [{"id": f"h{i}", "text": t, "label": 0} for i, t in enumerate(HUMAN_TEXTS[:5])]
    rows += [{"id": f"a{i}", "text": t, "label": 1} for i, t in enumerate(AI_TEXTS[:5])]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    result = tmp_path / "result.json"
    report = tmp_path / "r.md"
    assert run(["eval", str(data), "--profile", "strict", "--json", str(result), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "threshold mode profile:strict: AI when probability >= 0.0000" in out
    assert "Thresholds of profile strict (2022년 이전 자기소개서)" in out
    payload = json.loads(result.read_text("utf-8"))
    assert payload["threshold_mode"] == "profile:strict" and payload["profile"]["name"] == "strict"
    assert payload["result"]["overall"]["at_threshold"]["profile:strict"]["fpr"] == 1.0  # its cut is 0
    assert "--profile strict" in payload["command"]
    assert "profile:strict" in report.read_text("utf-8")
