"""What the batch tests share: a stand-in for the model and a way to call the CLI (imported by the test files,
like hwp_sample.py)."""

from __future__ import annotations

from kodetect.cli import main as cli
from kodetect.detection import Detection, ModelInfo, NormalizationReport, SentenceScore
from kodetect.errors import InputError

KOREAN = "인공지능은 다양한 분야에서 활용되고 있습니다. 이러한 변화는 우리의 삶을 크게 바꾸고 있습니다."


class FakeDetector:
    """Deterministic stand-in for the model: "AI" in a text scores 0.9, else 0.1; "TOO LONG" is rejected
    as input, "BUG" fails unexpectedly (a two-line message, which an error row must keep on one line);
    `stop_after` calls raise KeyboardInterrupt like Ctrl-C."""

    stop_after: int | None = None
    calls = 0

    def __init__(self, mode: str = "fast", threshold_mode: str = "low-fpr"):
        self.mode, self.threshold_mode = mode, threshold_mode

    def detect(self, text: str) -> Detection:
        FakeDetector.calls += 1
        if FakeDetector.stop_after is not None and FakeDetector.calls > FakeDetector.stop_after:
            raise KeyboardInterrupt
        if "TOO LONG" in text:
            raise InputError("text has 300000 characters; the limit is 200000")
        if "BUG" in text:
            raise RuntimeError("something broke\non two lines")
        p = 0.9 if "AI" in text else 0.1
        return Detection(p, "ai" if p > 0.5 else "human", self.mode, self.threshold_mode,
                         [SentenceScore(0, len(text), text, p)], [],
                         NormalizationReport(tampering={"invisible_characters": text.count("\u200b")}),
                         ModelInfo("fake-model", "9.9"))


def install_fake_detector(monkeypatch) -> type[FakeDetector]:
    # Through monkeypatch, so a test's stop_after is undone for the tests that use the class directly.
    monkeypatch.setattr(FakeDetector, "stop_after", None)
    monkeypatch.setattr(FakeDetector, "calls", 0)
    monkeypatch.setattr(cli, "_make_detector", FakeDetector)
    return FakeDetector


def run(argv: list[str]) -> int:
    """main() returns its exit code, but argparse exits itself on usage errors."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code
