"""The benchmark report (`python -m bench`): its pure functions, and the quick run end to end."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kodetect.eval.data import DATA_DIR_ENV, data_dir
from kodetect.eval.metrics import auroc, roc_curve, wilson_interval
from kodetect.training.dataset import Example

ROOT = Path(__file__).resolve().parents[1]
# `bench` is a folder of the repository, not an installed package.
sys.path.insert(0, str(ROOT))

from test_source_holdout import holdout_pools  # noqa: E402

from bench.report import summary  # noqa: E402
from bench.report.batch import demote_headings  # noqa: E402
from bench.report.context import cap_per_group, subsample  # noqa: E402
from bench.report.cross_genre import leave_one_genre_out  # noqa: E402
from bench.report.heldout import HeldOut  # noqa: E402
from bench.report.katfish import Recorder  # noqa: E402
from bench.report.length import cut_set  # noqa: E402
from bench.report.markdown import Section, anchor, count_rate, document, fmt, mean_std, table  # noqa: E402
from bench.report.speed import speed_documents  # noqa: E402
from bench.report.zero_shot import comparison_table, zero_shot_results  # noqa: E402
from kodetect.eval.protocols import HeldOutScore  # noqa: E402


class TestRocCurve:
    def test_endpoints_and_points(self):
        curve = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        assert curve.thresholds[0] == math.inf
        assert list(curve.fpr) == [0.0, 0.0, 0.5, 0.5, 1.0]
        assert list(curve.tpr) == [0.0, 0.5, 0.5, 1.0, 1.0]

    def test_ties_share_one_point(self):
        # The human and the AI text at 0.5 move together: one diagonal step, never split.
        curve = roc_curve([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9])
        assert list(zip(curve.fpr, curve.tpr, strict=True)) == [(0, 0), (0, 0.5), (0.5, 1.0), (1.0, 1.0)]

    def test_area_equals_auroc(self):
        rng = np.random.default_rng(0)
        y = rng.integers(0, 2, 300)
        s = np.round(rng.normal(y * 0.8, 1.0), 1)  # rounding makes ties
        curve = roc_curve(y, s)
        area = float(np.sum(np.diff(curve.fpr) * (curve.tpr[1:] + curve.tpr[:-1]) / 2))
        assert area == pytest.approx(auroc(y, s))
        assert np.all(np.diff(curve.fpr) >= 0) and np.all(np.diff(curve.tpr) >= 0)

    def test_one_class_raises(self):
        with pytest.raises(ValueError, match="both"):
            roc_curve([1, 1], [0.2, 0.3])


class TestWilsonInterval:
    def test_zero_of_n_has_a_real_upper_bound(self):
        lo, hi = wilson_interval(0, 37)
        assert lo == 0.0
        assert hi == pytest.approx(0.0941, abs=1e-4)  # z² / (n + z²)

    def test_known_value_and_symmetry(self):
        lo, hi = wilson_interval(5, 10)
        assert lo == pytest.approx(0.2366, abs=1e-4)
        assert hi == pytest.approx(1 - lo)
        assert wilson_interval(10, 10)[1] == 1.0

    def test_empty_and_invalid(self):
        assert all(math.isnan(x) for x in wilson_interval(0, 0))
        with pytest.raises(ValueError):
            wilson_interval(3, 2)


class TestMarkdown:
    def test_numbers(self):
        assert fmt(0.98765) == "98.77"
        assert fmt(float("nan")) == "–"
        assert fmt(0.5, digits=1) == "50.0"
        assert mean_std([0.9, 1.0]) == "95.00 ± 5.00"
        assert mean_std([0.9]) == "90.00"
        assert mean_std([float("nan")]) == "–"
        assert count_rate(1, 4) == "25.0 (1/4)"
        assert count_rate(0, 0) == "–"
        assert count_rate(0, 10, (0.0, 0.2775)) == "0.0 (0/10) [0.0–27.8]"

    def test_table_escapes_pipes(self):
        assert table(["a", "b"], [["x|y", 1]]) == "| a | b |\n|---|---|\n| x\\|y | 1 |"

    def test_document_has_contents_and_stamps(self):
        section = Section("k", "Leave one source out", blocks=["body"], data_files=("dev/ai.jsonl",),
                          models=["kodetect-fast 1"], seconds=3)
        text = document("T", ["intro"], [section], "python -m bench", "2026-01-01", {"dev/ai.jsonl": "ab" * 32})
        assert f"- [Leave one source out](#{anchor('Leave one source out')})" in text
        assert "`dev/ai.jsonl` abababababab" in text and "kodetect-fast 1" in text and "3 s" in text
        assert anchor("Length: accuracy, and the `insufficient` limit") == "length-accuracy-and-the-insufficient-limit"


class TestSampling:
    def test_subsample_keeps_every_stratum_and_is_deterministic(self):
        items = [("big", i) for i in range(90)] + [("small", i) for i in range(10)] + [("tiny", 0)]
        picked = subsample(items, 20, key=lambda x: x[0])
        assert picked == subsample(items, 20, key=lambda x: x[0])
        assert {x[0] for x in picked} == {"big", "small", "tiny"}
        assert len(picked) <= 21
        assert subsample(items, None, key=lambda x: x[0]) == items

    def test_cap_per_group(self):
        items = [("a", i) for i in range(5)] + [("b", i) for i in range(2)]
        picked = cap_per_group(items, 3, key=lambda x: x[0])
        assert sum(x[0] == "a" for x in picked) == 3 and sum(x[0] == "b" for x in picked) == 2
        assert picked == sorted(picked, key=items.index)  # input order kept


def test_cut_set_keeps_only_long_enough_texts_and_cuts_at_sentence_ends():
    text = "첫 문장입니다. 둘째 문장입니다. 셋째 문장은 조금 더 깁니다."
    long = HeldOut("validation", "1", text, 0, "news", "g", "human")
    short = HeldOut("validation", "2", "짧은 글.", 1, "chat", "g", "x")
    pairs = cut_set([long, short], 20)
    assert [h.id for h, _ in pairs] == ["1"]
    assert pairs[0][1] == "첫 문장입니다. 둘째 문장입니다."


def test_speed_documents_have_the_asked_length_and_differ():
    docs = speed_documents(300, 4, data_dir())
    assert len(docs) == 4 and len(set(docs)) == 4
    assert all(150 < len(d) <= 300 for d in docs)


def _example(i: int, label: int, genre: str) -> Example:
    return Example(f"id{i}", f"{genre}-{label}-{i}", label, "g", genre, "human" if label == 0 else "gpt-4")


def test_leave_one_genre_out_never_trains_on_the_genre_and_completes_one_sided_tests():
    train_pool = [_example(0, 0, "news"), _example(1, 1, "chat"), _example(2, 0, "comment"), _example(3, 1, "comment")]
    validation_pool = [_example(4, 0, "news"), _example(5, 1, "chat"), _example(6, 0, "comment")]
    katfish = {"essay": [{"text": "essay-h", "label": 0}, {"text": "essay-a", "label": 1}]}
    seen = []

    def recipe(texts: Sequence[str], labels: np.ndarray):
        train = list(texts)

        def score(test: Sequence[str]) -> np.ndarray:
            seen.append((train, list(test)))
            return np.array([float("-1-" in t or t.endswith("-a")) for t in test])

        return score

    results = {r.genre: r for r in leave_one_genre_out(recipe, train_pool, validation_pool, katfish)}
    assert set(results) == {"chat", "comment", "news"}  # essay is in no pool, so it is not held out
    for train, test in seen:
        held = {t.split("-")[0] for t in test} & {t.split("-")[0] for t in train}
        # The only overlap allowed is the other side's validation texts completing a one-sided genre.
        assert all(t not in train for t in test), (train, test)
        assert held <= {"news", "chat", "comment"}
    news = results["news"]
    assert (news.n_human, news.n_ai) == (2, 1) and "validation AI" in news.test
    assert results["comment"].test == "pool texts"


def test_recorder_keeps_scores_by_text_tuple():
    def recipe(texts, labels):
        return lambda test: np.arange(len(test), dtype=float)

    recorder = Recorder(recipe)
    score = recorder(["a"], np.array([0]))
    score(["x", "y"])
    assert list(recorder.scores[("x", "y")]) == [0.0, 1.0]


def test_zero_shot_results_run_every_score_and_the_table_names_the_best_one():
    seen = []

    def protocol(recipe):
        seen.append(recipe)
        return [HeldOutScore("a", "ai", 2, 0.5, 0.0)]

    results = zero_shot_results(protocol)
    assert list(results) == ["log-likelihood", "entropy", "log-rank", "LRR", "Fast-DetectGPT"]
    assert len(seen) == 5
    zero_shot = {"log-likelihood": [HeldOutScore("s", "ai", 9, 0.70, 0.1), HeldOutScore("t", "human", 9, 0.90, 0.1)],
                 "Fast-DetectGPT": [HeldOutScore("s", "ai", 9, 0.80, 0.1), HeldOutScore("t", "human", 9, 0.60, 0.1)]}
    deep = [HeldOutScore("s", "ai", 9, 0.85, 0.2), HeldOutScore("t", "human", 9, 0.88, 0.2)]
    lines = comparison_table(["source"], [["s"], ["t"]], deep, zero_shot).splitlines()
    assert lines[0] == "| source | log-likelihood | Fast-DetectGPT | best zero-shot | deep − best zero-shot |"
    assert lines[2] == "| s | 70.00 | 80.00 | 80.00 (Fast-DetectGPT) | 5.00 |"
    assert lines[3] == "| t | 90.00 | 60.00 | 90.00 (log-likelihood) | -2.00 |"


def test_katfish_summary_adds_the_dev_corpus_rows_only_when_measured():
    genres = {"essay": (0.991, 0.0), "poetry": (0.9, 0.0), "abstract": (0.8, 0.0)}
    facts = {"seeds": ["42", "43"], "published": {"essay": 0.9488, "poetry": 0.7311, "abstract": 0.7562},
             "methods": {"kodetect fast": genres, "kodetect deep": genres}}
    english, korean = summary._katfish_sentences(facts)
    assert "kodetect fast 99.1 / 90.0 / 80.0; kodetect deep 99.1 / 90.0 / 80.0" in english
    assert "KatFishNet as published 94.9 / 73.1 / 75.6." in english and "dev corpus" not in english
    facts["methods"]["kodetect deep, train split + dev corpus"] = genres
    english, korean = summary._katfish_sentences(facts)
    assert english.endswith("as the shipped models are: deep 99.1 / 90.0 / 80.0.")
    assert korean.endswith("함께 학습하면: deep 99.1 / 90.0 / 80.0.")


def test_update_readme_replaces_only_the_marked_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# t\n\nbefore\n\n{summary.START}\nold\n{summary.END}\n\nafter\n", "utf-8")
    assert summary.update_readme(readme, summary.readme_block("english", "한국어"))
    text = readme.read_text("utf-8")
    assert "old" not in text and "before" in text and "after" in text
    assert f"## {summary.README_TITLE}\n\nenglish\n\n한국어" in text
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n", "utf-8")
    assert not summary.update_readme(plain, "x")
    assert plain.read_text("utf-8") == "no markers\n"


def test_figures_draw_from_synthetic_data(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install -e '.[bench]')")
    from bench.report import figures
    from kodetect.eval.metrics import reliability_bins

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    s = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    paths = [
        figures.roc_figure(tmp_path / "roc.png", [("panel", [("model", y, s)])], "ROC"),
        figures.histogram_figure(tmp_path / "hist.png", [("genre", s[y == 0], s[y == 1])], {"low-fpr": 0.9}, "H"),
        figures.length_figure(tmp_path / "len.png", {"fast": [(100, 0.8, 0.3), (300, 0.9, 0.5)]}, 65.0, "L", "50"),
        figures.reliability_figure(tmp_path / "rel.png", [("fast", reliability_bins(y, s), 0.05)], "R"),
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_data_exits_2_with_a_message(tmp_path):
    env = {**os.environ, DATA_DIR_ENV: str(tmp_path / "absent")}
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path / "B.md")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "shared data folder was not found" in done.stderr
    assert not (tmp_path / "B.md").exists()


def test_unknown_section_is_a_usage_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench", "--only", "katfish,nope"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "nope" in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(data_dir() is None, reason="../shared/data is absent (set KODETECT_DATA_DIR to use it)")
def test_quick_report_end_to_end(tmp_path):
    """`python -m bench --quick` writes every section, the figures, and touches no README by default."""
    out = tmp_path / "BENCHMARKS.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text("utf-8")
    for title in ("KatFish", "Leave one source out", "Leave one generator family out", "Which model family wrote it",
                  "Cross-genre", "Length", "Calibration", "Profiles", "Abstention", "Robustness", "Speed",
                  "Batch at scale"):
        assert f"## {title}" in report
    assert "AUROC vs unseen TF-IDF baseline" in report and "called AI, low-fpr [95% CI]" in report
    assert "TF-IDF baseline (char 1-4 + word 1-2, logistic regression)" in report
    assert "lovit/petitions_archive" in report and "judged now, not before" in report
    assert "| ending-switch |" in report and "Mixed documents" in report
    assert "(failed)" not in report
    assert "Deep mode not measured" in report or "deep mode not requested" in report
    for name in ("roc_katfish", "roc_heldout", "histograms", "length", "reliability", "attribution_confusion"):
        assert (tmp_path / "docs" / "figures" / f"{name}.png").exists()
    assert "No detector should be the sole basis" in done.stdout


def test_included_results_nest_under_the_section_heading():
    assert demote_headings("# Title\n\ntext #1\n## Sub\n###### deep") == "### Title\n\ntext #1\n#### Sub\n###### deep"


def test_summary_names_the_worst_source_or_says_there_was_no_false_positive():
    sources = {("essay", "katfish-essay", "katfish-test"): {"low-fpr": (0, 1, 37), "balanced": (2, 0, 37)},
               ("poetry", "katfish-poetry", "validation"): {"low-fpr": (0, 2, 27), "balanced": (3, 0, 27)}}
    english, korean = summary._worst_genre(sources, "balanced")
    assert "11.1%" in english and "poems, katfish-poetry, validation pool, in-sample" in english
    assert "27편 중 3편" in korean and "95% 구간" in korean
    english, _ = summary._worst_genre(sources, "low-fpr")
    assert "no human source had a single false positive" in english and "27-37" in english
    assert summary._worst_genre({}, "low-fpr") is None


def test_with_edited_copies_lists_each_text_once_then_the_copies_a_recipe_adds():
    from bench.report.context import with_edited_copies
    from kodetect.training.augment import augment_texts

    topics = ("교육", "환경", "경제", "기술", "건강")
    texts = [f"{topic}에 대해 이야기하겠습니다. 중요한 문제입니다." for topic in topics]
    listed = with_edited_copies(texts + texts[:2])
    assert listed[: len(texts)] == texts
    assert listed[len(texts):] == augment_texts(texts, np.zeros(len(texts)))[0][len(texts):]


# --- out-of-source readings (bench/report/source_holdout.py) -------------------------------------


def _holdout_pools():
    return holdout_pools(np.random.default_rng(0), per_source=40)


def _number_recipe(texts, labels):
    return lambda test: np.array([float(t.rsplit(":", 1)[1]) for t in test])


def test_read_holdout_tables_name_every_source_and_mark_the_missed_bars():
    from bench.report.source_holdout import loso_table, rates_table, read_holdout, summarize, summary_tables
    from kodetect.eval.protocols import out_of_source

    train, validation = _holdout_pools()
    run = read_holdout("fast", out_of_source(_number_recipe, train, validation))
    assert [(r.held_out, r.side) for r in run.classic] == [(u.source, u.side) for u in run.unseen]
    assert {r.mode for r in run.rates} == {"low-fpr", "balanced"}
    lines = loso_table([run, run]).splitlines()
    assert lines[0].count("AUROC vs unseen") == 2 and len(lines) == 2 + 5
    odd = next(line for line in lines if line.startswith("| odd |"))
    assert "| odd | human | 40 |" in odd
    rates = rates_table(run)
    assert "called AI, low-fpr [95% CI]" in rates and "uncertain, balanced" in rates
    # The odd human source sits among the AI texts: thresholds chosen without it call most of it AI, in bold.
    assert run.rate("odd", "human", "low-fpr").called_ai_share > 0.01
    assert "| odd | human | 40 | **" in rates
    summary = summarize(run, min_n=30)
    assert summary.n_sources == 5 and summary.worst.held_out == "odd"
    assert summary.worst_human.source == "odd" and summary.humans_over_bar >= 1
    aurocs, thresholds = summary_tables([summary], ["all"])
    assert "sources (n ≥ 30)" in aurocs and "(odd, human)" in aurocs
    assert f"{summary.humans_over_bar} of 3" in thresholds


def test_restrict_keeps_the_scores_of_the_chosen_texts_only():
    from bench.report.source_holdout import restrict
    from kodetect.eval.protocols import out_of_source

    train, validation = _holdout_pools()
    holdout = out_of_source(_number_recipe, train, validation)
    keep = train[::3] + validation[::2]
    small = restrict(holdout, keep)
    assert small.examples == [e for e in holdout.examples if e in set(keep)]
    index = {e: i for i, e in enumerate(holdout.examples)}
    np.testing.assert_array_equal(small.scores, holdout.scores[[index[e] for e in small.examples]])
    kept_validation = [e for e in small.examples if e in set(validation)]
    assert small.validation.sum() == len(kept_validation)
    for group, scores in small.contrast.items():
        assert len(scores) == len(kept_validation)
        full = dict(zip(validation, holdout.contrast[group], strict=True))
        np.testing.assert_array_equal(scores, [full[e] for e in kept_validation])


def _summary(name: str, mean: float, worst: float):
    from bench.report.source_holdout import RunSummary
    from kodetect.eval.heldout import SourceRates, UnseenScore

    low = HeldOutScore("src", "ai", 200, worst, 0.5)
    human = (SourceRates("h", "human", "low-fpr", 300, 6, 30),)
    ai = (SourceRates("src", "ai", "low-fpr", 150, 90, 15),)
    return RunSummary(name, 100, 4, mean, low, low, mean, UnseenScore("src", "ai", 150, worst), mean, human, ai)


def test_baseline_and_mode_sentences_say_who_wins():
    from bench.report.source_holdout import ProtocolRun, beats_baseline, mode_comparison

    text = beats_baseline(_summary("fast", 0.95, 0.80), _summary("TF-IDF baseline", 0.94, 0.85))
    assert "beats it on the mean" in text and "does **not** beat it on the worst case" in text
    deep = ProtocolRun("deep", (HeldOutScore("a", "ai", 9, 0.9, 0.1), HeldOutScore("b", "human", 9, 0.8, 0.1)), (), (),
                       0.9)
    fast = ProtocolRun("fast", (HeldOutScore("a", "ai", 9, 0.8, 0.1), HeldOutScore("b", "human", 9, 0.85, 0.1)), (),
                       (), 0.9)
    sentence = mode_comparison(deep, fast)
    assert "for 1 of 2 held-out sources" in sentence and "2.50 points" in sentence and "**deep mode" in sentence


def test_generalization_summary_quotes_out_of_source_numbers_in_both_languages():
    from bench.report.source_holdout import read_holdout
    from kodetect.eval.protocols import out_of_source

    train, validation = _holdout_pools()
    run = read_holdout("fast", out_of_source(_number_recipe, train, validation))
    baseline = read_holdout("TF-IDF baseline", out_of_source(_number_recipe, train, validation))
    [(english, korean)] = summary.generalization_sentences({"fast": run, "TF-IDF baseline": baseline}, min_n=30)
    assert "pooled AUROC against unseen sources" in english and "95% interval" in english and "odd" in english
    assert "came back `uncertain`" in english and "does not beat it on the mean" in english
    assert "처음 보는 출처" in korean and "95% 구간" in korean and "앞서지 못하고" in korean
    tpr = f"{100 * run.pooled_unseen_tpr:.1f}%"
    assert f"(TPR {tpr} at 1% FPR)" in english and f"오탐 1%에서 탐지율 {tpr}" in korean
    assert "pooled TPR" in english  # the baseline's, beside its mean and worst


def test_baseline_holdout_is_cached_on_disk(tmp_path, monkeypatch):
    from bench.report import source_holdout

    monkeypatch.setenv("KODETECT_CACHE_DIR", str(tmp_path))
    words = ["사과", "바나나", "포도", "딸기", "수박", "참외", "자두", "복숭아"]
    train, validation = [], []
    for g, (group, label) in enumerate((("a", 0), ("b", 0), ("c", 1), ("d", 1))):
        for i in range(12):
            text = f"{words[(i + g) % 8]} {words[(i * 3 + g) % 8]} {'입니다' if label else '이에요'} {i}"
            (validation if i % 4 == 0 else train).append(Example(f"{group}{i}", text, label, group, "g", "x"))
    first = source_holdout.baseline_holdout(train, validation)
    assert len(list((tmp_path / "bench").glob("out-of-source-tfidf-*.npz"))) == 1

    def refit(*args):
        raise AssertionError("the cached scores should have been read")

    monkeypatch.setattr("kodetect.eval.protocols.out_of_source", refit)
    second = source_holdout.baseline_holdout(train, validation)
    np.testing.assert_allclose(second.scores, first.scores)
    assert set(second.contrast) == set(first.contrast)
    for group in first.contrast:
        np.testing.assert_allclose(second.contrast[group], first.contrast[group])


# --- calibration, abstention, cross-genre --------------------------------------------------------


def test_card_out_of_source_rows_turn_shares_back_into_counts_with_intervals():
    from bench.report.calibration import card_out_of_source_rows

    block = {"auroc_unseen_pooled": 0.95, "auroc_unseen_by_source": {"lovit/petitions_archive/human": 0.9},
             "by_source": {"lovit/petitions_archive/human": {
                 "n": 200, "called_ai": {"low-fpr": 0.005}, "uncertain": {"low-fpr": 0.1},
                 "called_ai_thresholds_without_it": {"low-fpr": 0.03},
                 "uncertain_thresholds_without_it": {"low-fpr": 0.25}}}}
    [row] = card_out_of_source_rows(block)
    assert row[:4] == ["lovit/petitions_archive", "human", 200, "90.00"]
    assert row[4] == "0.5 (1/200); unc. 10.0"
    assert row[5].startswith("3.0 (6/200) [") and row[5].endswith("; unc. 25.0")


def test_rate_uncertain_cell():
    from bench.report.markdown import rate_uncertain

    assert rate_uncertain(1, 4, 2) == "25.0 (1/4); unc. 50.0"
    assert rate_uncertain(1, 4, None) == "25.0 (1/4)"
    assert rate_uncertain(0, 0, 0) == "–"


def test_old_language_rule_and_abstention_counts():
    from bench.report.abstention import Outcome, counts_table, old_rule, prose_target

    assert old_rule("") == "unsupported-language"
    assert old_rule("가" * 10 + "a" * 20) == "unsupported-language"
    assert old_rule("가" * 10) == "insufficient"
    assert old_rule("가" * 60 + "a" * 20) is None
    outcomes = [Outcome("dev2", "s", 1, "unsupported-language", None, 300),
                Outcome("dev2", "s", 1, None, None, 250),
                Outcome("dev2", "s", 1, "insufficient", "insufficient", 20),
                Outcome("dev", "t", 0, None, "insufficient", 40)]
    rows = counts_table(outcomes, lambda o: (o.corpus,))
    assert rows[0] == ["dev", 1, "0.0 (0/1)", "0.0 (0/1)", "0.0 (0/1)", "100.0 (1/1)", 0, 1]
    assert rows[1] == ["dev2", 3, "33.3 (1/3)", "33.3 (1/3)", "0.0 (0/3)", "33.3 (1/3)", 1, 0]
    assert prose_target(outcomes) == {"before": (1, 2), "after": (0, 2)}


def test_a_korean_answer_with_a_code_block_abstained_before_and_is_judged_now():
    from bench.report.abstention import outcome
    from kodetect import Detector

    prose = "이 함수는 목록의 합을 구합니다. 반복문으로 각 원소를 더한 뒤 결과를 돌려줍니다. " * 2
    code = "```python\n" + "def total(values):\n    result = 0\n    for value in values:\n" * 6 + "```\n"
    row = {"id": "x", "text": prose + "\n" + code, "label": 1, "source": "repo:x", "genre": "qa-answer"}
    result = outcome(Detector(mode="fast"), "dev2", row)
    assert result.before == "unsupported-language" and result.after is None
    assert result.source == "repo" and result.prose_hangul >= 50


def test_genre_table_matches_modes_by_genre():
    from bench.report.cross_genre import GenreHeldOut, genre_table

    fast = [GenreHeldOut("letter", "pool texts", 3, 4, 0.9, 0.5), GenreHeldOut("wiki", "pool texts", 5, 6, 0.8, 0.4)]
    deep = [GenreHeldOut("wiki", "pool texts", 2, 2, 0.7, 0.3)]
    lines = genre_table({"fast": fast, "deep": deep}).splitlines()
    assert lines[2] == "| letter | pool texts | 3 | 4 | 90.00 | 50.0 | – | – |"
    assert lines[3] == "| wiki | pool texts | 5 | 6 | 80.00 | 40.0 | 70.00 | 30.0 |"


def test_new_sources_apart_moves_only_validation_texts_of_untrained_sources():
    from bench.report.heldout import new_sources_apart

    texts = [HeldOut("validation", "1", "t", 0, "wiki", "old", "human"),
             HeldOut("validation", "2", "t", 0, "petition", "new", "human"),
             HeldOut("katfish-test", "3", "t", 0, "essay", "katfish-essay", "human")]
    card = {"training_set": {"by_group": {"old": {"human": 3, "ai": 0}, "katfish-essay": {"human": 1, "ai": 1}}}}
    assert [h.pool for h in new_sources_apart(texts, card)] == ["validation", "validation-new", "katfish-test"]
    assert new_sources_apart(texts, {}) == texts


def test_deep_blocks_read_fast_and_the_baseline_on_deep_modes_texts(monkeypatch):
    """The deep part of leave one source out, with a number-reading recipe for every mode: deep mode is fitted
    on its subsample, fast mode and the baseline are read on exactly those texts, and the summary compares them."""
    from types import SimpleNamespace

    from bench.report import loso
    from bench.report.source_holdout import BASELINE_LABEL, read_holdout
    from kodetect.eval.protocols import out_of_source
    from kodetect.training.train import ModePools

    train, validation = _holdout_pools()
    deep_pools = (train[::2], validation[::2])
    ctx = SimpleNamespace(deep_protocol_pools=deep_pools, deep_mode_pools=ModePools(*deep_pools, train[::2], None),
                          settings=SimpleNamespace(loso_min_n=5))
    holdouts = {"fast": out_of_source(_number_recipe, train, validation),
                BASELINE_LABEL: out_of_source(_number_recipe, train, validation)}
    runs = {name: read_holdout(name, h) for name, h in holdouts.items()}
    monkeypatch.setattr(loso, "zero_shot_results", lambda protocol: {"log-likelihood": protocol(_number_recipe)})
    section = Section("loso", "Leave one source out")
    loso._deep_blocks(ctx, section, _number_recipe, runs, holdouts)
    assert set(runs) == {"fast", BASELINE_LABEL, "deep", "fast, deep subsample", f"{BASELINE_LABEL}, deep subsample"}
    n_deep = {(u.source, u.side): u.n for u in runs["deep"].unseen}
    assert n_deep == {(u.source, u.side): u.n for u in runs["fast, deep subsample"].unseen}
    assert n_deep[("odd", "human")] == 20
    # The same recipe on the same texts: the comparison finds no difference.
    text = "\n\n".join(section.blocks)
    assert "deep mode's AUROC is above fast mode's for 0 of 5" in text and "log-likelihood" in text
    sentences = summary.generalization_sentences(runs, min_n=5)
    assert len(sentences) == 3 and "deep mode's subsample" in sentences[1][0]
    assert "for 0 of 5 held-out sources" in sentences[2][0] and "5개 중 0개" in sentences[2][1]


def test_card_out_of_source_block_says_which_cuts_are_in_sample():
    from bench.report.calibration import _card_out_of_source

    block = {"auroc_unseen_pooled": 0.95, "auroc_unseen_by_source": {},
             "by_source": {"a/human": {"n": 10, "called_ai": {"low-fpr": 0.0}, "uncertain": {"low-fpr": 0.1},
                                       "called_ai_thresholds_without_it": {"low-fpr": 0.1},
                                       "uncertain_thresholds_without_it": {"low-fpr": 0.2}}}}
    section = Section("calibration", "Calibration")
    _card_out_of_source(section, "fast", {"out_of_source": block})
    assert "Pooled AUROC vs unseen: 95.00" in section.blocks[0]
    assert "called AI low-fpr, shipped cuts (in-sample)" in section.blocks[1]
    assert "| a | human | 10 | – | 0.0 (0/10); unc. 10.0 | 10.0 (1/10) [" in section.blocks[1]
    _card_out_of_source(section, "deep", {})
    assert "has no `out_of_source` block" in section.blocks[2]
