"""Enigma: a Python kernel DSL for Apple GPUs built on an MLIR dialect.

See README.md and docs/ for the user guide.
"""

from __future__ import annotations

from .errors import EnigmaError

__all__ = ["EnigmaError"]

# Each component registers its public names below (one import line per module).
