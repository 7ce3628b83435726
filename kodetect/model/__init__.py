"""The trained model: what a shipped model is built with (`shipped`) and the artifact itself (`artifact`)."""
