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

# The DSL: dtypes, tracer built-ins, control flow, tensors, kernels and compile (issue 7).
# tensor's zipped_divide & co. accept Tensors and Layouts, so they are imported after layout's.
from .dtypes import *  # noqa: F401,F403,E402
from .dtypes import __all__ as _dtypes_all  # noqa: E402
from .builtins import *  # noqa: F401,F403,E402
from .builtins import __all__ as _builtins_all  # noqa: E402
from .control import *  # noqa: F401,F403,E402
from .control import __all__ as _control_all  # noqa: E402
from .tensor import *  # noqa: F401,F403,E402
from .tensor import __all__ as _tensor_all  # noqa: E402
from .driver import *  # noqa: F401,F403,E402
from .driver import __all__ as _driver_all  # noqa: E402

__all__ += [n for n in _dtypes_all + _builtins_all + _control_all + _tensor_all + _driver_all
            if n not in __all__]
