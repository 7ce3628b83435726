"""Can the offline language model paraphrase Korean well enough for a paraphrase attack?

    python bench/experiments/paraphrase_probe.py [--texts 3] [--out bench/results/paraphrase_probe.md]

The robustness suite would rewrite AI texts with a local model and measure what detection loses. The
only model kodetect has offline is Gemma 3 270M *base* (no instruction tuning). This probe gives it a
one-shot paraphrase prompt on unseen KatFish AI essays and records what comes back, with a crude
meaning check: the share of the source's content words (Kiwi nouns, verbs, adjectives) that the
output keeps. A paraphrase keeps most of them; a continuation on another topic keeps few.

Result: bench/results/paraphrase_probe.md. Not usable: the outputs kept 21% of the source's content words
(50% needed), so the robustness suite has no paraphrase attack.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOT_SOURCE = "나는 어제 친구와 함께 공원에 갔다. 날씨가 좋아서 오래 걸었다."
USABLE_KEPT_SHARE = 0.5
SHOT_PARAPHRASE = "어제는 친구랑 공원에 다녀왔다. 날이 맑아 한참을 걸어 다녔다."


def content_words(text: str) -> set[str]:
    from kodetect.text.segment import analyze

    return {t.form for s in analyze(text).sentences for t in s.tokens if t.tag in ("NNG", "NNP", "VV", "VA")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "paraphrase_probe.md")
    args = parser.parse_args()

    import torch

    from kodetect.eval.data import data_dir, load_katfish, load_katfish_splits
    from kodetect.lm.backend import TorchCausalLM

    if data_dir() is None:
        print("../shared/data not found (set KODETECT_DATA_DIR)", file=sys.stderr)
        return 2
    rows = {r["id"]: r for r in load_katfish("essay")}
    unseen = [rows[i] for i in load_katfish_splits()["essay"]["42"]["test_qwen"] if rows[i]["label"] == 1]
    lm = TorchCausalLM.default()
    torch.manual_seed(0)
    lines = [
        "# Paraphrase probe: Gemma 3 270M base",
        "",
        f"Command: `python bench/experiments/paraphrase_probe.py --texts {args.texts}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; sampling top-p 0.9, temperature 0.7, "
        "repetition penalty 1.1, seed 0, 160 new tokens.",
        "",
        "Prompt: an instruction (다음 글을 같은 뜻의 다른 표현으로 바꿔 쓰시오), one example pair, then the first 300 "
        "characters of an unseen KatFish AI essay (Qwen2 test split).",
        "",
    ]
    kept_shares = []
    for row in unseen[: args.texts]:
        source = row["text"][:300]
        prompt = (f"다음 글을 같은 뜻의 다른 표현으로 바꿔 쓰시오.\n\n원문: {SHOT_SOURCE}\n"
                  f"바꿔 쓴 글: {SHOT_PARAPHRASE}\n\n원문: {source}\n바꿔 쓴 글:")
        inputs = lm.tokenizer(prompt, return_tensors="pt")
        started = time.perf_counter()
        with torch.no_grad():
            generated = lm.model.generate(**inputs, max_new_tokens=160, do_sample=True, top_p=0.9, temperature=0.7,
                                          repetition_penalty=1.1)
        seconds = time.perf_counter() - started
        output = lm.tokenizer.decode(generated[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        source_words = content_words(source)
        kept = len(source_words & content_words(output)) / max(1, len(source_words))
        kept_shares.append(kept)
        lines += [f"## `{row['id']}`", "", f"Source: {source}", "", f"Output ({seconds:.0f} s): {output}", "",
                  f"Content words of the source kept: {100 * kept:.0f}%", ""]
    mean_kept = sum(kept_shares) / len(kept_shares)
    # A paraphrase restates the source: most of its content words come back (synonyms replace some).
    if mean_kept < USABLE_KEPT_SHARE:
        verdict = ("Not a paraphrase: the output keeps too little of the source's content to be a restatement of "
                   "it, so an attack built on this model would measure topic change, not paraphrasing. The suite "
                   "has no paraphrase attack; the edit attacks (endings, particles, spacing, commas, typos) stand "
                   "in for the light rewording a person does by hand.")
    else:
        verdict = "The outputs keep most of the source's content words; read them before building an attack on them."
    lines += ["## Verdict", "", f"Mean share of the source's content words kept: {100 * mean_kept:.0f}% "
              f"(usable from {100 * USABLE_KEPT_SHARE:.0f}%). {verdict}", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
