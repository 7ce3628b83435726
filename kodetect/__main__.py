"""`python -m kodetect` runs the command line."""

import sys

from kodetect.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
