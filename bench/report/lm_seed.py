"""Language-model features of the benchmark's texts, shipped with the repository.

The deep protocols need one Gemma forward pass per text: about 13,000 texts, over three hours on
2 cores, which alone would break the report's one-hour budget on a fresh checkout. Those features are
a deterministic function of the model and the normalised text, so the repository ships them
(`bench/lm_cache/`: the local cache's entries, keyed by sha256 of model key + normalised text; no text
and nothing of ../shared/data in it), and `python -m bench` copies into the local cache the entries it
lacks. Each run re-scores a few of the copied texts with the model and reports how far they are from
the shipped values, so a stale or tampered file shows in the report. `--no-lm-seed` skips the copy
(the deep sections then need `kodetect lm-features` first), and

    python -m bench.report.lm_seed --export

rewrites the shipped file from the local cache after the features or the model changed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[1] / "lm_cache"
# Re-scoring costs about a second per text; a handful is enough to catch a file from another model.
VERIFY_TEXTS = 8
# Same model, same text: only the order of floating-point sums may differ between machines.
VERIFY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Seeding:
    file: str
    sha256: str
    entries: int
    copied: int
    checked: int = 0
    max_difference: float = 0.0

    @property
    def verified(self) -> bool:
        return self.checked > 0 and self.max_difference <= VERIFY_TOLERANCE

    def describe(self) -> str:
        check = (f"{self.checked} of them re-scored in this run, largest difference {self.max_difference:.1e} "
                 f"({'match' if self.verified else 'MISMATCH'})" if self.checked else "none re-scored in this run")
        return (f"{self.copied} of {self.entries} entries copied from `{self.file}` (sha256 `{self.sha256[:12]}`) "
                f"into the local cache; {check}")


def seed_file() -> Path:
    from kodetect.training.lm_featurize import cache_path

    return SEED_DIR / f"{cache_path().name}.gz"


def _read_seed(path: Path) -> dict[str, dict[str, float]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {entry["k"]: entry["f"] for entry in map(json.loads, handle)}


def seed_local_cache(texts: Sequence[str], verify: int = VERIFY_TEXTS) -> Seeding | None:
    """Copy the shipped entries the local cache lacks; re-score `verify` of `texts` found in the file.

    None when no file ships for the current model and feature version.
    """
    from kodetect.training.lm_featurize import cache_path, read_cache, text_key

    path = seed_file()
    if not path.exists():
        return None
    shipped = _read_seed(path)
    local_path = cache_path()
    local = read_cache(local_path)
    missing = {k: v for k, v in shipped.items() if k not in local}
    if missing:
        local_path.parent.mkdir(parents=True, exist_ok=True)
        with open(local_path, "a", encoding="utf-8") as out:
            for key in sorted(missing):
                out.write(json.dumps({"k": key, "f": missing[key]}) + "\n")
    model_key = local_path.stem.removeprefix("lm-features-")
    candidates = sorted({t for t in texts if text_key(model_key, t) in shipped})
    sample = random.Random(0).sample(candidates, min(verify, len(candidates)))
    difference = max((_difference(shipped[text_key(model_key, t)], fresh)
                      for t, fresh in zip(sample, _rescore(sample), strict=True)), default=0.0)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Seeding(str(path.relative_to(SEED_DIR.parent.parent)), digest, len(shipped), len(missing),
                   len(sample), difference)


def _rescore(texts: list[str]) -> list[dict[str, float]]:
    if not texts:
        return []
    from kodetect.training.lm_featurize import compute_features

    return list(compute_features(texts))


def _difference(shipped: dict[str, float], fresh: dict[str, float]) -> float:
    """Largest relative difference over the shipped features (a missing feature counts as infinite)."""
    from kodetect.features.language_model import LM_FEATURES

    worst = 0.0
    for name in LM_FEATURES:
        if name not in shipped or name not in fresh:
            return float("inf")
        worst = max(worst, abs(shipped[name] - fresh[name]) / max(1.0, abs(fresh[name])))
    return worst


def export() -> Path:
    """Write the local cache's entries for the current model to the shipped file (sorted, reproducible)."""
    from kodetect.training.lm_featurize import cache_path, read_cache

    entries = read_cache(cache_path())
    path = seed_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        for key in sorted(entries):
            handle.write((json.dumps({"k": key, "f": entries[key]}) + "\n").encode())
    for stale in SEED_DIR.glob("*.gz"):
        if stale != path:
            stale.unlink()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report.lm_seed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", action="store_true", help="write the local LM cache to bench/lm_cache/")
    args = parser.parse_args(argv)
    if not args.export:
        parser.print_help()
        return 2
    path = export()
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
