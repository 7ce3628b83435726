"""Abstention before and after code and foreign-language lines were set aside (issue 18, item 4).

Before: the language check read the whole normalised text, code blocks, commands and English lines
included: `unsupported-language` when it had no letters or under half of them Hangul, `insufficient`
under MIN_HANGUL Hangul. The old normaliser differed from today's only in keeping those lines, and
markdown markers and emoji (which it dropped, as today's does) hold no letters, so the normaliser with
formatting kept (`normalize(text, strip_formatting=False)`) has exactly the old text's letters.
After: the shipped detector's own rule on today's normaliser output. Only normalisation and script
profiles run: no model scores anything.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bench.report.context import DEV_FILES, Context, cap_per_group
from bench.report.markdown import Section, count_rate, table
from kodetect.detector import KOREAN_PROSE_ENOUGH, abstention
from kodetect.model.shipped import MIN_HANGUL, MIN_KOREAN_SHARE
from kodetect.text.language import script_profile
from kodetect.text.normalize import NormalizedText, normalize
from kodetect.training.dataset import source_group

# The target counts AI texts with at least this much Korean prose (Hangul after normalisation).
PROSE_HANGUL = 200
ABSTAIN = ("unsupported-language", "insufficient")
# --quick: at most this many rows per (file, source, side).
QUICK_PER_GROUP = 30


def old_rule(text: str, min_hangul: int = MIN_HANGUL, min_korean_share: float = MIN_KOREAN_SHARE) -> str | None:
    """The language check before code and foreign lines were set aside, on the old normaliser's text."""
    profile = script_profile(text)
    if profile.letters == 0 or profile.korean_share < min_korean_share:
        return "unsupported-language"
    if profile.hangul < min_hangul:
        return "insufficient"
    return None


@dataclass(frozen=True)
class Outcome:
    corpus: str  # "dev" or "dev2"
    source: str
    label: int
    before: str | None
    after: str | None
    prose_hangul: int  # Hangul of the Korean prose left after today's normaliser


def outcome(detector, corpus: str, row: dict) -> Outcome:
    text = row["text"]
    new = normalize(text)
    before = old_rule(normalize(text, strip_formatting=False).text, detector.model_card["min_hangul"],
                      detector.model_card["min_korean_share"])
    return Outcome(corpus, source_group(row), int(row["label"]), before, _after(detector, new),
                   script_profile(new.text).hangul)


def _after(detector, normalized: NormalizedText) -> str | None:
    # The detector's own rule. It reads only the normalised text, so the Kiwi analysis that a full
    # `prepare` adds (most of the cost of 50,000 texts) is left out.
    return abstention(normalized, detector.model_card["min_hangul"], detector.model_card["min_korean_share"])


def counts_table(outcomes: Sequence[Outcome], key) -> list[list[object]]:
    """Rows of (key..., n, before: unsupported, insufficient; after: unsupported, insufficient; judged now but not
    before; abstained now but not before), grouped by `key(outcome)` (a tuple)."""
    groups: dict[tuple, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o), []).append(o)
    rows = []
    for k in sorted(groups):
        members = groups[k]
        n = len(members)
        before, after = Counter(o.before for o in members), Counter(o.after for o in members)
        rescued = sum(o.before is not None and o.after is None for o in members)
        lost = sum(o.before is None and o.after is not None for o in members)
        rows.append([*k, n, *(count_rate(before[a], n) for a in ABSTAIN), *(count_rate(after[a], n) for a in ABSTAIN),
                     rescued, lost])
    return rows


def prose_target(outcomes: Iterable[Outcome]) -> dict[str, tuple[int, int]]:
    """AI texts with at least PROSE_HANGUL Hangul of prose: (abstained, n) before and after."""
    long_ai = [o for o in outcomes if o.label == 1 and o.prose_hangul >= PROSE_HANGUL]
    return {"before": (sum(o.before is not None for o in long_ai), len(long_ai)),
            "after": (sum(o.after is not None for o in long_ai), len(long_ai))}


def _rows(ctx: Context) -> list[tuple[str, dict]]:
    """(corpus, row) for every row of dev/ and dev2/ (a stratified few with --quick)."""
    rows = []
    for name in DEV_FILES:
        with open(ctx.data / name, encoding="utf-8") as handle:
            rows += [(name.split("/")[0], json.loads(line)) for line in handle if line.strip()]
    if ctx.settings.quick:
        rows = cap_per_group(rows, QUICK_PER_GROUP, key=lambda cr: (cr[0], source_group(cr[1]), cr[1]["label"]))
    return rows


HEADER = ["n", "before: unsupported-language", "before: insufficient", "after: unsupported-language",
          "after: insufficient", "judged now, not before", "abstained now, not before"]


def run(ctx: Context) -> Section:
    section = Section("abstention", "Abstention: Korean text with code and foreign-language lines",
                      data_files=DEV_FILES)
    detector = ctx.detector("fast")
    section.models.append(f"{ctx.model_versions['fast']} (its language check only)")
    rows = _rows(ctx)
    outcomes = [outcome(detector, corpus, row) for corpus, row in rows]
    sample = (f" (--quick: at most {QUICK_PER_GROUP} rows of every file, source and side, {len(rows)} rows)"
              if ctx.settings.quick else f" (all {len(rows)} rows, uncropped)")
    section.blocks.append(
        "How many rows of dev/ and dev2/" + sample + " the detector declines to judge, before and after code "
        "blocks, command lines and lines mostly in another script were set aside like markdown. *Before*: the "
        "language check on the whole normalised text, those lines included (`unsupported-language` when under "
        f"{MIN_KOREAN_SHARE:.0%} of the letters are Hangul, `insufficient` under {MIN_HANGUL} Hangul). *After*: the "
        "shipped detector's rule on the prose left (`unsupported-language` only when that prose is too little and "
        "the text is mostly something else, `insufficient` when it is just short). Percent (count/total).")
    section.blocks.append(table(["corpus", "side", *HEADER],
                                counts_table(outcomes, lambda o: (o.corpus, "AI" if o.label else "human"))))
    changed = [o for o in outcomes if o.before is not None or o.after is not None]
    section.blocks.append("By source, where any row abstained before or after:")
    section.blocks.append(table(["source", "side", *HEADER],
                                counts_table([o for o in outcomes if o.source in {c.source for c in changed}],
                                             lambda o: (o.source, "AI" if o.label else "human"))))
    target = prose_target(outcomes)
    why = (f" The detector judges every text with at least {KOREAN_PROSE_ENOUGH} Hangul of prose "
           "(`KOREAN_PROSE_ENOUGH`), so *after* is 0 by construction; *before* is what the change fixed."
           if KOREAN_PROSE_ENOUGH <= PROSE_HANGUL else "")
    section.blocks.append(
        f"The issue's target: at most 2% of the AI texts of dev/ and dev2/ with at least {PROSE_HANGUL} Hangul "
        f"characters of prose (after the normaliser) abstain. Before: {count_rate(*target['before'])}; after: "
        f"{count_rate(*target['after'])}." + why)
    section.facts = {"prose_target": target,
                     "abstained": {when: Counter((o.label, getattr(o, when)) for o in outcomes)
                                   for when in ("before", "after")},
                     "n": Counter(o.label for o in outcomes)}
    return section
