"""``python -m enigma``: the command line (``enigma --help``)."""

import sys

from .cli import main

sys.exit(main())
