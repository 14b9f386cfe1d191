"""The module path some of the reference DSL's programs import from
(``from enigma._tracing import Tensor``): its names, re-exported. New code should use the
``enigma.*`` names."""

from __future__ import annotations

from ._tracer import Value as IRValue
from .selection import where as select
from .tensor import Tensor

__all__ = ["IRValue", "Tensor", "select"]
