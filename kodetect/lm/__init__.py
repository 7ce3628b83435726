"""The language-model runtime behind deep mode: `backend` (a causal LM that returns per-token statistics
offline), `statistics` (those statistics and the zero-shot scores built from them), `support` (the token
support the next-token distribution is restricted to), `mapped` (the embedding table read from disk) and
`memory` (the allocator policy for long texts)."""
