"""The attribution artifact: features, save/load round trip without pickles, the "unknown" cut, the packaged file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from attribution_fakes import fake_model

from kodetect.attribution import PACKAGED_MODEL, attribution_model
from kodetect.attribution.features import (
    VIEWS,
    WIDTH,
    edges_string,
    hashed_ngrams,
    layout_string,
    strings_from_cached,
    view_buckets,
    visible,
)
from kodetect.attribution.model import AttributionModel
from kodetect.errors import ModelError

STRINGS = strings_from_cached("# 제목\n\n- 하나\n물론입니다. 다음과 같습니다.", "물론입니다. 다음과 같습니다.",
                              "습니다/EF ./SF")


def test_layout_string_reads_lines_as_given() -> None:
    text = ("## 요약\n\n1. **첫째**: 설명입니다.\n- 항목\n| a | b |\n```\n"
            "평범한 문단이 여기에 길게 이어지고 있습니다. 이 줄은 마흔 글자보다 깁니다. 마지막 문장입니다:")
    assert layout_string(text).split() == ["Hs", "E", "Nbs", "Bs", "Ts", "F", "Pc"]


def test_text_views_ignore_format_characters_and_mark_the_ends() -> None:
    text = "네, 물론입니다!\n\n" + "본문이 이어집니다. " * 20 + "도움이 되셨기를 바랍니다."
    hostile = "\u200b" + text.replace("물론", "물\u200d론").replace("바랍", "바\ufeff랍")
    hostile = hostile.replace("본문", "본\ud800문", 1)  # a lone surrogate, as a broken decoding leaves
    assert visible(hostile) == text
    assert strings_from_cached(hostile, "c", "m") == strings_from_cached(text, "c", "m")
    edges = edges_string(text)
    assert edges.startswith("\x02네, 물론입니다!") and edges.endswith("도움이 되셨기를 바랍니다.\x04")
    assert len(edges) == 60 + 60 + 3
    assert strings_from_cached(text, "c", "m")["raw"] == text
    assert edges_string("짧은 글") == "\x02짧은 글\x03짧은 글\x04"


def test_hashed_ngrams_are_deterministic_and_in_range() -> None:
    units = np.arange(10, dtype=np.uint64)
    a = hashed_ngrams(units, 1, 3, salt=1)
    assert len(a) == 10 + 9 + 8 and a.min() >= 0 and a.max() < WIDTH
    assert np.array_equal(a, hashed_ngrams(units, 1, 3, salt=1))
    assert not np.array_equal(a, hashed_ngrams(units, 1, 3, salt=2))  # views do not share buckets
    assert len(hashed_ngrams(units[:1], 4, 5, salt=1)) == 0
    assert set(VIEWS) == {"char", "morph", "char_long", "word", "layout", "raw", "edges"}
    assert len(view_buckets("word", STRINGS)) == 3 + 2  # 3 words, 2 bigrams


def test_probabilities_sum_to_one_and_are_ordered() -> None:
    model = fake_model()
    attribution = model.attribute_strings(STRINGS)
    values = list(attribution.probabilities.values())
    assert set(attribution.probabilities) == {"gpt", "claude", "other"}
    assert values == sorted(values, reverse=True)
    assert sum(values) == pytest.approx(1.0, abs=1e-3)
    assert attribution.family == next(iter(attribution.probabilities))


def test_unknown_below_the_cut() -> None:
    top = max(fake_model().probabilities(STRINGS))
    assert fake_model(cut=top - 0.01).attribute_strings(STRINGS).family != "unknown"
    below = fake_model(cut=top + 0.01).attribute_strings(STRINGS)
    assert below.family == "unknown" and len(below.probabilities) == 3


def test_save_load_round_trip_keeps_answers_and_needs_no_pickle(tmp_path: Path) -> None:
    model = fake_model()
    model.save(tmp_path / "attr")
    with np.load(tmp_path / "attr.npz", allow_pickle=False) as arrays:  # plain arrays only
        assert arrays["char_coef"].dtype == np.int8
    loaded = AttributionModel.load(tmp_path / "attr")
    assert loaded.families == model.families and loaded.cut == model.cut and loaded.temperature == model.temperature
    assert loaded.version == "0+fake"
    rng = np.random.default_rng(1)
    for _ in range(20):
        prose = "".join(rng.choice(list("가나다라마바사 ."), 80))
        strings = strings_from_cached(prose, prose, "다/EF ./SF NNG")
        assert np.allclose(loaded.probabilities(strings), model.probabilities(strings), atol=0.02)


def test_load_refuses_missing_or_foreign_artifacts(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        AttributionModel.load(tmp_path / "nothing")
    fake_model().save(tmp_path / "attr")
    card = json.loads((tmp_path / "attr.json").read_text("utf-8"))
    card["format"] = 99
    (tmp_path / "attr.json").write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match="format"):
        AttributionModel.load(tmp_path / "attr")
    card["format"], card["width"] = 1, 2**10
    (tmp_path / "attr.json").write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match="width"):
        AttributionModel.load(tmp_path / "attr")


def test_the_packaged_artifact_is_small_documented_and_loaded_once() -> None:
    size = sum(PACKAGED_MODEL.with_suffix(s).stat().st_size for s in (".npz", ".json"))
    assert size <= 5 * 2**20
    model = attribution_model()
    assert attribution_model() is model
    card = model.card
    assert card["command"].startswith("kodetect train --attribution")
    assert model.families[-1] == "other" and len(model.families) >= 6
    assert 0 < model.cut < 1 and model.temperature > 0
    held = card["held_out_prompts"]
    assert {"accuracy", "macro_f1", "by_family", "named_share_at_cut", "accuracy_when_named"} <= set(held)
    assert set(card["family_details"]) == set(model.families)
    assert held["int8_agreement"] >= 0.99
