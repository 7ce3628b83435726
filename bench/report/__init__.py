"""The benchmark report behind `python -m bench`: one module per section, assembled into BENCHMARKS.md.

Sections: katfish, loso, families, cross-genre, length, calibration, speed. Each `run(ctx)` returns
a `markdown.Section` (tables, figures, the facts the README summary quotes); `bench/__main__.py`
runs the selected ones and writes the report.
"""
