import json
import math
from datetime import UTC, datetime

import pytest

from kodetect.detection import ModelInfo
from kodetect.eval.evaluate import evaluate, percent, render_markdown

THRESHOLDS = {"balanced": {"ai": 0.5, "human": 0.3}, "low-fpr": {"ai": 0.8, "human": 0.5}}


def row(label, generator, genre):
    return {"id": f"{generator}-{genre}", "text": "x", "label": label, "generator": generator, "genre": genre}


# (row, probability, verdict). Humans scored [.1 .3 .6], AI scored [.9 .2 .7]; one abstention each.
CASES = [
    (row(0, "human", "essay"), 0.1, "human"),
    (row(0, "human", "essay"), 0.3, "uncertain"),
    (row(0, "human", "news"), 0.6, "ai"),
    (row(0, "human", "news"), None, "insufficient"),
    (row(1, "gen-a", "essay"), 0.9, "ai"),
    (row(1, "gen-a", "essay"), 0.2, "human"),
    (row(1, "gen-b", "chat"), 0.7, "ai"),
    (row(1, "gen-b", "chat"), None, "unsupported-language"),
]


@pytest.fixture
def result():
    rows, probs, verdicts = zip(*CASES, strict=True)
    return evaluate(list(rows), list(probs), list(verdicts), THRESHOLDS)


def test_overall(result):
    o = result.overall
    assert (o.n_human, o.n_ai, o.abstained_human, o.abstained_ai) == (4, 4, 1, 1)
    # AI .9 and .7 beat all three humans, .2 beats .1: 7 of 9 pairs.
    assert o.auroc == pytest.approx(7 / 9)
    # Three humans: 1% and 5% both allow no false positive, so t > .6.
    assert o.tpr_at_fpr[0.01] == pytest.approx(2 / 3)
    assert o.tpr_at_fpr[0.05] == pytest.approx(2 / 3)
    assert o.at_threshold["balanced"].fpr == pytest.approx(1 / 3)
    assert o.at_threshold["balanced"].tpr == pytest.approx(2 / 3)
    assert o.at_threshold["low-fpr"].fpr == 0.0
    assert o.at_threshold["low-fpr"].tpr == pytest.approx(1 / 3)
    assert result.thresholds == {"balanced": 0.5, "low-fpr": 0.8}


def test_per_generator_uses_all_humans(result):
    by = {g.name: g for g in result.by_generator}
    assert list(by) == ["gen-a", "gen-b"]
    assert (by["gen-a"].n_human, by["gen-a"].n_ai, by["gen-a"].abstained_human) == (4, 2, 1)
    assert by["gen-a"].auroc == pytest.approx(4 / 6)
    assert (by["gen-b"].n_ai, by["gen-b"].abstained_ai) == (2, 1)
    assert by["gen-b"].auroc == 1.0
    assert by["gen-b"].at_threshold["balanced"].fpr == pytest.approx(1 / 3)


def test_per_genre(result):
    by = {g.name: g for g in result.by_genre}
    assert list(by) == ["chat", "essay", "news"]
    assert by["essay"].auroc == pytest.approx(3 / 4)
    # Human-only genre: FPR only.
    news = by["news"]
    assert math.isnan(news.auroc) and math.isnan(news.tpr_at_fpr[0.01])
    assert news.at_threshold["balanced"].fpr == 1.0 and news.at_threshold["low-fpr"].fpr == 0.0
    assert math.isnan(news.at_threshold["balanced"].tpr)
    assert news.abstained_human == 1
    # AI-only genre: TPR only.
    chat = by["chat"]
    assert math.isnan(chat.auroc) and math.isnan(chat.at_threshold["balanced"].fpr)
    assert chat.at_threshold["balanced"].tpr == 1.0 and chat.at_threshold["low-fpr"].tpr == 0.0


def test_verdict_counts(result):
    assert result.verdict_counts["human"] == {
        "ai": 1,
        "human": 1,
        "uncertain": 1,
        "insufficient": 1,
        "unsupported-language": 0,
    }
    assert result.verdict_counts["ai"]["ai"] == 2
    assert result.verdict_counts["ai"]["unsupported-language"] == 1


def test_to_dict_is_strict_json(result):
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    news = next(g for g in data["by_genre"] if g["name"] == "news")
    assert news["auroc"] is None
    assert data["overall"]["tpr_at_fpr"]["0.01"] == pytest.approx(2 / 3)


def test_length_mismatch_raises():
    with pytest.raises(ValueError):
        evaluate([row(0, "human", "essay")], [0.1, 0.2], ["human"], THRESHOLDS)


def test_percent():
    assert percent(7 / 9) == "77.78"
    assert percent(1.0) == "100.00"
    assert percent(math.nan) == "–"


def test_render_markdown(result):
    text = render_markdown(
        result,
        title="Test report",
        command="kodetect eval a.jsonl",
        model_info=ModelInfo("fast-model", "1.2.3"),
        data_files=[("a.jsonl", "ab" * 32)],
        notes=["Rows skipped: 0"],
        generated_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert text.startswith("# Test report\n")
    assert "`kodetect eval a.jsonl`" in text
    assert "2025-01-02T03:04:05+00:00" in text
    assert "fast-model 1.2.3" in text
    assert f"| `a.jsonl` | `{'ab' * 32}` |" in text
    assert "- Rows skipped: 0" in text
    overall = next(line for line in text.splitlines() if line.startswith("| all |"))
    assert overall == "| all | 4 | 4 | 1/1 | 77.78 | 66.67 | 66.67 | 33.33 | 66.67 | 0.00 | 33.33 |"
    news = next(line for line in text.splitlines() if line.startswith("| news |"))
    assert news == "| news | 2 | 0 | 1/0 | – | – | – | 100.00 | – | 0.00 | – |"
    assert "| human | 1 | 1 | 1 | 1 | 0 |" in text
