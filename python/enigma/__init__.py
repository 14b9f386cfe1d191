"""Enigma: a Python kernel DSL for Apple GPUs built on an MLIR dialect.

See README.md and docs/ for the user guide.
"""

from __future__ import annotations

from .errors import EnigmaError

__all__ = ["EnigmaError"]

# Each component registers its public names below (one import line per module).
from .layout import *  # noqa: F401,F403,E402
from .layout import __all__ as _layout_all  # noqa: E402

__all__ += _layout_all
from . import runtime  # noqa: F401,E402
