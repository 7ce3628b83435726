"""Keeping finished sections on disk, so that a long report survives an interruption.

`python -m bench --keep DIR` saves every section that finished without error to DIR/<key>.pkl, with the
fingerprint of what it measured: the run's settings, the data files' sha256, the sha256 of the shipped
artifacts it reads (all of them, but for the sections in SECTION_ARTIFACTS) and of the code that measured it
(the kodetect package and the section's own module). A later run with the same
--keep folder reuses a saved section whose fingerprint still matches, instead of measuring it again; delete
a file to re-measure that section. A reused section keeps the command and date of the run that measured
it, and its stamp in the report says so.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kodetect.model.shipped import PACKAGED_MODELS

if TYPE_CHECKING:
    from bench.report.context import Context
    from bench.report.markdown import Section

FORMAT = 1
# Where the shipped artifacts lie: the detector models, the attribution model and deep mode's support list.
ARTIFACTS_DIR = PACKAGED_MODELS["fast"].parent
# Sections that read only some of the artifacts (by file name without extension): retraining deep mode does
# not make the attribution section's numbers stale. Every other section depends on every artifact.
SECTION_ARTIFACTS = {
    "attribution": ("attribution",),  # the attribution model only; no detector is loaded
    "abstention": ("fast",),  # the fast detector's language and length checks
    # The retraining sections fit their own models from the code; they read only the language model's token
    # support (deep mode's features), so a retrained detector does not make them stale, while a recipe change
    # does (the code is part of every fingerprint).
    "loso": ("gemma3-270m-support",),
    "families": ("gemma3-270m-support",),
    "cross-genre": ("gemma3-270m-support",),
    "katfish": ("gemma3-270m-support",),
}
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class Kept:
    fingerprint: str
    command: str
    date: str
    section: Section
    model_versions: dict[str, str]


def fingerprint(ctx: Context, section: str | None = None) -> str:
    """What a section's numbers depend on: settings, data, the shipped models it reads and the code."""
    digest = hashlib.sha256(f"{FORMAT}|{ctx.settings!r}".encode())
    for path in _code_files(section):
        digest.update(f"|{path.relative_to(REPOSITORY)}=".encode() + hashlib.sha256(path.read_bytes()).digest())
    for name, value in sorted(ctx.data_hashes.items()):
        digest.update(f"|{name}={value}".encode())
    stems = SECTION_ARTIFACTS.get(section or "")
    for path in sorted(ARTIFACTS_DIR.glob("*")):
        if path.suffix in {".npz", ".json", ".npy"} and (stems is None or path.stem in stems):
            digest.update(f"|{path.name}=".encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _code_files(section: str | None) -> list[Path]:
    """The kodetect package's modules and the section's own module (bench/report/<module>.py)."""
    from bench.report.runner import SECTIONS

    files = sorted((REPOSITORY / "kodetect").rglob("*.py"))
    if section in SECTIONS:
        files.append(REPOSITORY / "bench" / "report" / f"{SECTIONS[section].split(':')[0]}.py")
    return files


def load(folder: Path, key: str, current: str) -> Kept | None:
    """The section saved under `key`, if it was measured under the current fingerprint."""
    path = folder / f"{key}.pkl"
    if not path.exists():
        return None
    try:
        with open(path, "rb") as handle:
            kept = pickle.load(handle)
    except Exception as exc:  # noqa: BLE001 - an unreadable file is measured again, not fatal
        print(f"[bench] {path} could not be read ({type(exc).__name__}); measuring {key} again", file=sys.stderr)
        return None
    if not isinstance(kept, Kept) or kept.fingerprint != current:
        print(f"[bench] {path} was measured with other settings, data or models; measuring {key} again",
              file=sys.stderr)
        return None
    return kept


def save(folder: Path, key: str, kept: Kept) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.pkl"
    partial = path.with_suffix(".tmp")
    with open(partial, "wb") as handle:
        pickle.dump(kept, handle)
    partial.replace(path)
