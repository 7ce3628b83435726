"""Generator families: which model lineage wrote an AI text, and a leave-one-family-out protocol.

A detector that has seen GPT-4 may still miss Claude: leave-one-source-out cannot show this,
because one source (e.g. LogicKor) holds 61 generators. Here every `generator` string of the data
maps to a family, and the protocol trains without one family's AI texts and tests on them. The same
families are the labels of the attribution classifier (kodetect/attribution/).

Families follow the maker of the model. Two Korean labs' own base models have their own family
(EXAONE, LG AI Research; HyperCLOVA X, NAVER: `hpx003` is HCX-003), and two families are Korean:

* "solar": Upstage's Solar and fine-tunes whose name says Solar (T3Q-ko-solar, nox-solar).
* "korean": models fine-tuned in Korea for Korean whose name does not say Solar (KULLM3, EEVE,
  Bookworm, Synatra, TinyWand, Bllossom and AtomicGPT-Bllossom, Llama-3-Alpha-Ko, AkaLlama,
  Llama-VARCO, Llama-DNA, ko-gemma-2, keval and kgrammar, polyglot-ko). Most of them sit on a
  Llama, Gemma, Mistral or Solar base, but their Korean instruction tuning shapes their Korean prose
  more than the base does, and the question this family answers is whether a detector trained on
  big-lab outputs catches the Korean community's own models. By that rule the ko-gemma-2 fine-tunes
  (davidkim205, rtzr) are Korean, not Google, and simple-keval's keval/kgrammar judges (davidkim205's
  Korean evaluation fine-tunes) are Korean too.

Community fine-tunes of other bases go with their base (Lumimaid and Sonar with Llama, OpenChat,
Toppy and WizardLM-2 with Mistral). Strings matching no rule fall into "other".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kodetect.eval.metrics import auroc, tpr_at_fpr
from kodetect.eval.protocols import Recipe, fit_examples

# Display names, in report order.
FAMILIES = {
    "gpt": "GPT (OpenAI)",
    "claude": "Claude (Anthropic)",
    "google": "Google (Gemini, PaLM 2, Gemma)",
    "qwen": "Qwen (Alibaba)",
    "llama": "Llama (Meta) and its fine-tunes",
    "mistral": "Mistral and its fine-tunes",
    "solar": "Solar-based (Upstage)",
    "exaone": "EXAONE (LG AI Research)",
    "hyperclova": "HyperCLOVA X (NAVER)",
    "korean": "Korean fine-tunes (KULLM, EEVE, Synatra, Bllossom, ko-gemma, ...)",
    "other": "other (Cohere, Orion, GLM, Phi)",
}

# First match wins, so the Korean and Solar rules come before the base-model rules that their
# names would also match (e.g. "llama-3-Korean-Bllossom", "ko-gemma-2-9b-it" or "T3Q-ko-solar").
_RULES: tuple[tuple[str, str], ...] = (
    ("solar", r"solar"),
    ("exaone", r"exaone"),
    ("hyperclova", r"^hpx|hyperclova|^hcx-"),
    ("korean", r"^(nlpai-lab|yanolja|maywell|bllossom|allganize|mirlab|ncsoft|dnotitia)/|^polyglot-ko|^eeve-"
               r"|bllossom|ko-gemma|^(keval|kgrammar)-"),
    ("gpt", r"^(openai/|gpt-|chatgpt$|text-davinci-)"),
    ("claude", r"^(anthropic/|claude)"),
    ("google", r"^google/|gemini|palm-2|gemma"),
    ("qwen", r"qwen"),
    ("llama", r"^meta-llama/|llama|^perplexity/|noromaid|lumimaid"),
    ("mistral", r"^mistralai/|mistral|mixtral|^openchat/|^undi95/|wizardlm-2"),
    ("other", r"^(cohereforai|orionstarai|thudm|microsoft)/|^phi-"),
)
_COMPILED = tuple((family, re.compile(pattern)) for family, pattern in _RULES)


def generator_family(generator: str) -> str:
    """The family key (see FAMILIES) of a `generator` string as the data gives it."""
    name = generator.strip().lower()
    for family, pattern in _COMPILED:
        if pattern.search(name):
            return family
    return "other"


def family_members(generators: Iterable[str]) -> dict[str, list[str]]:
    """Family key -> the sorted distinct generator strings in it (families in FAMILIES order)."""
    members: dict[str, set[str]] = {}
    for g in generators:
        if g != "human":
            members.setdefault(generator_family(g), set()).add(g)
    # Names differing only in case (`gpt-4o`, `GPT-4o`) tie under lower(); the name itself breaks the tie,
    # so the report lists them in the same order on every run.
    return {f: sorted(members[f], key=lambda g: (g.lower(), g)) for f in FAMILIES if f in members}


@dataclass(frozen=True)
class FamilyHeldOut:
    family: str
    n_ai: int
    n_human: int
    n_generators: int
    auroc: float
    tpr_at_1pct_fpr: float


def leave_one_generator_family_out(recipe: Recipe, train_pool, validation_pool,
                                   fit_pool=None) -> list[FamilyHeldOut]:
    """Train without one family's AI texts, test on them against the validation humans.

    `train_pool` and `validation_pool` are the shipped recipe's `Example` sets (see
    kodetect.training.dataset). The test set is every AI text of the family in either pool plus
    every human text of the validation pool; training keeps all human texts of the training pool
    and the AI texts of the other families. No test text is ever trained on. `fit_pool`: the examples
    trained on instead of `train_pool` (its family's AI texts left out; see `protocols.out_of_source`).
    """
    fit_pool = train_pool if fit_pool is None else fit_pool
    everything = [*train_pool, *validation_pool]
    humans = [e for e in validation_pool if e.label == 0]
    families = {generator_family(e.generator) for e in everything if e.label == 1}
    results: list[FamilyHeldOut] = []
    for family in (f for f in FAMILIES if f in families):
        held = [e for e in everything if e.label == 1 and generator_family(e.generator) == family]
        train = [e for e in fit_pool if not (e.label == 1 and generator_family(e.generator) == family)]
        test = [*held, *humans]
        score = fit_examples(recipe, train)
        y = np.array([e.label for e in test])
        s = score([e.text for e in test])
        results.append(
            FamilyHeldOut(family, len(held), len(humans), len({e.generator for e in held}), auroc(y, s),
                          tpr_at_fpr(y, s, 0.01))
        )
    return results
