"""How each family is called on screen (kept free of heavy imports: the CLI's readable view uses it)."""

from __future__ import annotations

OTHER = "other"
UNKNOWN = "unknown"

# (English, Korean) short names for the readable view; the web page has the same list in app.js.
NAMES: dict[str, tuple[str, str]] = {
    "gpt": ("GPT", "GPT"),
    "claude": ("Claude", "Claude"),
    "google": ("Gemini/Gemma", "Gemini/Gemma"),
    "qwen": ("Qwen", "Qwen"),
    "llama": ("Llama", "Llama"),
    "mistral": ("Mistral", "Mistral"),
    "solar": ("Solar", "Solar"),
    "exaone": ("EXAONE", "EXAONE"),
    "hyperclova": ("HyperCLOVA X", "HyperCLOVA X"),
    "korean": ("Korean fine-tune", "한국어 파인튜닝 모델"),
    OTHER: ("other", "기타"),
    UNKNOWN: ("unknown", "알 수 없음"),
}


def display_name(family: str, korean: bool = False) -> str:
    english, hangul = NAMES.get(family, (family, family))
    return hangul if korean else english
