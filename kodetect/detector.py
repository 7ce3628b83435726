"""The one entry point: `Detector().detect(text)`. (Skeleton; implementation in progress.)"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import overload

from kodetect.detection import Detection, ModelInfo

MODES = ("fast",)
THRESHOLD_MODES = ("balanced", "low-fpr")


class Detector:
    def __init__(
        self,
        mode: str = "fast",
        threshold_mode: str = "balanced",
        model_path: str | Path | None = None,
        max_chars: int = 200_000,
    ) -> None:
        raise NotImplementedError

    @property
    def model_info(self) -> ModelInfo:
        raise NotImplementedError

    @property
    def model_card(self) -> dict:
        raise NotImplementedError

    @overload
    def detect(self, text: str) -> Detection: ...
    @overload
    def detect(self, text: Iterable[str]) -> Iterator[Detection]: ...
    def detect(self, text):
        raise NotImplementedError
