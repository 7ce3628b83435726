"""Deep mode: language-model statistics as one more feature family (work in progress)."""
