"""Structured control flow inside kernels: loops, conditionals, while loops, unrolling.

Each construct is a context manager whose body is traced once into a region of an ``scf`` op.
Values flow out of a construct through ``enigma.yield_`` and the construct's ``results``::

    loop = enigma.for_range(0, n, init=0.0)
    with loop as (i, acc):
        enigma.yield_(acc + A[i])
    total = loop.result

    branch = enigma.if_(x > 0)
    with branch as (then_, else_):
        with then_:
            enigma.yield_(x)
        with else_:
            enigma.yield_(-x)
    absx = branch.result
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import dtypes as _dt
from ._tracer import (
    INDEX,
    LazyValue,
    Region,
    Value,
    _np_scalar_to_literal,
    as_value,
    convert,
    current,
    default_literal_dtype,
    frame_loc,
    located,
    is_literal,
    literal_fits,
    to_index,
    trace_type_error,
    user_frame,
)
from .dtypes import DType

__all__ = ["Carry", "for_range", "if_", "range_constexpr", "while_", "yield_"]


def _init_values(init: Any) -> list[Value]:
    """Initial loop-carried values: traced values keep their dtype, literals get defaults."""
    if init is None:
        return []
    items = list(init) if isinstance(init, (list, tuple)) else [init]
    out = []
    for x in items:
        x = _np_scalar_to_literal(x)
        if isinstance(x, Value):
            out.append(x)
        elif is_literal(x):
            out.append(as_value(x, default_literal_dtype(x)))
        else:
            raise trace_type_error(
                f"loop-carried values must be traced values or literals, got {type(x).__name__}"
            )
    return out


def _coerce_yield(
    values: Sequence[Any], dtypes: Sequence[DType], what: str, label: str | None = None
) -> list[Value]:
    if len(values) != len(dtypes):
        raise trace_type_error(f"{what} yields {len(values)} value(s) but carries {len(dtypes)}")
    out = []
    for i, (v, dt) in enumerate(zip(values, dtypes)):
        item = label or f"yielded value #{i}"
        v = _np_scalar_to_literal(v)
        if isinstance(v, Value):
            if v.dtype is not dt:
                if v.dtype.mlir == dt.mlir and v.dtype.is_int and dt.is_int:
                    v = convert(v, dt)
                else:
                    raise trace_type_error(
                        f"{what}: {item} is {v.dtype.name} but the carried value "
                        f"is {dt.name}; convert it with enigma.metal_cast(x, enigma.{dt.name})"
                    )
            out.append(v)
        elif is_literal(v):
            if not literal_fits(v, dt):
                raise trace_type_error(f"{what}: the literal {v!r} does not fit {dt.name}")
            out.append(as_value(v, dt))
        else:
            raise trace_type_error(f"{what}: cannot yield a Python {type(v).__name__}")
    return out


class _Construct:
    """Base of the constructs `yield_` can target."""

    what = "construct"

    def _yield(self, values: Sequence[Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def results(self) -> tuple[Value, ...]:
        """The values flowing out of the construct (after its `with` block)."""
        res = getattr(self, "_results", None)
        if res is None:
            raise trace_type_error(
                f"the results of {self.what} are only available after its `with` block"
            )
        return tuple(res)

    @property
    def result(self) -> Value:
        """The single value flowing out of the construct."""
        res = self.results
        if len(res) != 1:
            raise trace_type_error(f"{self.what} has {len(res)} results; use .results")
        return res[0]


def yield_(*values: Any) -> None:
    """Ends the innermost open ``for_range`` / ``if_`` arm / ``while_`` body with `values`
    (the next loop-carried values, or the values flowing out of the if)."""
    t = current()
    if not t.constructs:
        raise trace_type_error(
            "enigma.yield_ is only valid inside enigma.for_range, enigma.if_ or enigma.while_"
        )
    t.constructs[-1]._yield(values)


# ---------------------------------------------------------------------------------------------
# for_range
# ---------------------------------------------------------------------------------------------


class Carry:
    """The loop-carried values of ``with enigma.for_range(lo, hi, init=[a, b]) as (i, c):``
    (the reference's form): inside the body ``c[k]`` reads the current value and
    ``c[k] = v`` sets the value the next iteration sees; after the loop ``c[k]`` is the final
    value. No ``enigma.yield_`` is needed."""

    def __init__(
        self, values: list[Value], dtypes: list[DType], region: Region | None = None
    ) -> None:
        self._values = list(values)
        self._dtypes = list(dtypes)
        self._open = True
        self._region = region  # the loop body: assignments must be at its top level

    def __len__(self) -> int:
        return len(self._values)

    def _index(self, k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, int):
            raise trace_type_error(f"a loop carry is indexed with a Python int, got {k!r}")
        n = len(self._values)
        if not -n <= k < n:
            raise trace_type_error(f"loop carry index {k} is out of range (the loop carries {n})")
        return k % n

    def __getitem__(self, k: Any) -> Value:
        return self._values[self._index(k)]

    def __setitem__(self, k: Any, value: Any) -> None:
        i = self._index(k)
        if not self._open:
            raise trace_type_error("a loop carry can only be assigned inside its loop body")
        if self._region is not None and current().region is not self._region:
            raise trace_type_error(
                f"loop carry c[{k}] is assigned inside a nested enigma.if_ / loop of its "
                "for_range body; a carry is updated at the top level of its loop body (an "
                "assignment in an if_ arm cannot be made conditional this way): compute the "
                "new value there with enigma.where(old, new, cond), or let the if_ yield it"
            )
        v = _np_scalar_to_literal(value)
        if isinstance(v, Value):
            t = current()
            dr = t.defs.get(v.id)
            if dr is not None and not t.visible(dr[0]):
                raise trace_type_error(
                    f"loop carry c[{k}] is assigned a value computed inside "
                    f"{dr[0].kind or 'a nested region'} (line {dr[1]['line']}), which is not "
                    "visible after it; let that construct yield the value"
                )
        self._values[i] = _coerce_yield(
            [value], [self._dtypes[i]], "enigma.for_range carry", f"the value assigned to c[{k}]"
        )[0]

    def __iter__(self) -> Any:
        return iter(list(self._values))

    def __repr__(self) -> str:
        return f"<enigma loop carry of {len(self._values)} value(s)>"


class for_range(_Construct):
    """``with enigma.for_range(lo, hi, step=1) as i:`` traces the body once into an ``scf.for``.

    `i` has dtype `dtype` when given (``"int"``, ``"uint"``, ...; the bounds are converted to
    it), else the bounds' dtype (promoted; i32, the reference's ``"int"``, when all are
    literals). Loop-carried values, two forms:

    - the reference's: ``init=[a, b]`` (a list) binds ``(i, c)``; ``c[k]`` reads and
      ``c[k] = v`` updates a carried value; after the loop ``c[k]`` is the final value;
    - Enigma's: ``init=a`` or a tuple binds ``(i, a, ...)``; the body ends with
      ``enigma.yield_(next values...)``; ``loop.result`` / ``loop.results`` are the finals.

    The bounds are evaluated once; a literal step must be positive.
    """

    what = "enigma.for_range"

    def __init__(
        self, lo: Any, hi: Any = None, step: Any = 1, *, dtype: Any = None, init: Any = None
    ) -> None:
        if hi is None:
            lo, hi = 0, lo
        self._bounds = (lo, hi, step)
        self._init = init
        self._dtype_arg = dtype
        self._carry: Carry | None = None
        self._results: list[Value] | None = None
        self._yielded: list[Value] | None = None

    def __enter__(self) -> Any:
        t = current()
        f = user_frame(2)
        lo, hi, step = (_np_scalar_to_literal(b) for b in self._bounds)
        if isinstance(step, (int,)) and not isinstance(step, bool) and step <= 0:
            raise trace_type_error(f"for_range needs a positive step, got {step}")
        dt: DType | None = None
        for b in (lo, hi, step):
            if isinstance(b, Value):
                if not b.dtype.is_int or b.dtype.is_bool or b.dtype.lanes:
                    raise trace_type_error(f"for_range bounds must be integers, got {b.dtype.name}")
                dt = b.dtype if dt is None else _dt.promote(dt, b.dtype)
            elif not isinstance(b, int) or isinstance(b, bool):
                raise trace_type_error(f"for_range bounds must be integers, got {b!r}")
        if self._dtype_arg is not None:
            try:
                want = _dt.dtype(self._dtype_arg)
            except TypeError as e:
                raise trace_type_error(f"for_range: {e}") from None
            if not want.is_int or want.is_bool or want.lanes:
                raise trace_type_error(f"for_range: dtype must be an integer type, got {want.name}")
            dt = want
            for b in (lo, hi, step):
                if isinstance(b, int) and not literal_fits(b, dt):
                    raise trace_type_error(f"for_range: the bound {b} does not fit {dt.name}")
        elif dt is not None:
            # literal bounds take the traced bounds' dtype, like any literal operand: a negative
            # literal next to a u32 bound would silently become a huge unsigned start
            for b in (lo, hi, step):
                if isinstance(b, int) and not literal_fits(b, dt):
                    raise trace_type_error(
                        f"for_range: the bound {b} does not fit {dt.name} (the dtype of the "
                        "traced bounds); pass dtype= (e.g. dtype=enigma.i32) or convert the "
                        "bounds with enigma.metal_cast"
                    )
        self._dtype = dt or _dt.i32
        lo_i, hi_i, step_i = (
            to_index(convert(b, self._dtype) if isinstance(b, Value) else b) for b in (lo, hi, step)
        )
        inits = _init_values(self._init)
        self._carried = [v.dtype for v in inits]
        iv = t.block_arg("index")
        args = [iv] + [t.block_arg(v.dtype.mlir) for v in inits]
        self._op = t.emit(
            "scf.for",
            [lo_i.id, hi_i.id, step_i.id, *(v.id for v in inits)],
            [v.dtype.mlir for v in inits],
            # unsigned bounds compare unsigned: for_range(0, n) with n >= 2**31 as a u32
            {"unsignedCmp": "unit"} if self._dtype.is_unsigned else None,
            frame=f,
        )
        self._watch = _watch_loop_state(t)
        self._region = t.push_region(args, "the body of enigma.for_range")
        self._op["regions"] = [self._region.to_json()]
        t.constructs.append(self)
        i = convert(Value(iv["id"], INDEX), self._dtype)
        self._index = i
        carried = [Value(a["id"], dt) for a, dt in zip(args[1:], self._carried)]
        self._frame = f
        if self._init is None:
            return i
        if isinstance(self._init, list):
            self._carry = Carry(carried, self._carried, self._region)
            return (i, self._carry)
        return (i, *carried)

    def _yield(self, values: Sequence[Any]) -> None:
        if self._yielded is not None:
            raise trace_type_error("enigma.yield_ was already called in this loop body")
        self._yielded = _coerce_yield(values, self._carried, self.what)

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        t = current()
        t.constructs.pop()
        if exc_type is not None:
            t.pop_region(self._region)
            return
        if self._yielded is None and self._carry is not None:
            self._yielded = list(self._carry._values)
        if self._yielded is None and self._carried:
            t.pop_region(self._region)
            raise trace_type_error(
                "a for_range with init= must end its body with enigma.yield_(next values...)"
            )
        ys = self._yielded or []
        _check_loop_state(self._watch, "enigma.for_range", self._frame)
        t.emit("scf.yield", [v.id for v in ys], frame=self._frame)
        self._op["regions"] = [self._region.to_json()]
        t.pop_region(self._region)
        self._results = [
            Value(r["id"], dt) for r, dt in zip(self._op.get("results", []), self._carried)
        ]
        if self._carry is not None:
            self._carry._values = list(self._results)
            self._carry._open = False


# ---------------------------------------------------------------------------------------------
# if_
# ---------------------------------------------------------------------------------------------


class _Arm(_Construct):
    def __init__(self, owner: if_, index: int) -> None:
        self.owner = owner
        self.index = index
        self.what = "the then-arm of enigma.if_" if index == 0 else "the else-arm of enigma.if_"
        self.region: Region | None = None
        self.yielded: list[Any] | None = None
        self.frame: Any = None

    def __enter__(self) -> _Arm:
        t = current()
        if self.region is not None:
            raise trace_type_error(f"{self.what} was already traced")
        if t.constructs[-1] is not self.owner:
            raise trace_type_error(
                f"{self.what} must be entered directly inside its `with enigma.if_(...)` block"
            )
        self.frame = user_frame(2)
        kind = "the then-arm" if self.index == 0 else "the else-arm"
        self.region = t.push_region(None, f"{kind} of enigma.if_")
        t.constructs.append(self)
        return self

    def _yield(self, values: Sequence[Any]) -> None:
        if self.yielded is not None:
            raise trace_type_error(f"enigma.yield_ was already called in {self.what}")
        self.yielded = list(values)

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        t = current()
        t.constructs.pop()
        assert self.region is not None
        t.pop_region(self.region)


class if_(_Construct):
    """Conditional execution: ``with enigma.if_(cond):`` runs the body when `cond` holds.

    ``with enigma.if_(cond) as (then_, else_):`` gives both arms; each is a context manager
    (``with then_: ...``). Values flow out when both arms call ``enigma.yield_(...)`` with the
    same number of values: they are promoted to common dtypes and are available as
    ``branch.result`` / ``branch.results`` after the block.
    """

    what = "enigma.if_"

    def __init__(self, cond: Any) -> None:
        self._cond = cond
        self._results: list[Value] | None = None
        self._two_arms = False

    def __enter__(self) -> Any:
        t = current()
        f = user_frame(2)
        c = _np_scalar_to_literal(self._cond)
        if isinstance(c, Value):
            if c.dtype.lanes:
                raise trace_type_error(
                    f"enigma.if_ needs a scalar condition, got a {c.dtype.name} vector; "
                    "select per lane with enigma.where, or test one lane (c.x)"
                )
            if not c.dtype.is_bool:
                c = convert(c, _dt.b1)
        elif isinstance(c, (bool, int)):
            c = as_value(bool(c), _dt.b1)
        else:
            raise trace_type_error(f"enigma.if_ needs a traced condition, got {type(c).__name__}")
        self._frame = f
        self._watch = _watch_loop_state(t)
        self._op = t.emit("scf.if", [c.id], [], frame=f)
        self._then = _Arm(self, 0)
        self._else = _Arm(self, 1)
        t.constructs.append(self)
        # Until the `as` target unpacks (then_, else_), the body is the then-arm.
        self._simple_region: Region | None = t.push_region(None, "the body of enigma.if_")
        self._then.region = self._simple_region
        self._then.frame = f
        t.constructs.append(self._then)
        return _IfArms(self)

    def _leave_simple(self) -> None:
        t = current()
        if self._simple_region is None:
            return
        if self._simple_region.ops:
            raise trace_type_error(
                "with `as (then_, else_)`, put the body in `with then_:` and `with else_:` blocks"
            )
        t.constructs.pop()
        t.pop_region(self._simple_region)
        self._simple_region = None
        self._then.region = None
        self._two_arms = True

    def _yield(self, values: Sequence[Any]) -> None:
        raise trace_type_error(
            "inside `with enigma.if_(c) as (then_, else_):` call "
            "enigma.yield_ within `with then_:` / `with else_:`"
        )

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        t = current()
        if self._simple_region is not None:
            t.constructs.pop()
            t.pop_region(self._simple_region)
        t.constructs.pop()
        if exc_type is not None:
            return
        _check_loop_state(self._watch, "enigma.if_", self._frame)
        then_, else_ = self._then, self._else
        if then_.region is None:
            then_.region = Region(t.region)
            then_.frame = self._frame
        ys_then = then_.yielded or []
        ys_else = else_.yielded or []
        if (then_.yielded is None) != (else_.yielded is None) and (ys_then or ys_else):
            raise trace_type_error(
                "values flowing out of enigma.if_ need enigma.yield_ in both "
                "arms (`with then_:` and `with else_:`)"
            )
        if len(ys_then) != len(ys_else):
            raise trace_type_error(
                f"the arms of enigma.if_ yield different numbers of values "
                f"({len(ys_then)} and {len(ys_else)})"
            )
        # Common dtypes per position: traced values promote; literals adopt the other arm's.
        dtypes: list[DType] = []
        for a, b in zip(ys_then, ys_else):
            a, b = _np_scalar_to_literal(a), _np_scalar_to_literal(b)
            if isinstance(a, Value) and isinstance(b, Value):
                dtypes.append(_dt.promote(a.dtype, b.dtype))
            elif isinstance(a, Value):
                dtypes.append(
                    a.dtype if not (isinstance(b, float) and not a.dtype.is_float) else _dt.f32
                )
            elif isinstance(b, Value):
                dtypes.append(
                    b.dtype if not (isinstance(a, float) and not b.dtype.is_float) else _dt.f32
                )
            elif is_literal(a) and is_literal(b):
                dtypes.append(_dt.promote(default_literal_dtype(a), default_literal_dtype(b)))
            else:
                raise trace_type_error("enigma.if_ arms can only yield traced values or literals")
        regions = []
        for arm, ys in ((then_, ys_then), (else_, ys_else)):
            if arm.region is None:
                regions.append({})
                continue
            prev = t.enter_region(arm.region)
            vals = []
            for y, dt in zip(ys, dtypes):
                v = y if isinstance(y, Value) else as_value(_np_scalar_to_literal(y), dt)
                vals.append(convert(v, dt))
            t.emit("scf.yield", [v.id for v in vals], frame=arm.frame)
            t.flush_names()
            t.region = prev
            regions.append(arm.region.to_json())
        self._op["regions"] = regions
        if dtypes:
            results = []
            for dt in dtypes:
                rid = t.new_id()
                r = {"id": rid, "type": dt.mlir}
                t._results[rid] = r
                t.defs[rid] = (t.region, self._op["loc"])
                results.append(r)
            self._op["results"] = results
            self._results = [Value(r["id"], dt) for r, dt in zip(results, dtypes)]
        else:
            self._results = []


class _IfArms:
    """What ``with enigma.if_(c) as ...`` binds: unpacks to ``(then_, else_)``; used directly as
    the `as` target of a one-armed if it is never touched."""

    def __init__(self, owner: if_) -> None:
        self._owner = owner
        self._unpacked = False

    def __iter__(self) -> Any:
        self._unpacked = True
        self._owner._leave_simple()
        return iter((self._owner._then, self._owner._else))


# ---------------------------------------------------------------------------------------------
# while_
# ---------------------------------------------------------------------------------------------


def _closure_cells(fn: Callable[..., Any]) -> list[Any]:
    """The closure cells of `fn` that hold traced values (the variables a condition lambda
    reads from the kernel body), in a stable order."""
    cells = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            v = cell.cell_contents
        except ValueError:  # an empty cell (variable assigned later)
            continue
        if isinstance(v, Value):
            cells.append(cell)
    return cells


class while_(_Construct):
    """``with enigma.while_(lambda: cond):`` repeats the body while `cond` (re-evaluated before
    every iteration) holds.

    The kernel variables the condition reads are loop state: assigning one in the body
    (``i = i + 1``) gives the next iteration (and the condition) the new value, and after the
    loop the variable holds its final value, as the reference documents ("the condition can
    reference values defined inside the loop").

    With explicit carried state: ``w = enigma.while_(lambda i, s: i < n, init=(0, 0.0))``,
    ``with w as (i, s): ... enigma.yield_(i + 1, s + x)``; ``w.results`` holds the final state.
    """

    what = "enigma.while_"

    def __init__(self, cond: Callable[..., Any], init: Any = None) -> None:
        if not callable(cond):
            raise trace_type_error(
                "enigma.while_ needs a callable condition, e.g. "
                "enigma.while_(lambda i: i < n, init=0)"
            )
        self._cond = cond
        self._init = init
        self._results: list[Value] | None = None
        self._yielded: list[Value] | None = None

    def __enter__(self) -> Any:
        t = current()
        f = user_frame(2)
        self._frame = f
        inits = _init_values(self._init)
        # Without init=, the condition's closure variables are the loop state (see the class doc).
        self._cells = _closure_cells(self._cond) if self._init is None else []
        self._cell_inits = []
        for cell in self._cells:
            v = cell.cell_contents
            if isinstance(v, LazyValue):
                v = v.materialize()
            self._cell_inits.append(v)
        inits = inits + self._cell_inits
        self._carried = [v.dtype for v in inits]
        self._op = t.emit(
            "scf.while", [v.id for v in inits], [dt.mlir for dt in self._carried], frame=f
        )
        # before region: evaluate the condition on the carried values
        before_args = [t.block_arg(dt.mlir) for dt in self._carried]
        self._watch = _watch_loop_state(t)
        before = t.push_region(before_args, "the condition of enigma.while_")
        nexplicit = len(self._carried) - len(self._cells)
        before_vals = [Value(a["id"], dt) for a, dt in zip(before_args, self._carried)]
        for cell, v in zip(self._cells, before_vals[nexplicit:]):
            cell.cell_contents = v
        cond = self._cond(*before_vals[:nexplicit])
        cond = _np_scalar_to_literal(cond)
        if isinstance(cond, Value) and cond.dtype.lanes:
            t.pop_region(before)
            raise trace_type_error(
                f"the condition of enigma.while_ must be a scalar bool, got a "
                f"{cond.dtype.name} vector"
            )
        if isinstance(cond, Value):
            if not cond.dtype.is_bool:
                cond = convert(cond, _dt.b1)
        elif isinstance(cond, (bool, int)):
            cond = as_value(bool(cond), _dt.b1)
        else:
            t.pop_region(before)
            raise trace_type_error("the condition of enigma.while_ must return a traced bool")
        t.emit("scf.condition", [cond.id, *(a["id"] for a in before_args)], frame=f)
        t.pop_region(before)
        after_args = [t.block_arg(dt.mlir) for dt in self._carried]
        self._before = before
        self._after = t.push_region(after_args, "the body of enigma.while_")
        t.constructs.append(self)
        carried = [Value(a["id"], dt) for a, dt in zip(after_args, self._carried)]
        for cell, v in zip(self._cells, carried[nexplicit:]):
            cell.cell_contents = v
        if self._init is None:
            return None
        if not isinstance(self._init, (list, tuple)):
            return carried[0]
        return tuple(carried)

    def _yield(self, values: Sequence[Any]) -> None:
        if self._yielded is not None:
            raise trace_type_error("enigma.yield_ was already called in this while body")
        explicit = self._carried[: len(self._carried) - len(self._cells)]
        self._yielded = _coerce_yield(values, explicit, self.what)

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        t = current()
        t.constructs.pop()
        if exc_type is not None:
            for cell, v in zip(self._cells, self._cell_inits):
                cell.cell_contents = v
            t.pop_region(self._after)
            return
        ncells = len(self._cells)
        if self._yielded is None and len(self._carried) > ncells:
            t.pop_region(self._after)
            raise trace_type_error(
                "a while_ with init= must end its body with enigma.yield_(next state...)"
            )
        _check_loop_state(self._watch, "enigma.while_", self._frame, own=self._cells)
        if ncells:
            nexts = []
            for cell, dt in zip(self._cells, self._carried[-ncells:]):
                v = cell.cell_contents
                dr = t.defs.get(v.id) if isinstance(v, Value) else None
                if dr is not None and not t.visible(dr[0]):
                    t.pop_region(self._after)
                    raise trace_type_error(
                        f"enigma.while_: the loop variable '{_cell_name(self._cond, cell)}' "
                        f"holds a value computed inside {dr[0].kind or 'a nested region'} "
                        f"(line {dr[1]['line']}), which is not visible after it"
                    )
                if not isinstance(v, Value) or v.dtype is not dt:
                    got = v.dtype.name if isinstance(v, Value) else type(v).__name__
                    t.pop_region(self._after)
                    raise trace_type_error(
                        f"enigma.while_: the condition's variable holding a {dt.name} now holds "
                        f"a {got}; loop state keeps its dtype (convert with enigma.metal_cast)"
                    )
                nexts.append(v.materialize() if isinstance(v, LazyValue) else v)
            self._yielded = (self._yielded or []) + nexts
        t.emit("scf.yield", [v.id for v in (self._yielded or [])], frame=self._frame)
        t.pop_region(self._after)
        self._op["regions"] = [self._before.to_json(), self._after.to_json()]
        results = [
            Value(r["id"], dt) for r, dt in zip(self._op.get("results", []), self._carried)
        ]
        for cell, v in zip(self._cells, results[len(results) - ncells :]):
            cell.cell_contents = v  # after the loop, the variables hold their final values
        self._results = results[: len(results) - ncells]


def _cell_name(fn: Callable[..., Any], cell: Any) -> str:
    code = getattr(fn, "__code__", None)
    for name, c in zip(getattr(code, "co_freevars", ()), getattr(fn, "__closure__", None) or ()):
        if c is cell:
            return name
    return "?"


def _watch_loop_state(t: Any) -> list[tuple[Any, Any, str]]:
    """The variables of the enclosing ``while_`` loops that are loop state (closure cells of
    their conditions), with their current values: a nested construct must not rebind them
    (an assignment in an if_ arm or an inner loop body would silently not be conditional /
    not be carried)."""
    out = []
    for c in t.constructs:
        if isinstance(c, while_):
            for cell in c._cells:
                out.append((cell, cell.cell_contents, _cell_name(c._cond, cell)))
    return out


def _check_loop_state(
    watch: list[tuple[Any, Any, str]], what: str, frame: Any, own: Sequence[Any] = ()
) -> None:
    for cell, before, name in watch:
        if any(cell is o for o in own):
            continue  # a nested while_ carrying the same variable updates it legitimately
        if cell.cell_contents is not before:
            raise TypeError(
                located(
                    f"the enigma.while_ loop variable '{name}' is assigned inside this {what}; "
                    "loop state is updated at the top level of the while_ body (an "
                    "assignment in a nested if_ arm or loop is neither conditional nor carried): "
                    "compute the new value with enigma.where(old, new, cond), or let the "
                    "construct yield it",
                    frame_loc(frame),
                )
            )


def range_constexpr(*args: int) -> range:
    """A Python ``range`` unrolled at trace time: the bounds must be Python ints."""
    for a in args:
        if isinstance(a, Value):
            raise trace_type_error(
                "range_constexpr bounds must be Python ints known at trace "
                "time; use enigma.for_range for kernel values"
            )
        if not isinstance(a, int) or isinstance(a, bool):
            raise trace_type_error(f"range_constexpr bounds must be Python ints, got {a!r}")
    return range(*args)
