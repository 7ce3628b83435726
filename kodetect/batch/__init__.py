"""Batch scoring at scale: what `kodetect batch` runs after its input has been opened.

- `scoring`: one record (or one column batch of records) to output rows; the only place rows are made.
- `local`: the process pool (one model per worker) that scores a record stream in input order.
- `sinks`: where rows go (JSONL, or Parquet via `parquet`), and which ids a previous run finished.
- `parquet`: Parquet input streamed by row batches, Parquet output written in checkpointed parts.
- `ray_engine`: the same job on Ray Data (read → actor pool holding the model → rows to this process).
- `optional`: the one-line error for a missing optional package.
"""
