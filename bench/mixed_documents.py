"""Mixed documents: can the sentence scores find AI paragraphs spliced into a human text?

    python bench/mixed_documents.py [--seed 0] [--threshold-mode low-fpr]

Each human text of the KatFish seed-42 test splits (never trained on) is interleaved paragraph by
paragraph with an unseen AI text of the same genre (`kodetect.eval.attacks.mix_documents`). Every
sentence is labelled by the paragraph it starts in; we report sentence-level AUROC of the sentence
probabilities, and what the document verdicts were.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter

import numpy as np

from kodetect import Detector
from kodetect.eval.attacks import mix_documents
from kodetect.eval.data import data_dir, load_katfish, load_katfish_splits
from kodetect.eval.metrics import auroc
from kodetect.eval.protocols import KATFISH_GENRES, KATFISH_TESTS
from kodetect.training.dataset import KATFISH_TRAIN_SEED


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold-mode", default="low-fpr")
    args = parser.parse_args()
    if data_dir() is None:
        print("../shared/data not found (set KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    detector = Detector(threshold_mode=args.threshold_mode)
    splits = load_katfish_splits()
    rng = random.Random(args.seed)
    print("| genre | mixed documents | sentences (human / AI) | sentence AUROC | document verdicts |")
    print("|---|---|---|---|---|")
    all_labels, all_scores = [], []
    for genre in KATFISH_GENRES:
        rows = {r["id"]: r for r in load_katfish(genre)}
        unseen = {i for t in KATFISH_TESTS for i in splits[genre][KATFISH_TRAIN_SEED][t]}
        humans = [rows[i]["text"] for i in sorted(unseen) if rows[i]["label"] == 0]
        ais = [rows[i]["text"] for i in sorted(unseen) if rows[i]["label"] == 1]
        labels, scores, verdicts = [], [], Counter()
        for human in humans:
            text, spans = mix_documents(human, rng.choice(ais), rng)
            detection = detector.detect(text)
            verdicts[detection.verdict] += 1
            for sentence in detection.sentences:
                if sentence.ai_probability is None:
                    continue
                label = next((lab for start, end, lab in spans if start <= sentence.start < end), None)
                if label is not None:
                    labels.append(label)
                    scores.append(sentence.ai_probability)
        y, s = np.array(labels), np.array(scores)
        all_labels += labels
        all_scores += scores
        counts = ", ".join(f"{v} {n}" for v, n in verdicts.most_common())
        print(f"| {genre} | {len(humans)} | {(y == 0).sum()} / {(y == 1).sum()} | {100 * auroc(y, s):.2f} | {counts} |")
    print(f"| all | | {len(all_labels)} | {100 * auroc(np.array(all_labels), np.array(all_scores)):.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
