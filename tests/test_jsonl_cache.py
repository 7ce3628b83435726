import json

from kodetect.training.cache import JsonlCache, shared_cache


def _append(path, text):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def test_reads_only_what_was_appended_and_waits_for_a_whole_line(tmp_path):
    path = tmp_path / "c.jsonl"
    cache = JsonlCache(path, lambda entry: entry["f"])
    assert cache.entries() == {}
    _append(path, json.dumps({"k": "a", "f": 1}) + "\n")
    assert cache.entries() == {"a": 1}
    _append(path, '{"k": "b", "f"')  # a writer in the middle of a line
    assert cache.entries() == {"a": 1}
    _append(path, ": 2}\n" + "not json\n" + json.dumps({"k": "c", "f": 3}) + "\n")
    assert cache.entries() == {"a": 1, "b": 2, "c": 3}


def test_a_replaced_or_deleted_file_is_read_again(tmp_path):
    path = tmp_path / "c.jsonl"
    cache = JsonlCache(path, lambda entry: entry["f"])
    _append(path, json.dumps({"k": "a", "f": 1}) + "\n" + json.dumps({"k": "b", "f": 2}) + "\n")
    assert len(cache.entries()) == 2
    path.write_text(json.dumps({"k": "z", "f": 9}) + "\n", encoding="utf-8")
    assert cache.entries() == {"z": 9}
    path.unlink()
    assert cache.entries() == {}


def test_one_reader_per_file_and_value(tmp_path):
    path = tmp_path / "c.jsonl"
    assert shared_cache(path, "x", lambda e: e) is shared_cache(path, "x", lambda e: e)
    assert shared_cache(path, "x", lambda e: e) is not shared_cache(path, "y", lambda e: e)
