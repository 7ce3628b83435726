"""What the shipped models are built with: their modes and names, where they are packaged, the limits
below which they abstain, and the language model deep mode reads.

Training writes these into each artifact (the detector reads the artifact's own copy); they live here,
below training and detection alike, so neither has to import the other to name them.
"""

from __future__ import annotations

from pathlib import Path

MODES = ("fast", "deep")
MODEL_NAMES = {"fast": "kodetect-fast", "deep": "kodetect-deep"}
PACKAGED_MODELS = {mode: Path(__file__).parent.parent / "artifacts" / mode for mode in MODES}

# Below this many Hangul characters the verdict is `insufficient` (see the length curve in the card).
MIN_HANGUL = 50
# Texts whose letters are less than half Hangul get `unsupported-language`.
MIN_KOREAN_SHARE = 0.5

# The default LM's identity: the GGUF file (its sha256 is checked when the package assembles it).
DEFAULT_LM_NAME = "gemma-3-270m-q4_k_m.gguf"
