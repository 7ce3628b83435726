"""Write the KatFish rows the shipped model never saw: the seed-42 test splits (unseen generators
Solar, Qwen2, Llama3.1 and the reserved 20% of human texts), for `kodetect eval`.

    python bench/report/katfish_unseen.py /tmp/katfish_seed42_unseen.jsonl
    kodetect eval /tmp/katfish_seed42_unseen.jsonl --report report.md
    kodetect eval /tmp/katfish_seed42_unseen.jsonl --attack all --report attacks.md
"""

from __future__ import annotations

import json
import sys

from kodetect.eval.data import data_dir, load_katfish, load_katfish_splits
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS
from kodetect.training.dataset import KATFISH_TRAIN_SEED


def main() -> int:
    if len(sys.argv) != 2 or data_dir() is None:
        print(__doc__, file=sys.stderr)
        return 2
    splits = load_katfish_splits()
    written = 0
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for genre in KATFISH_GENRES:
            rows = {r["id"]: r for r in load_katfish(genre)}
            seen: set[str] = set()
            for test in KATFISH_TESTS:
                for row_id in splits[genre][KATFISH_TRAIN_SEED][test]:
                    if row_id not in seen:
                        seen.add(row_id)
                        out.write(json.dumps(rows[row_id], ensure_ascii=False) + "\n")
                        written += 1
    print(f"wrote {written} rows to {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
