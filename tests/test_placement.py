"""Where a score falls among the model's reference texts: a line in the CLI view, numbers in --json."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from batch_fakes import run

from kodetect.explain.placement import histogram, placement
from kodetect.model.artifact import ModelArtifact, Reference
from kodetect.model.shipped import PACKAGED_MODELS

TEXT = ("현대 사회에서 스마트폰은 우리 생활에 없어서는 안 될 필수품이 되었습니다. 특히 청소년들에게 스마트폰은 "
        "단순한 통신 수단을 넘어 학습, 여가, 그리고 사회적 관계를 유지하는 중요한 도구로 자리 잡고 있습니다.")


def synthetic_reference() -> Reference:
    human = np.linspace(0.0, 0.5, 1000)  # people's texts: 0 to 0.5
    ai = np.linspace(0.3, 1.0, 500)  # AI texts: 0.3 to 1
    return Reference(np.concatenate([human, ai]), np.array([0] * 1000 + [1] * 500), np.zeros(1500, dtype=int),
                     ("synthetic",))


def test_placement_counts_the_reference_texts_on_each_side():
    where = placement(synthetic_reference(), 0.4)
    assert where.human_below == pytest.approx(0.8, abs=0.002) and where.ai_above == pytest.approx(6 / 7, abs=0.003)
    assert (where.humans, where.ais) == (1000, 500)
    assert placement(None, 0.4) is None and placement(synthetic_reference(), None) is None
    bars = histogram(synthetic_reference())
    assert sum(bars["human"]) == pytest.approx(1.0) and sum(bars["ai"]) == pytest.approx(1.0)
    assert len(bars["edges"]) == len(bars["human"]) + 1


@pytest.fixture
def model_with_reference(tmp_path, monkeypatch):
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    path = tmp_path / "fast"
    replace(model, reference=synthetic_reference()).save(path)
    monkeypatch.setenv("KODETECT_MODEL", str(path))
    return path


def test_check_says_where_the_score_falls(model_with_reference, tmp_path, capsys):
    essay = tmp_path / "essay.txt"
    essay.write_text(TEXT, encoding="utf-8")
    assert run(["check", str(essay), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = placement(synthetic_reference(), data["ai_probability"])
    assert data["placement"] == expected.to_dict()
    assert run(["check", str(essay)]) == 0
    assert "모델이 학습하지 않은 출처의 검증용 글과 견주면: 사람이 쓴 글 1,000편의" in capsys.readouterr().out
    assert run(["check", str(essay), "--lang", "en"]) == 0
    assert "people's texts" in capsys.readouterr().out


def test_no_reference_no_line(tmp_path, capsys, monkeypatch):
    model = ModelArtifact.load(PACKAGED_MODELS["fast"])
    replace(model, reference=None).save(tmp_path / "plain")
    monkeypatch.setenv("KODETECT_MODEL", str(tmp_path / "plain"))
    essay = tmp_path / "essay.txt"
    essay.write_text(TEXT, encoding="utf-8")
    assert run(["check", str(essay)]) == 0
    assert "견주면" not in capsys.readouterr().out
    assert run(["check", str(essay), "--json"]) == 0
    assert "placement" not in json.loads(capsys.readouterr().out)
