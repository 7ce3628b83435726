"""`python -m bench`: the benchmark report (bench/report/main.py has the command and its options)."""

import sys

from bench.report.main import main

if __name__ == "__main__":
    sys.exit(main())
