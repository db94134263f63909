"""``python -m handsynth``: the same command line as the ``handsynth`` console script."""

import sys

from handsynth.cli import main

if __name__ == "__main__":
    sys.exit(main())
