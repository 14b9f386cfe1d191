"""Error types of the Enigma Python package."""

from __future__ import annotations


class EnigmaError(Exception):
    """Raised for every error Enigma reports: invalid layouts, failed compiles, bad launches.

    The message is the full human-readable diagnostic, including (where the error comes from a
    traced kernel) the user's file, line and source text.
    """
