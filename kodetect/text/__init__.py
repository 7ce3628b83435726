"""Text pipeline: decoding bytes, undoing tampering, and segmenting into sentences."""
