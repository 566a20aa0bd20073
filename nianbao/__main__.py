"""`python -m nianbao …` is the `nianbao` command."""

import sys

from nianbao.flows.cli import main

sys.exit(main())
