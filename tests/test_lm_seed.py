"""The shipped language-model features: exported from a cache, copied into an empty one, and checked."""

import gzip
import json

import pytest

from bench.report import lm_seed
from kodetect.features.language_model import LM_FEATURES
from kodetect.training import lm_featurize

TEXTS = ["첫 번째 글입니다. 내용이 조금 있습니다.", "두 번째 글이에요. 이것도 짧아요.", "세 번째 글이다."]


def _features(i: int) -> dict[str, float]:
    return {name: float(i) + j / 10 for j, name in enumerate(LM_FEATURES)}


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """A local cache holding TEXTS, a second empty one, and a folder for the shipped file."""
    monkeypatch.setattr(lm_seed, "SEED_DIR", tmp_path / "repo" / "bench" / "lm_cache")
    full, empty = tmp_path / "full", tmp_path / "empty"
    monkeypatch.setenv("KODETECT_CACHE_DIR", str(full))
    path = lm_featurize.cache_path(full)
    key = path.stem.removeprefix("lm-features-")
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps({"k": lm_featurize.text_key(key, t), "f": _features(i)}) + "\n"
                            for i, t in enumerate(TEXTS)), "utf-8")
    return full, empty


def test_export_writes_every_entry_sorted_and_reproducibly(caches):
    first = lm_seed.export()
    entries = [json.loads(line) for line in gzip.open(first, "rt", encoding="utf-8")]
    assert len(entries) == len(TEXTS)
    assert [e["k"] for e in entries] == sorted(e["k"] for e in entries)
    content = first.read_bytes()
    assert lm_seed.export().read_bytes() == content  # no timestamp in the gzip header


def test_an_empty_cache_gets_the_shipped_entries_and_a_matching_check(caches, monkeypatch):
    _, empty = caches
    lm_seed.export()
    monkeypatch.setenv("KODETECT_CACHE_DIR", str(empty))
    rescored = []
    monkeypatch.setattr(lm_seed, "_rescore", lambda texts: rescored.extend(texts) or
                        [_features(TEXTS.index(t)) for t in texts])
    seeding = lm_seed.seed_local_cache(TEXTS + ["캐시에 없는 글입니다."], verify=2)
    assert seeding is not None
    assert (seeding.entries, seeding.copied, seeding.checked) == (3, 3, 2)
    assert set(rescored) <= set(TEXTS)  # only texts the file has are re-scored
    assert seeding.verified and "match" in seeding.describe()
    matrix = lm_featurize.lm_feature_matrix(TEXTS, cache_dir=empty, progress=False)  # no model load: all cached
    assert matrix[1, 0] == _features(1)[LM_FEATURES[0]]
    again = lm_seed.seed_local_cache(TEXTS, verify=0)
    assert again is not None and again.copied == 0


def test_a_file_from_another_model_shows_as_a_mismatch(caches, monkeypatch):
    _, empty = caches
    lm_seed.export()
    monkeypatch.setenv("KODETECT_CACHE_DIR", str(empty))
    monkeypatch.setattr(lm_seed, "_rescore", lambda texts: [_features(TEXTS.index(t) + 1) for t in texts])
    seeding = lm_seed.seed_local_cache(TEXTS, verify=3)
    assert seeding is not None and not seeding.verified
    assert "MISMATCH" in seeding.describe()


def test_no_shipped_file_means_no_seeding(caches):
    assert lm_seed.seed_local_cache(TEXTS) is None
