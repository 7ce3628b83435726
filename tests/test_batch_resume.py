"""Ctrl-C for real: SIGINT to a running `kodetect batch`, then `--resume`; every id ends up exactly once."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kodetect.errors import ModelError

REPO = Path(__file__).resolve().parents[1]
ROWS = 200


def short_texts(n: int) -> list[str]:
    """Two or three sentences of the bundled examples each: short, but enough Hangul to be judged."""
    sentences = []
    for name in ("ai_generated.txt", "human_essay.txt"):
        text = (REPO / "examples" / name).read_text(encoding="utf-8")
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    texts, i = [], 0
    while len(texts) < n:
        text = ""
        while len(re.findall(r"[가-힣]", text)) < 60:
            text = f"{text} {sentences[i % len(sentences)]}".strip()
            i += 1
        texts.append(text)
    return texts


def wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= rows:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {rows} rows in {path} within {timeout} s (exit code {proc.poll()})")


@pytest.mark.parametrize("workers", [2])
def test_sigint_then_resume_scores_every_id_exactly_once(tmp_path, workers):
    from kodetect import Detector

    try:
        Detector()
    except ModelError as exc:
        pytest.skip(f"the packaged model is not available: {exc}")
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"doc-{i:04d}", "text": t}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(short_texts(ROWS))), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "kodetect", "batch", str(src), "-o", str(out), "--workers", str(workers),
               "--progress"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # SIGINT's default action even if the test runner was started in the background (SIGINT ignored).
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        wait_for_rows(out, 20, proc, timeout=180)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted: saved" in stderr and "rerun with --resume" in stderr
    assert "doc/s" in stderr  # the progress bar was shown
    partial = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert 20 <= len(partial) < ROWS, "the interruption should come before the end"
    assert len({r["id"] for r in partial}) == len(partial)

    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"(resumed: {len(partial)} already done)" in resumed.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in rows]
    assert sorted(ids) == [f"doc-{i:04d}" for i in range(ROWS)]  # every id, exactly once
    assert rows[: len(partial)] == partial
    assert not any("error" in r for r in rows)
