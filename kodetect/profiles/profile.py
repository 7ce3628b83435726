"""A profile: thresholds fitted to one deployment's own writing, as a small JSON file.

A profile belongs to one model version in one mode: probabilities of another model mean something
else, so a profile is refused (never silently applied) by any other model, with the command that
re-creates it. It holds numbers and ids only, never text, so it can be copied to a server.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from kodetect.calibration.thresholds import ThresholdMode
from kodetect.detection import ModelInfo, ProfileInfo
from kodetect.errors import InputError
from kodetect.profiles.bounds import percent_at_most, promise
from kodetect.profiles.fit import AiCheck, HumanFit, ThresholdFit

PROFILE_FORMAT = 1
# Names become file names: letters (Hangul too), digits, '.', '_', '-', not starting with '.'.
_NAME = re.compile(r"(?!\.)[\w.-]{1,64}")
THRESHOLD_MODE_PREFIX = "profile:"


class ProfileError(InputError):
    """A profile that cannot be used: unknown, unreadable, or made for another model or mode."""


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ProfileError(f"invalid profile name {name!r}: use 1-64 letters, digits, '.', '_' or '-' "
                           "(not starting with '.')")
    return name


@dataclass(frozen=True)
class HighScore:
    """One of the owner's human texts that scored highest: the ones to read first."""

    id: Any
    probability: float


@dataclass(frozen=True)
class Profile:
    name: str
    description: str | None
    created_at: str
    model: ModelInfo
    mode: str
    fit: ThresholdFit
    skipped: dict[str, int]  # human and AI texts not used, by reason (abstained, unreadable, ...)
    highest_human: list[HighScore]
    source: dict[str, Any]  # where the texts came from (paths, or the feedback database)
    recreate: str  # the command that makes this profile again, for the model that refuses it
    kodetect_version: str = ""

    @property
    def thresholds(self) -> ThresholdMode:
        return self.fit.thresholds

    @property
    def threshold_mode(self) -> str:
        """What a Detection's `threshold_mode` says when this profile decided its verdict."""
        return f"{THRESHOLD_MODE_PREFIX}{self.name}"

    @property
    def info(self) -> ProfileInfo:
        return ProfileInfo(name=self.name, description=self.description, human_texts=self.fit.human.texts,
                           target_fpr=self.fit.target_fpr, fpr_bound=round(self.fit.fpr_bound, 6))

    def promise(self) -> str:
        """The FPR promise in words, with what it was fitted on."""
        # At most `allowed_false_positives` are called AI (fewer when scores tie), so the bound holds.
        text = promise(self.fit.human.called_ai, self.fit.human.texts, self.fit.fpr_bound)
        target = percent_at_most(self.fit.target_fpr)
        met = "meets" if self.fit.meets_target else "does NOT meet"
        return f"{text} of such human texts called AI (95% confidence); {met} the target of {target}"

    def check_mode(self, mode: str) -> None:
        if self.mode != mode:
            raise ProfileError(f"profile {self.name!r} was fitted in {self.mode} mode, not {mode}; use mode "
                               f"{self.mode}, or re-create it for {mode}: {self._recreate(mode)}")

    def check_model(self, model: ModelInfo, mode: str) -> None:
        """Refuse to be applied to another model or mode, saying how to make a profile that fits."""
        self.check_mode(mode)
        if (self.model.name, self.model.version) != (model.name, model.version):
            raise ProfileError(
                f"profile {self.name!r} was fitted for model {self.model.name} {self.model.version}, but this is "
                f"{model.name} {model.version}: its thresholds do not apply to the new model's probabilities. "
                f"Re-create it: {self._recreate(mode)}")

    def _recreate(self, mode: str) -> str:
        command = self.recreate or f"kodetect profile create {self.name} --human FILE --replace"
        return re.sub(r"--mode \S+", f"--mode {mode}", command)

    def to_dict(self) -> dict[str, Any]:
        fit = self.fit
        return {
            "format": PROFILE_FORMAT,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "kodetect_version": self.kodetect_version,
            "model": asdict(self.model),
            "mode": self.mode,
            "target_fpr": fit.target_fpr,
            "confidence": fit.confidence,
            "thresholds": fit.thresholds.to_dict(),
            "fpr_bound": fit.fpr_bound,
            "meets_target": fit.meets_target,
            "promise": self.promise(),
            "human": asdict(fit.human),
            "ai": None if fit.ai is None else asdict(fit.ai),
            "skipped": dict(self.skipped),
            "highest_human": [asdict(h) for h in self.highest_human],
            "source": self.source,
            "recreate": self.recreate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "profile") -> Profile:
        if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ProfileError(f"{where}: not a kodetect profile of format {PROFILE_FORMAT} (found {found!r})")
        try:
            ai = data["ai"]
            fit = ThresholdFit(
                thresholds=ThresholdMode(**data["thresholds"]), target_fpr=float(data["target_fpr"]),
                confidence=float(data["confidence"]), fpr_bound=float(data["fpr_bound"]),
                human=HumanFit(**data["human"]),
                ai=None if ai is None else AiCheck(**{**ai, "recall_interval": tuple(ai["recall_interval"])}),
            )
            return cls(name=check_name(data["name"]), description=data.get("description"),
                       created_at=str(data["created_at"]), model=ModelInfo(**data["model"]), mode=str(data["mode"]),
                       fit=fit, skipped={str(k): int(v) for k, v in data.get("skipped", {}).items()},
                       highest_human=[HighScore(**h) for h in data.get("highest_human", [])],
                       source=dict(data.get("source", {})), recreate=str(data.get("recreate", "")),
                       kodetect_version=str(data.get("kodetect_version", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(f"{where}: incomplete or inconsistent profile ({exc!r})") from exc
