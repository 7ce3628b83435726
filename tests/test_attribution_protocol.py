"""Family attribution's protocol: prompt keys, prompt-grouped splits that never leak, leave-one-source-out, metrics."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from kodetect.eval.attribution import (
    AttributionExample,
    attribution_scores,
    choose_cut,
    leave_one_source_out,
    leave_prompt_out,
    length_bucket,
    prompt_fold,
    prompt_key,
)
from kodetect.eval.data import data_dir
from kodetect.eval.generator_families import generator_family

needs_data = pytest.mark.skipif(data_dir() is None, reason="../shared/data is absent (set KODETECT_DATA_DIR)")


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ({"id": "logickor-openai--gpt-4-0613-cot-1-shot-q07-t2"}, "logickor-q7"),
        ({"id": "logickor-Qwen--Qwen2-7B-Instruct-default-q42-t1"}, "logickor-q42"),
        ({"id": "komt-gpt-4-q81-c0-t1"}, "mtbench-q81"),
        ({"id": "x", "prompt_id": "komtbench-q81-t2"}, "mtbench-q81"),
        ({"id": "x", "prompt_id": "kobench-q119-t1"}, "mtbench-q119"),
        ({"id": "x", "prompt_id": "judge-pair-EEVE-Korean-Instruct-10.8B-vs-gemma-2-9b-it-q99-t2-ab"}, "mtbench-q99"),
        ({"id": "x", "prompt_id": "judge-single_grade_ref-Phi-3.5-mini-Instruct-q120-t1"}, "mtbench-q120"),
        ({"id": "x", "prompt_id": "kgrammar-testset-26-1"}, "kgrammar-26"),
        ({"id": "x", "prompt_id": "keval-testset-1-2"}, "keval-1"),
        ({"id": "x", "prompt_id": "kudge-pairwise-falseinfo-0001"}, "kudge-falseinfo-1"),
        ({"id": "x", "prompt_id": "kudge-pointwise-falseinfo-0001"}, "kudge-falseinfo-1"),
        ({"id": "x", "prompt_id": "koinfobench-12"}, "koinfobench-12"),
        ({"id": "komg-exp1-gpt-3.5-turbo-Ex_en_Inst_en_Cont_ko_off-14"}, "komg-exp1-14"),
        ({"id": "komg-exp1-text-davinci-003-Ex_ko_Inst_en_Cont_ko_off-14"}, "komg-exp1-14"),
        ({"id": "komg-exp2-GPT_ko_medium-valid-3"}, "komg-exp2-valid-3"),
        ({"id": "kochatgpt-c012-t04"}, "kochatgpt-c12"),
        ({"id": "danawa-2408-c17-r4", "prompt_id": None}, "danawa-2408-c17"),
        ({"id": "katfish-essay-0012", "topic": "백신"}, "katfish-essay-백신"),
        ({"id": "katfish-abstract-0001", "title": "개체명 인식"}, "katfish-abstract-개체명 인식"),
        ({"id": "katfish-poetry-0003", "author_age": "10s"}, "katfish-poetry-10s"),
        ({"id": "something-else-7"}, "something-else-7"),
    ],
)
def test_prompt_key(row: dict, key: str) -> None:
    assert prompt_key(row) == key


def _example(i: int, family: str, prompt: str, source: str = "s") -> AttributionExample:
    return AttributionExample(f"id{i}", f"text {i}", f"{family}-model", family, source, prompt, "qa-answer")


def _recording_fit(seen: list[tuple[list[AttributionExample], list[AttributionExample]]], labels: Sequence[str]):
    def fit(train):
        train = list(train)

        def predict(test):
            seen.append((train, list(test)))
            scores = np.zeros((len(test), len(labels)))
            scores[:, 0] = 1.0
            return scores

        return predict

    return fit


def test_leave_prompt_out_never_puts_a_prompt_on_both_sides() -> None:
    examples = [_example(i, ["gpt", "claude"][i % 2], f"p{i % 13}") for i in range(80)]
    seen: list = []
    scores = leave_prompt_out(_recording_fit(seen, ["gpt", "claude"]), examples, k=5)
    assert scores.shape == (80, 2) and not np.isnan(scores).any()
    tested = [e.id for _, test in seen for e in test]
    assert sorted(tested) == sorted(e.id for e in examples)  # every text predicted exactly once
    for train, test in seen:
        assert not {e.prompt for e in train} & {e.prompt for e in test}
        assert not {e.id for e in train} & {e.id for e in test}


def test_prompt_fold_depends_only_on_the_prompt() -> None:
    assert prompt_fold("logickor-q7", 5) == prompt_fold("logickor-q7", 5)
    assert {prompt_fold(f"p{i}", 5) for i in range(200)} == set(range(5))
    assert prompt_fold("p1", 5, seed=0) != prompt_fold("p1", 5, seed=1) or prompt_fold("p2", 5, 0) != prompt_fold(
        "p2", 5, 1)


def test_leave_one_source_out_drops_the_source_and_its_prompts_elsewhere() -> None:
    examples = [
        _example(0, "gpt", "mtbench-q81", "pnu"),
        _example(1, "claude", "mtbench-q82", "pnu"),
        _example(2, "gpt", "mtbench-q81", "keval"),  # same question as a pnu text: must not train the pnu fit
        _example(3, "claude", "logickor-q1", "logickor"),
        _example(4, "gpt", "logickor-q2", "logickor"),
        _example(5, "qwen", "logickor-q3", "logickor"),
    ]
    seen: list = []
    results = leave_one_source_out(_recording_fit(seen, ["gpt", "claude", "qwen"]), examples)
    by_source = {r.source: r for r in results}
    for (train, test), result in zip(seen, results, strict=True):
        assert {e.source for e in test} == {result.source}
        assert result.source not in {e.source for e in train}
        assert not {e.prompt for e in train} & {e.prompt for e in test}
    pnu_train = seen[[r.source for r in results].index("pnu")][0]
    assert {e.id for e in pnu_train} == {"id3", "id4", "id5"}
    assert by_source["logickor"].trained_families == frozenset({"gpt", "claude"})
    assert list(by_source["pnu"].indices) == [0, 1]


def test_attribution_scores_on_a_small_example() -> None:
    true = ["gpt", "gpt", "claude", "claude", "qwen"]
    predicted = ["gpt", "claude", "claude", "unknown", "qwen"]
    s = attribution_scores(true, predicted, ["gpt", "claude", "qwen", "other"])
    assert s.n == 5 and s.accuracy == pytest.approx(3 / 5)
    f = {x.family: x for x in s.families}
    assert set(f) == {"gpt", "claude", "qwen"}  # families absent from `true` are not averaged
    assert (f["gpt"].precision, f["gpt"].recall) == (1.0, 0.5)
    assert (f["claude"].precision, f["claude"].recall) == (0.5, 0.5)
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.5 + 1.0) / 3)
    assert s.confusion[0, 1] == 1 and s.confusion.sum() == 4  # "unknown" falls outside the matrix


def test_choose_cut_is_the_lowest_cut_reaching_the_precision() -> None:
    top = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    probabilities = np.stack([top, (1 - top) / 2, (1 - top) / 2], axis=1)
    correct = np.array([True, True, True, False, True, False])
    assert choose_cut(probabilities, correct, 0.75) == pytest.approx(0.41)  # 4 of 5 answered are right
    assert choose_cut(probabilities, correct, 0.95) == pytest.approx(0.61)
    assert choose_cut(probabilities, np.zeros(6, bool), 0.5) == pytest.approx(0.95)  # never reached: the top


def test_length_bucket() -> None:
    assert length_bucket("가" * 10) == (0, 200)
    assert length_bucket("가" * 200) == (200, 500)
    assert length_bucket("가" * 5000)[0] == 1000


# --- with the shared data -------------------------------------------------------------------------------


def _generators() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name in ("dev/ai.jsonl", "dev2/ai.jsonl", "katfish/essay.jsonl", "katfish/poetry.jsonl",
                 "katfish/abstract.jsonl"):
        with open(data_dir() / name, encoding="utf-8") as handle:
            out[name] = {json.loads(line)["generator"] for line in handle if line.strip()}
    return out


@needs_data
def test_every_dev2_generator_has_the_documented_family() -> None:
    expected = {
        "claude-3-opus-20240229": "claude", "claude-3-sonnet-20240229": "claude", "claude-sonnet": "claude",
        "davidkim205/ko-gemma-2-9b-it-v2": "korean", "rtzr/ko-gemma-2-9b-it": "korean",
        "dnotitia/Llama-DNA-1.0-8B-Instruct": "korean", "NCSOFT/Llama-VARCO-8B-Instruct": "korean",
        "MLP-KTLim/llama-3-Korean-Bllossom-8B": "korean", "KAERI-MLP/llama-3.1-Korean-AtomicGPT-Bllossom-8B": "korean",
        "EEVE-Korean-Instruct-10.8B": "korean", "EEVE-Korean-Instruct-10.8B-v1.0": "korean",
        "keval-2-1b": "korean", "keval-2-3b": "korean", "keval-2-9b": "korean",
        "kgrammar-2-1b": "korean", "kgrammar-2-3b": "korean", "kgrammar-2-9b": "korean",
        "EXAONE-3.5-32B-Instruct-AWQ": "exaone", "EXAONE-3.5-7.8B-Instruct": "exaone",
        "LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct": "exaone",
        "gemini-1.5-pro": "google", "gemma-2-9b-it": "google", "google/gemma-2-9b-it": "google",
        "Gemma-4-12B-it": "google",
        "gpt-3.5-turbo-0125": "gpt", "gpt-4-0125-preview": "gpt", "gpt-4-turbo-2024-04-09": "gpt", "gpt-4o": "gpt",
        "gpt-4o-2024-05-13": "gpt", "gpt-4o-mini": "gpt",
        "hpx003": "hyperclova",
        "Llama-3.1-8B-Instruct": "llama", "Meta-Llama-3-70B-Instruct": "llama",
        "Mistral-7B-Instruct-v0.3": "mistral",
        "Phi-3.5-mini-Instruct": "other",
        "Qwen/Qwen2-7B-Instruct": "qwen", "Qwen2.5-14B-Instruct": "qwen", "Qwen2.5-32B-Instruct": "qwen",
        "Qwen2.5-7B-Instruct": "qwen",
        "solar-1-mini-chat": "solar",
    }
    generators = _generators()["dev2/ai.jsonl"]
    assert generators == set(expected)  # a new generator string in the data needs a decision here
    assert {g: generator_family(g) for g in generators} == expected


@needs_data
def test_every_training_row_has_a_prompt_key_shared_across_models() -> None:
    from kodetect.training.attribution.data import load_rows

    examples = load_rows(data_dir(), 50, 0.5)
    by_prompt: dict[str, set[str]] = {}
    for e in examples:
        by_prompt.setdefault(e.prompt, set()).add(e.generator)
    logickor = {p for p in by_prompt if p.startswith("logickor-")}
    assert logickor == {f"logickor-q{i}" for i in range(1, 43)}
    assert all(len(by_prompt[p]) >= 20 for p in logickor)  # each question answered by dozens of models
    mt_bench = {int(re.sub(r"\D", "", p)) for p in by_prompt if p.startswith("mtbench-q")}
    assert min(mt_bench) >= 81 and max(mt_bench) <= 170
    # Row ids never serve as keys for the benchmark sources: each has a parsed key.
    assert not [e for e in examples if e.prompt == e.id and e.source == "instructkr/LogicKor"]


def test_single_family_cells_and_the_cap() -> None:
    from kodetect.training.attribution.data import cap_family_sources, single_family_cells

    examples = [
        AttributionExample("a", "t", "gpt-4o", "gpt", "katfish-essay", "p1", "essay"),
        AttributionExample("b", "t", "gpt-4o", "gpt", "katfish-essay", "p2", "essay"),
        AttributionExample("c", "t", "gpt-4o", "gpt", "pnu", "p3", "essay"),
        AttributionExample("d", "t", "gemma-2-9b-it", "google", "pnu", "p3", "essay"),
    ]
    # KatFish's essays are GPT's alone there; pnu's essays come from two families.
    assert single_family_cells(examples) == {"katfish-essay/essay": "gpt"}
    many = [AttributionExample(f"{g}{i}", "t", g, "gpt", "s", f"p{i}", "qa") for g in ("x", "y") for i in range(10)]
    capped = cap_family_sources(many, 6)
    assert len(capped) == 6 and Counter(e.generator for e in capped) == {"x": 3, "y": 3}  # spread over generators
    assert capped == [e for e in many if e in capped]  # input order kept
    assert cap_family_sources(many, 6) == capped  # deterministic


def test_cell_weights_give_every_family_and_every_source_within_it_the_same_total() -> None:
    from kodetect.training.attribution.fit import cell_weights

    labels = np.array([0, 0, 0, 0, 1, 1])
    sources = ["a", "a", "a", "b", "a", "c"]
    weights = cell_weights(labels, sources)
    assert weights.mean() == pytest.approx(1.0)
    assert weights[labels == 0].sum() == pytest.approx(weights[labels == 1].sum())
    assert weights[:3].sum() == pytest.approx(weights[3])  # family 0: three texts of a weigh one of b
    assert weights[4] == pytest.approx(weights[5])
