"""Generator families: the mapping of every generator string, and the leave-one-family-out protocol."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from kodetect.eval.data import data_dir
from kodetect.eval.generator_families import (
    FAMILIES,
    family_members,
    generator_family,
    leave_one_generator_family_out,
)
from kodetect.training.dataset import Example


@pytest.mark.parametrize(
    ("generator", "family"),
    [
        ("gpt-3.5-turbo", "gpt"),
        ("chatgpt", "gpt"),
        ("text-davinci-003", "gpt"),
        ("GPT-4o", "gpt"),
        ("gpt-4o-2024-05-13", "gpt"),
        ("openai/gpt-4-0613", "gpt"),
        ("anthropic/claude-3-haiku-20240307", "claude"),
        ("google/gemini_1.5_pro_001", "google"),
        ("google/gemma-7b-it", "google"),
        ("Qwen/Qwen2-72B-Instruct", "qwen"),
        ("qwen2:72b-instruct", "qwen"),
        ("Qwen2", "qwen"),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "llama"),
        ("llama3.1:70b", "llama"),
        ("Llama3.1", "llama"),
        ("perplexity/llama-3-sonar-large-32k-chat", "llama"),  # Sonar is not Solar
        ("neversleep/noromaid-20b", "llama"),
        ("mistralai/mixtral-8x7b-instruct", "mistral"),
        ("nousresearch/nous-hermes-2-mistral-7b-dpo", "mistral"),
        ("alpindale/WizardLM-2-8x22B", "mistral"),
        ("solar-1-mini-chat", "solar"),
        ("Solar", "solar"),
        ("chihoonlee10/T3Q-ko-solar-dpo-v3.0", "solar"),
        # Korean fine-tunes of Llama keep the Korean family although their names say llama.
        ("Bllossom/llama-3-Korean-Bllossom-70B", "korean"),
        ("mirlab/AkaLlama-llama3-70b-v0.1", "korean"),
        ("nlpai-lab/KULLM3", "korean"),
        ("yanolja/EEVE-Korean-Instruct-10.8B-v1.0", "korean"),
        ("polyglot-ko-1.3b", "korean"),
        ("rtzr/ko-gemma-2-9b-it", "korean"),  # a Korean fine-tune of Gemma: the Korean rule wins
        ("NCSOFT/Llama-VARCO-8B-Instruct", "korean"),
        ("keval-2-9b", "korean"),
        ("EXAONE-3.5-32B-Instruct-AWQ", "exaone"),
        ("LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct", "exaone"),
        ("hpx003", "hyperclova"),
        ("Gemma-4-12B-it", "google"),
        ("claude-sonnet", "claude"),
        ("gpt-4o-mini", "gpt"),
        ("Phi-3.5-mini-Instruct", "other"),
        ("CohereForAI/aya-23-35B", "other"),
        ("THUDM/glm-4-9b-chat", "other"),
        ("some-new-model", "other"),
    ],
)
def test_generator_family(generator: str, family: str) -> None:
    assert generator_family(generator) == family


def test_family_members_orders_families_and_skips_humans() -> None:
    members = family_members(["human", "openai/gpt-4-0613", "gpt-4", "nlpai-lab/KULLM3", "gpt-4"])
    assert list(members) == ["gpt", "korean"]
    assert members["gpt"] == ["gpt-4", "openai/gpt-4-0613"]


def test_family_members_order_names_that_differ_only_in_case_the_same_way_every_time() -> None:
    for generators in (["gpt-4o", "GPT-4o", "gpt-4"], ["GPT-4o", "gpt-4", "gpt-4o"]):
        assert family_members(generators)["gpt"] == ["gpt-4", "GPT-4o", "gpt-4o"]


@pytest.mark.skipif(data_dir() is None, reason="../shared/data is absent (set KODETECT_DATA_DIR to use it)")
def test_every_generator_in_the_data_has_a_named_family() -> None:
    """No data generator may fall through to "other" by accident: only the listed makers go there."""
    generators = set()
    for name in ("dev/ai.jsonl", "dev2/ai.jsonl", "katfish/essay.jsonl", "katfish/poetry.jsonl",
                 "katfish/abstract.jsonl"):
        with open(data_dir() / name, encoding="utf-8") as handle:
            generators |= {json.loads(line)["generator"] for line in handle}
    members = family_members(generators)
    assert set(members) == set(FAMILIES)
    assert all(g.split("/")[0] in {"CohereForAI", "OrionStarAI", "THUDM", "microsoft"} or g.startswith("Phi-")
               for g in members["other"])


def _example(i: int, label: int, generator: str, text: str, group: str = "g") -> Example:
    return Example(f"id{i}", text, label, group, "genre", generator)


def test_leave_one_family_out_never_trains_on_the_held_out_family() -> None:
    train_pool = [
        _example(0, 0, "human", "h-train-0"),
        _example(1, 0, "human", "h-train-1"),
        _example(2, 1, "gpt-4", "gpt-train"),
        _example(3, 1, "anthropic/claude-3-opus-20240229", "claude-train"),
    ]
    validation_pool = [
        _example(4, 0, "human", "h-val"),
        _example(5, 1, "openai/gpt-4-0613", "gpt-val"),
        _example(6, 1, "anthropic/claude-3-haiku-20240307", "claude-val"),
    ]
    seen: list[tuple[list[str], list[str]]] = []

    def recipe(texts: Sequence[str], labels: np.ndarray):
        train_texts = list(texts)

        def score(test_texts: Sequence[str]) -> np.ndarray:
            seen.append((train_texts, list(test_texts)))
            return np.array([1.0 if t.startswith(("gpt", "claude")) else 0.0 for t in test_texts])

        return score

    results = leave_one_generator_family_out(recipe, train_pool, validation_pool)
    assert [r.family for r in results] == ["gpt", "claude"]
    (gpt_train, gpt_test), (claude_train, claude_test) = seen
    assert gpt_test == ["gpt-train", "gpt-val", "h-val"]
    assert not {"gpt-train", "gpt-val"} & set(gpt_train) and "claude-train" in gpt_train
    assert claude_test == ["claude-train", "claude-val", "h-val"]
    assert "claude-train" not in claude_train and "h-train-0" in claude_train
    gpt = results[0]
    assert (gpt.n_ai, gpt.n_human, gpt.n_generators, gpt.auroc) == (2, 1, 2, 1.0)
