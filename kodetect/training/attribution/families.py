"""The classifier's families: which generator families have enough texts and prompts to be learned.

Families come from kodetect/eval/generator_families.py. One with fewer than `MIN_TEXTS` training
texts or `MIN_PROMPTS` distinct prompts cannot be told from its prompts' topics (a held-out prompt
leaves it a handful of examples), so it is merged into "other", and the model card says so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from kodetect.attribution.names import OTHER
from kodetect.eval.attribution import AttributionExample
from kodetect.eval.generator_families import FAMILIES

MIN_TEXTS = 100
MIN_PROMPTS = 40


def learnable_families(examples: Sequence[AttributionExample]) -> tuple[list[str], dict[str, str]]:
    """(families in report order with "other" last, {merged family: why}) for these training examples."""
    texts = Counter(e.family for e in examples)
    prompts: dict[str, set[str]] = defaultdict(set)
    for e in examples:
        prompts[e.family].add(e.prompt)
    kept, merged = [], {}
    for family in FAMILIES:
        if family == OTHER or family not in texts:
            continue
        if texts[family] < MIN_TEXTS or len(prompts[family]) < MIN_PROMPTS:
            merged[family] = (f"{texts[family]} texts on {len(prompts[family])} prompts; at least {MIN_TEXTS} "
                              f"texts on {MIN_PROMPTS} prompts are needed to learn a family")
        else:
            kept.append(family)
    return [*kept, OTHER], merged
