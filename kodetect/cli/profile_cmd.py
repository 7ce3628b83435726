"""`kodetect profile`: thresholds fitted to your own writing. create, list, show, delete.

`create` reads the texts with the readers of `kodetect batch` (or the server's feedback), scores them
with the detector as it ships, fits (kodetect/profiles/fit.py) and writes the profile; the rest read
the profile folder.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.cli.arguments import rate
from kodetect.detector import MODES, Detector, model_identity
from kodetect.errors import InputError, KodetectError
from kodetect.profiles import Profile, ProfileError, list_profiles, load_profile, profile_dir
from kodetect.profiles.bounds import percent_at_most, texts_needed
from kodetect.profiles.build import Item, Request, ScoredSet, make_profile, score_items
from kodetect.profiles.profile import check_name
from kodetect.profiles.store import delete_profile, resolve, save_profile

DEFAULT_TARGET_FPR = 0.01


def add_profile_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="fit a profile on texts known to be human (and optionally AI)",
        description="Score texts known to be human (written before chat models, say) and fit thresholds so that "
        "the 95% upper confidence bound of the false-positive rate on them is at most --target-fpr.")
    create.add_argument("name", help="profile name (letters, digits, '.', '_', '-'); --profile NAME uses it")
    create.add_argument("--human", action="append", default=[], metavar="FILE",
                        help="known-human texts: .jsonl, .csv, .parquet, or a folder of documents (repeatable)")
    create.add_argument("--ai", action="append", default=[], metavar="FILE",
                        help="known-AI texts of the same genre (optional, repeatable): the recall at the thresholds")
    create.add_argument("--from-feedback", action="store_true",
                        help="also use the texts people marked as human or AI in the server's feedback")
    create.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help="feedback database for --from-feedback (default: the server's)")
    create.add_argument("--target-fpr", type=rate, default=DEFAULT_TARGET_FPR, metavar="RATE",
                        help=f"false-positive rate to promise, e.g. 0.01 for 1%% (default {DEFAULT_TARGET_FPR})")
    create.add_argument("--description", default=None, metavar="TEXT",
                        help="what the human texts are, shown with every verdict (e.g. '2022년 이전 자기소개서')")
    create.add_argument("--mode", choices=MODES, default=MODES[0], help=f"scoring mode (default {MODES[0]})")
    create.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model artifact without extension (default: the packaged model of --mode)")
    create.add_argument("--text-field", default="text", help="field/column holding the text (default: text)")
    create.add_argument("--id-field", default="id", help="field/column holding the id (default: id)")
    create.add_argument("--out", type=Path, default=None, metavar="FILE.json",
                        help=f"write the profile here instead of {profile_dir()}/NAME.json")
    create.add_argument("--replace", action="store_true", help="overwrite an existing profile of that name")
    create.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    actions.add_parser("list", help=f"the profiles in {profile_dir()}, and whether they fit the installed models")
    show = actions.add_parser("show", help="a profile's thresholds, promise and highest-scoring human texts")
    show.add_argument("name", metavar="NAME|FILE.json")
    show.add_argument("--json", action="store_true", help="print the profile file")
    delete = actions.add_parser("delete", help="delete a profile")
    delete.add_argument("name", metavar="NAME|FILE.json")


def run_profile(args: argparse.Namespace) -> int:
    if args.action == "create":
        return _create(args)
    if args.action == "list":
        return _list()
    if args.action == "show":
        return _show(args.name, args.json)
    print(f"deleted {delete_profile(args.name)}")
    return 0


# --- create ---------------------------------------------------------------------------------------------


def _create(args: argparse.Namespace) -> int:
    from kodetect.batch.readers import open_records

    check_name(args.name)  # the name is checked before hours of scoring, not after
    if not args.human and not args.from_feedback:
        raise InputError("give the known-human texts: --human FILE, and/or --from-feedback")
    target = args.out if args.out is not None else resolve(args.name)
    if target.exists() and not args.replace:
        raise ProfileError(f"{target} exists; pass --replace to overwrite it")
    # Every input is opened (and checked) before the model loads, so a typo costs nothing.
    human_sources = [open_records(path, args.text_field, args.id_field) for path in args.human]
    ai_sources = [open_records(path, args.text_field, args.id_field) for path in args.ai]
    feedback_rows = _feedback_rows(args.db) if args.from_feedback else None
    detector = Detector(mode=args.mode, model_path=args.model)
    human, ai = ScoredSet(), ScoredSet()
    with _bar(sum(s.total or 0 for s in human_sources + ai_sources) or None, args.progress) as bar:
        for source in human_sources:
            human.extend(score_items(detector, _items(source.records), bar.update))
        for source in ai_sources:
            ai.extend(score_items(detector, _items(source.records), bar.update))
    source_info: dict = {"human": [str(Path(p).resolve()) for p in args.human],
                         "ai": [str(Path(p).resolve()) for p in args.ai]}
    if feedback_rows is not None:
        source_info["feedback"] = _add_feedback(detector, feedback_rows, human, ai)
    request = Request(args.name, args.target_fpr, args.description, source_info, recreate=_recreate(args))
    model_cuts = ThresholdMode(**detector.thresholds["low-fpr"])
    profile = make_profile(request, detector.model_info, detector.mode, human,
                           ai if ai.probabilities or ai.skipped else None, model_cuts)
    path = save_profile(profile, target, replace=args.replace)
    print(f"wrote profile {profile.name} to {path}")
    print(describe(profile, human, model_cuts.ai))
    return 0


def _items(records) -> Iterator[Item]:
    return (Item(r.id, r.text, r.error) for r in records)


def _feedback_rows(db: Path | None) -> list[dict]:
    from kodetect.serve.store import default_db_path, export_feedback

    try:
        return list(export_feedback(db if db is not None else default_db_path()))
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from exc


def _add_feedback(detector: Detector, rows: list[dict], human: ScoredSet, ai: ScoredSet) -> dict:
    """Score the usable feedback into the two sides; what the profile's `source` says about it."""
    from kodetect.profiles.feedback import feedback_items

    found = feedback_items(rows, detector.model_info.version)
    for side, items, scored in (("human", found.human, human), ("ai", found.ai, ai)):
        from_feedback = score_items(detector, items)
        from_feedback.skipped.update({f"feedback_{why}": n for why, n in found.skipped[side].items()})
        scored.extend(from_feedback)
    return {"rows": found.rows, "repeated": found.repeated, "human": len(found.human), "ai": len(found.ai)}


def _recreate(args: argparse.Namespace) -> str:
    """The command that fits this profile again (for a new model), with absolute paths."""
    parts = ["kodetect", "profile", "create", args.name]
    for flag, paths in (("--human", args.human), ("--ai", args.ai)):
        for path in paths:
            parts += [flag, str(Path(path).resolve())]
    if args.from_feedback:
        parts += ["--from-feedback"] + (["--db", str(args.db.resolve())] if args.db else [])
    parts += ["--target-fpr", f"{args.target_fpr:g}", "--mode", args.mode]
    for flag, value in (("--description", args.description), ("--model", args.model), ("--out", args.out)):
        if value is not None:
            parts += [flag, str(value)]
    if args.text_field != "text" or args.id_field != "id":
        parts += ["--text-field", args.text_field, "--id-field", args.id_field]
    return shlex.join([*parts, "--replace"])


def _bar(total: int | None, progress: bool | None):
    from tqdm import tqdm

    return tqdm(total=total, unit="text", desc="scoring", file=sys.stderr, dynamic_ncols=True,
                disable=None if progress is None else not progress)


# --- reading it back ------------------------------------------------------------------------------------


def describe(profile: Profile, human: ScoredSet | None = None, model_cut: float | None = None) -> str:
    """The profile in words: thresholds, the promise, AI recall, and the human texts to read first."""
    fit, cut = profile.fit, profile.thresholds
    lines = [f"model {profile.model.name} {profile.model.version}, {profile.mode} mode; created {profile.created_at}"]
    if profile.description:
        lines.append(f"texts: {profile.description}")
    lines.append(f"human texts: {fit.human.texts:,} scored{_skipped(profile, 'human')}")
    lines.append(f"thresholds: AI at or above {cut.ai:.4f}, human below {cut.human:.4f}, uncertain in between "
                 f"({fit.human.uncertain:,} of the human texts)")
    lines.append(f"promise: {profile.promise()}")
    if fit.human.raised:
        lines.append(f"  the AI cut was raised above the fitted one ({fit.human.raised})")
    if not fit.meets_target:
        needed = ", ".join(f"{texts_needed(fit.target_fpr, k):,} with {k} called AI" for k in range(3))
        lines.append(f"  to promise {percent_at_most(fit.target_fpr)}: at least {needed}")
    if human is not None and model_cut is not None:
        default = sum(p >= model_cut for p in human.probabilities)
        lines.append(f"for comparison, the model's own low-fpr cut ({model_cut:.4f}) calls {default:,} of these "
                     f"{fit.human.texts:,} human texts AI ({100 * default / fit.human.texts:.1f}%)")
    if fit.ai is not None:
        low, high = fit.ai.recall_interval
        lines.append(f"AI texts: {fit.ai.texts:,} scored{_skipped(profile, 'ai')}; {fit.ai.called_ai:,} called AI, "
                     f"recall {100 * fit.ai.recall:.1f}% [95% CI {100 * low:.1f}-{100 * high:.1f}]; "
                     f"{fit.ai.called_human:,} called human")
    lines.append("human texts that scored highest (read these first):")
    tops = human.top if human is not None else profile.highest_human
    for top in tops:
        text = getattr(top, "snippet", None)
        lines.append(f"  {top.probability:.4f}  {top.id}" + (f"  {text}" if text else ""))
    return "\n".join(lines)


def _skipped(profile: Profile, side: str) -> str:
    reasons = [(why.removeprefix(f"{side}_").replace("_", " "), n) for why, n in profile.skipped.items()
               if why.startswith(f"{side}_") and n]
    return " (skipped: " + ", ".join(f"{n:,} {why}" for why, n in reasons) + ")" if reasons else ""


def _status(profile: Profile) -> str:
    try:
        installed = model_identity(profile.mode)
    except KodetectError as exc:
        return f"cannot check ({exc})"
    if (installed.name, installed.version) == (profile.model.name, profile.model.version):
        return "fits the installed model"
    return f"STALE: the installed {profile.mode} model is {installed.version}; re-create it: {profile.recreate}"


def _list() -> int:
    listed = list_profiles()
    if not listed:
        print(f"no profiles in {profile_dir()}; make one with `kodetect profile create NAME --human FILE`")
        return 0
    for entry in listed:
        if entry.profile is None:
            print(f"{entry.path.stem}: unreadable ({entry.problem})")
            continue
        p = entry.profile
        print(f"{p.name}: {p.description or '-'}; {p.fit.human.texts:,} human texts, at most "
              f"{percent_at_most(p.fit.fpr_bound)} called AI (target {percent_at_most(p.fit.target_fpr)}); "
              f"{p.mode} mode, model {p.model.version}; {_status(p)}")
    return 0


def _show(name: str, as_json: bool) -> int:
    profile = load_profile(name)
    if as_json:
        print(json.dumps(profile.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"profile {profile.name} ({resolve(name)})")
    print(describe(profile))
    print(f"status: {_status(profile)}")
    return 0
