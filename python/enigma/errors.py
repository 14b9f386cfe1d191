"""Error types of the Enigma Python package."""

from __future__ import annotations


class EnigmaError(Exception):
    """Raised for every error Enigma reports: invalid layouts, failed compiles, bad launches.

    The message is the full human-readable diagnostic, including (where the error comes from a
    traced kernel) the user's file, line and source text.
    """

    #: Which failure this is, when the raiser says: the CPU runtime sets ``invalid_argument``,
    #: ``unsupported``, ``compile``, ``system``, ``out_of_bounds``, ``divergent_barrier``,
    #: ``kernel_fault``, ``timeout``, and for race-checked launches ``data_race`` or
    #: ``uninitialized_read``; None when not classified.
    kind: str | None

    def __init__(self, *args: object, kind: str | None = None) -> None:
        super().__init__(*args)
        self.kind = kind


class EnigmaTypeError(EnigmaError, TypeError):
    """A kernel used a value of the wrong kind (an invalid dimension name, components of
    different dtypes in a vector, ...). Both ``except enigma.EnigmaError`` (as the reference
    documents) and ``except TypeError`` catch it."""


class EnigmaRuntimeError(EnigmaError, RuntimeError):
    """Metal's toolchain or device failed (``xcrun metal``/``metallib`` errors, no Metal
    device, a command buffer error). The reference documents RuntimeError for these; it is
    also an EnigmaError."""
