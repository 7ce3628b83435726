"""One-off measurements behind a decision, kept so it can be rerun: each script's docstring says what it
measured, what was decided, and where its result is (bench/results/ unless it says otherwise).

None of them is part of the benchmark report (bench/report/, `python -m bench`). Run them from the
repository root as `python bench/experiments/<name>.py`; `binoculars_pair.py` and `dev_choice.py` are the
modules some of them share.
"""
