"""Batch scoring at scale: all of `kodetect batch` after its arguments are parsed.

- `run`: the job (`BatchJob` → `run_batch`): input, output plan, engine, rows streamed to the sink.
- `readers`: JSONL, CSV, Parquet (via `parquet`) and folders of documents, one record at a time.
- `records`: what a reader yields, and how an input splits into parts for parallel readers.
- `rows`: one record (or one column batch of records) to output rows; the only place rows are made.
- `local`: the process pool (one model per worker) that scores a record stream in input order.
- `ray_engine`: the same job on Ray Data (read → actor pool holding the model → rows to this process).
- `sinks`: where rows go (JSONL, or Parquet via `parquet`), and which ids a previous run finished.
- `parquet`: Parquet input streamed by row batches, Parquet output written in checkpointed parts.
- `optional`: the one-line error for a missing optional package.
"""
