"""Where profiles live: one JSON file each in the user data folder, `<data dir>/kodetect/profiles/NAME.json`
(platformdirs; `$KODETECT_PROFILE_DIR` overrides it), or any path the user names."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from kodetect.profiles.profile import Profile, ProfileError, check_name

PROFILE_DIR_ENV = "KODETECT_PROFILE_DIR"
SUFFIX = ".json"

ProfileRef = str | os.PathLike | Profile


def profile_dir() -> Path:
    override = os.environ.get(PROFILE_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("kodetect")) / "profiles"


def is_path(ref: str | os.PathLike) -> bool:
    """A reference names a file (has a folder or ends in .json) rather than a profile in profile_dir()."""
    text = os.fspath(ref)
    return not isinstance(ref, str) or text.endswith(SUFFIX) or os.sep in text or "/" in text


def profile_path(name: str) -> Path:
    return profile_dir() / f"{check_name(name)}{SUFFIX}"


def resolve(ref: str | os.PathLike) -> Path:
    return Path(ref).expanduser() if is_path(ref) else profile_path(str(ref))


def load_profile(ref: ProfileRef) -> Profile:
    """A profile by name (in profile_dir()), by path, or as given."""
    if isinstance(ref, Profile):
        return ref
    if not is_path(ref):
        return load_named(str(ref))
    path = resolve(ref)
    if not path.is_file():
        raise ProfileError(f"{path}: no such profile file")
    return _read(path)


def load_named(name: str) -> Profile:
    """A profile of profile_dir() by its name, never a path (what a server accepts from a client)."""
    path = profile_path(name)
    if not path.is_file():
        raise ProfileError(f"no profile named {name!r} in {profile_dir()}; `kodetect profile list` shows the "
                           "profiles, `kodetect profile create` makes one")
    return _read(path)


def _read(path: Path) -> Profile:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileError(f"{path}: unreadable profile ({exc})") from exc
    return Profile.from_dict(data, where=str(path))


def save_profile(profile: Profile, path: Path | None = None, replace: bool = False) -> Path:
    """Write the profile atomically (a half-written profile would be refused, or worse, misread)."""
    path = Path(path) if path is not None else profile_path(profile.name)
    if path.exists() and not replace:
        raise ProfileError(f"{path} exists; pass --replace to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(profile.to_dict(), ensure_ascii=False, indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Listed:
    """One file of the profile folder: its profile, or why it cannot be read."""

    path: Path
    profile: Profile | None
    problem: str | None = None


def list_profiles() -> list[Listed]:
    folder = profile_dir()
    if not folder.is_dir():
        return []
    listed = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            listed.append(Listed(path, load_profile(path)))
        except ProfileError as exc:
            listed.append(Listed(path, None, str(exc)))
    return listed


def delete_profile(ref: str | os.PathLike) -> Path:
    path = resolve(ref)
    if not path.is_file():
        raise ProfileError(f"no profile {os.fspath(ref)!r} to delete ({path} does not exist)")
    path.unlink()
    return path
