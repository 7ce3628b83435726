"""The benchmark report behind `python -m bench`: one module per section, assembled into BENCHMARKS.md.

Sections: katfish, loso, families, cross-genre, length, calibration, abstention, attacks, speed, batch.
Each `run(ctx)` returns a `markdown.Section` (tables, figures, the facts the README summary quotes);
`main.py` (the command `python -m bench` runs) runs the selected ones through `runner.py` and writes
the report. `source_holdout.py` reads a recipe's out-of-source scores (one fit per source without it)
into the leave-one-source-out tables and caches the TF-IDF baseline's, which the calibration section
reuses.

Three commands here feed the report without being sections: `batch_throughput.py` and
`batch_resume.py` take the better part of an hour, so they write bench/results/batch_*.md, which the
batch section includes verbatim; `katfish_unseen.py` writes the texts the attacks section names, for
`kodetect eval`. One-off measurements that are not part of the report live in bench/experiments/.
"""
