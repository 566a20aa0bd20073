"""`python -m nianbao …` is the `nianbao` command."""

import sys

from nianbao.cli import main

if __name__ == "__main__":  # not when a spawned parse worker imports this module
    sys.exit(main())
