"""``for i in enigma.range(lo, hi, step):`` inside a kernel: a real counted loop (``scf.for``).

The reference DSL rewrites such loops from the kernel's source before tracing (its API
reference does not document it, its programs use it). Enigma does the same here, then traces
the loop through :class:`enigma.for_range`:

- the loop body becomes a nested function ``body(i, state)`` (same file, same line numbers);
- the variables the body assigns (``x = ...``, ``x += ...``, ``x[k] = ...``, ``x.a = ...``)
  that are bound before the loop are loop-carried: their traced values (and the traced values
  inside lists/tuples they hold, flattened in order) become the loop's iter_args; Python
  numbers become traced values of the default literal dtype (i32 / f32 / bool);
- after the loop these variables hold the final values (lists are updated in place).

``for i in enigma.range_constexpr(n)`` is left alone: it is a Python loop unrolled at trace
time. A kernel function without ``enigma.range`` is traced unchanged.
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any

from ._tracer import (
    LazyValue,
    Value,
    _np_scalar_to_literal,
    as_value,
    current_or_none,
    default_literal_dtype,
    frame_loc,
    is_literal,
    located,
    user_frame,
)
from .control import _coerce_yield, for_range, yield_

__all__: list[str] = []  # `range` is exported as enigma.range only (never by `import *`)

_PREFIX = "__enigma_"
_RT = _PREFIX + "rt"


class _Unbound:
    """A carried-variable candidate that is not bound before the loop."""

    def __repr__(self) -> str:
        return "<unbound>"


UNBOUND = _Unbound()


def range(*args: Any, **kwargs: Any) -> Any:  # the reference's name
    """``for i in enigma.range(lo, hi, step):`` in a kernel traces a counted loop (``scf.for``)
    whose carried values are the variables the body reassigns. The loop is rewritten from the
    kernel's source before tracing; calling this function means the rewrite did not happen."""
    raise TypeError(
        located(
            "enigma.range(...) works only as `for i in enigma.range(...):` written directly in "
            "an @enigma.kernel function whose source Python can read (inspect.getsource): the "
            "loop is rewritten from the function's source before tracing. Here it was called "
            "without that rewrite: the kernel's source is unavailable (a kernel defined with "
            "exec() or `python -c` needs the function's source), or the loop is in a helper "
            "function or an expression. Use `with enigma.for_range(lo, hi) as i:` there",
            frame_loc(user_frame(2)),
        )
    )


# ---------------------------------------------------------------------------------------------
# Rewriting the kernel function
# ---------------------------------------------------------------------------------------------


def kernel_function(k: Any) -> Callable[..., Any]:
    """The function to trace for KernelDef `k`: `k.fn`, or its rewrite when its source has
    ``enigma.range`` loops (cached on `k`)."""
    fn = k.__dict__.get("_enigma_range_fn")
    if fn is None:
        fn = rewrite(k.fn)
        k.__dict__["_enigma_range_fn"] = fn
    return fn


def _mentions_range(code: types.CodeType) -> bool:
    if "range" in code.co_names:
        return True
    return any(isinstance(c, types.CodeType) and _mentions_range(c) for c in code.co_consts)


def rewrite(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with its ``enigma.range`` loops rewritten, or `fn` itself when it has none (or its
    source is unavailable: calling ``enigma.range`` then raises a clear error)."""
    code = getattr(fn, "__code__", None)
    if code is None or not _mentions_range(code) or hasattr(fn, "__wrapped__"):
        return fn
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return fn
    if not lines:
        return fn
    src = "".join(lines)
    indented = lines[0][:1] in (" ", "\t")
    try:
        # Keep columns: an indented def parses under `if 1:` instead of being dedented.
        tree = ast.parse("if 1:\n" + src if indented else src)
    except SyntaxError:
        return fn
    ast.increment_lineno(tree, start - 2 if indented else start - 1)
    top = tree.body[0] if tree.body else None
    if indented and isinstance(top, ast.If) and top.body:
        top = top.body[0]
    fdef = top if isinstance(top, ast.FunctionDef) and top.name == fn.__name__ else None
    if fdef is None:
        return fn
    rw = _Rewriter(fn, code.co_filename)
    rw.visit(fdef)
    if not rw.count:
        return fn
    # Decorators, defaults and annotations were evaluated with the original function.
    fdef.decorator_list = []
    fdef.returns = None
    a = fdef.args
    a.defaults = []
    a.kw_defaults = [None] * len(a.kwonlyargs)
    for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
        if arg is not None:
            arg.annotation = None
    freevars = list(code.co_freevars)
    factory = ast.FunctionDef(
        name=_PREFIX + "factory",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=n) for n in [_RT, *freevars]],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=[fdef, ast.Return(value=ast.Name(id=fdef.name, ctx=ast.Load()))],
        decorator_list=[],
        returns=None,
    )
    _locate(factory, fdef)
    module = ast.Module(body=[factory], type_ignores=[])
    ns: dict[str, Any] = {}
    code_obj = compile(module, code.co_filename, "exec", dont_inherit=True)
    exec(code_obj, fn.__globals__, ns)  # noqa: S102 - defines the factory only
    made = ns[_PREFIX + "factory"](sys.modules[__name__], *([None] * len(freevars)))
    # The original closure cells, so the rewrite sees the same enclosing variables.
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    own = dict(zip(made.__code__.co_freevars, made.__closure__ or ()))
    closure = tuple(cells.get(n, own.get(n)) for n in made.__code__.co_freevars)
    new = types.FunctionType(made.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                             closure or None)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    new.__dict__.update(fn.__dict__)
    return new


def _locate(node: ast.AST, where: ast.AST) -> None:
    """Gives every node of a generated subtree without a location the location of `where`."""
    for n in ast.walk(node):
        if "lineno" in n._attributes and getattr(n, "lineno", None) is None:
            ast.copy_location(n, where)


def _assigned(target: ast.AST, out: set[str]) -> None:
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for e in target.elts:
            _assigned(e, out)
    elif isinstance(target, ast.Starred):
        _assigned(target.value, out)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            out.add(base.id)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _body_assignments(stmts: list[ast.stmt]) -> set[str]:
    """Variables the statements (re)bind or update through a subscript/attribute, not counting
    nested scopes and the targets of Python `for` loops (trace-time iteration variables)."""
    out: set[str] = set()
    todo: list[ast.AST] = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.Assign):
            for t in n.targets:
                _assigned(t, out)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            _assigned(n.target, out)
        elif isinstance(n, ast.withitem) and n.optional_vars is not None:
            _assigned(n.optional_vars, out)
        todo.extend(ast.iter_child_nodes(n))
    return out


class _Rewriter(ast.NodeTransformer):
    def __init__(self, fn: Callable[..., Any], filename: str) -> None:
        self.fn = fn
        self.filename = filename
        self.count = 0

    def _error(self, node: ast.AST, message: str) -> TypeError:
        loc = (self.filename, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)
        return TypeError(located(message, loc))

    def _is_enigma_range(self, it: ast.AST) -> bool:
        if not (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Attribute)
            and it.func.attr == "range"
            and isinstance(it.func.value, ast.Name)
        ):
            return False
        name = it.func.value.id
        mod = self.fn.__globals__.get(name)
        code = self.fn.__code__
        if name in code.co_freevars and self.fn.__closure__:
            try:
                mod = self.fn.__closure__[code.co_freevars.index(name)].cell_contents
            except ValueError:
                mod = None
        if isinstance(mod, types.ModuleType):
            return getattr(mod, "range", None) is range
        return name == "enigma"

    def visit_For(self, node: ast.For) -> Any:
        if not self._is_enigma_range(node.iter):
            self.generic_visit(node)
            return node
        call = node.iter
        assert isinstance(call, ast.Call)
        if call.keywords or not 1 <= len(call.args) <= 3 or any(
            isinstance(a, ast.Starred) for a in call.args
        ):
            raise self._error(call, "enigma.range takes 1 to 3 positional arguments: "
                              "enigma.range(stop), enigma.range(start, stop[, step])")
        if not isinstance(node.target, ast.Name):
            raise self._error(node.target, "the loop variable of `for ... in enigma.range(...)` "
                              "must be a single name (the loop index)")
        if node.orelse:
            raise self._error(node, "`for ... in enigma.range(...)` cannot have an `else:` "
                              "clause")
        _check_jumps(node.body, self)
        target = node.target.id
        names = sorted(_body_assignments(node.body) - {target})
        names = [n for n in names if not n.startswith(_PREFIX)]
        self.generic_visit(node)  # inner enigma.range loops first
        # Generated code reports at the `for ... in enigma.range(...)` header (a location
        # spanning the whole loop would make Python report a call at the body's last line).
        head_loc = ast.Pass(lineno=node.lineno, col_offset=node.col_offset,
                            end_lineno=call.end_lineno, end_col_offset=call.end_col_offset)
        k = self.count
        self.count += 1
        body_name = f"{_PREFIX}range_body_{k}"
        out_name = f"{_PREFIX}out_{k}"
        state = _PREFIX + "state"
        tup = "(" + "".join(f"{n}, " for n in names) + ")"
        head = [f"{tup} = {state}"] if names else []
        head += [f"if {n} is {_RT}.UNBOUND: del {n}" for n in names]
        body_def = ast.parse(
            f"def {body_name}({target}, {state}):\n"
            + "".join(f"    {s}\n" for s in head)
            + "    return locals()\n"
        ).body[0]
        assert isinstance(body_def, ast.FunctionDef)
        # generated statements report at the `for` line; the body keeps its own lines
        _locate_all(body_def, head_loc)
        body_def.body = body_def.body[:-1] + list(node.body) + body_def.body[-1:]
        after = ast.parse(
            "".join(f"{n} = {out_name}[{i}]\nif {n} is {_RT}.UNBOUND: del {n}\n"
                    for i, n in enumerate(names))
        ).body
        for s in after:
            _locate_all(s, head_loc)
        run = ast.Assign(
            targets=[ast.Name(id=out_name, ctx=ast.Store())],
            value=ast.Call(
                func=ast.Attribute(value=ast.Name(id=_RT, ctx=ast.Load()), attr="run_range",
                                   ctx=ast.Load()),
                args=[
                    ast.Name(id=body_name, ctx=ast.Load()),
                    ast.Tuple(elts=list(call.args), ctx=ast.Load()),
                    ast.Constant(value=tuple(names)),
                    ast.Call(func=ast.Name(id="locals", ctx=ast.Load()), args=[], keywords=[]),
                    ast.Constant(value=target),
                ],
                keywords=[],
            ),
        )
        _locate(run, head_loc)
        new = [body_def, run, *after]
        if "locals" in self.fn.__globals__ or "locals" in self.fn.__code__.co_freevars:
            raise self._error(node, "enigma.range loops need the builtin `locals`, which this "
                              "kernel's module shadows")
        return new


def _locate_all(node: ast.AST, where: ast.AST) -> None:
    for n in ast.walk(node):
        if "lineno" in n._attributes:
            ast.copy_location(n, where)


def _check_jumps(stmts: list[ast.stmt], rw: _Rewriter) -> None:
    """break/continue of the enigma.range loop itself and return/yield in its body cannot be
    traced (the body is traced once, into the loop's region)."""
    todo: list[tuple[ast.AST, bool]] = [(s, False) for s in stmts]
    while todo:
        n, in_loop = todo.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, (ast.Break, ast.Continue)) and not in_loop:
            kw = "break" if isinstance(n, ast.Break) else "continue"
            raise rw._error(n, f"`{kw}` in the body of `for ... in enigma.range(...)` is not "
                            "supported: the body is traced once into a counted loop; guard "
                            "the rest of the body with enigma.if_, or use enigma.while_")
        if isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await)):
            kw = {ast.Return: "return", ast.Yield: "yield", ast.YieldFrom: "yield from",
                  ast.Await: "await"}[type(n)]
            raise rw._error(n, f"`{kw}` in the body of `for ... in enigma.range(...)` is not "
                            "supported (the body is traced once into a counted loop)")
        if isinstance(n, (ast.For, ast.While, ast.AsyncFor)):
            # break/continue in a Python loop's body belong to it; its else: does not
            todo.extend((c, True) for c in n.body)
            todo.extend((c, in_loop) for c in n.orelse)
            head = [n.test] if isinstance(n, ast.While) else [n.target, n.iter]
            todo.extend((c, in_loop) for c in head)
            continue
        todo.extend((c, in_loop) for c in ast.iter_child_nodes(n))


# ---------------------------------------------------------------------------------------------
# Running a rewritten loop
# ---------------------------------------------------------------------------------------------


class _Leaf:
    """A position of a carried variable's value that is a loop-carried traced value."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _flatten(x: Any, leaves: list[Value], memo: dict[int, Any], labels: list[str],
             label: str) -> Any:
    """The template of `x`: lists/tuples of templates, _Leaf for traced values and numbers,
    anything else as itself (kept, not carried)."""
    if isinstance(x, (list, tuple)):
        key = id(x)
        if key in memo:
            return memo[key]
        items: list[Any] = []
        tmpl = ("list" if isinstance(x, list) else "tuple", x, items)
        memo[key] = tmpl
        for i, e in enumerate(x):
            items.append(_flatten(e, leaves, memo, labels, f"{label}_{i}"))
        return tmpl
    y = _np_scalar_to_literal(x)
    if isinstance(y, LazyValue):
        y = y.materialize()
    if isinstance(y, Value):
        leaves.append(y)
        labels.append(label)
        return _Leaf(len(leaves) - 1)
    if is_literal(y) and not isinstance(y, str):
        leaves.append(as_value(y, default_literal_dtype(y)))
        labels.append(label)
        return _Leaf(len(leaves) - 1)
    return ("static", x)


def _build(tmpl: Any, vals: list[Value], memo: dict[int, Any], in_place: bool) -> Any:
    if isinstance(tmpl, _Leaf):
        return vals[tmpl.index]
    if tmpl[0] == "static":
        return tmpl[1]
    kind, orig, items = tmpl
    key = id(tmpl)
    if key in memo:
        return memo[key]
    if kind == "list":
        out = orig if in_place else []
        memo[key] = out
        new = [_build(t, vals, memo, in_place) for t in items]
        out[:] = new
        return out
    memo[key] = None
    out_t = type(orig)(*[_build(t, vals, memo, in_place) for t in items]) if hasattr(
        orig, "_fields") else tuple(_build(t, vals, memo, in_place) for t in items)
    memo[key] = out_t
    return out_t


def _collect(tmpl: Any, x: Any, what: str, dtypes: list[Any], out: list[Any],
             seen: dict[int, Any]) -> None:
    """The values at the leaves of `tmpl` in `x` (the variable's value after the body)."""
    if isinstance(tmpl, _Leaf):
        x = _np_scalar_to_literal(x)
        if isinstance(x, LazyValue):
            x = x.materialize()
        if not isinstance(x, Value) and not (is_literal(x) and not isinstance(x, str)):
            raise _run_error(
                f"{what} holds a traced {dtypes[tmpl.index].name} before the loop but a Python "
                f"{type(x).__name__} at the end of its body; a loop-carried variable keeps "
                "its type"
            )
        out[tmpl.index] = _coerce_yield([x], [dtypes[tmpl.index]], "enigma.range",
                                        f"the value of {what} at the end of the body")[0]
        return
    if tmpl[0] == "static":
        x2 = _np_scalar_to_literal(x)
        if isinstance(x2, Value) and not isinstance(tmpl[1], Value):
            raise _run_error(
                f"{what} holds a Python {type(tmpl[1]).__name__} before the loop but a traced "
                f"value at the end of its body; only traced values, numbers and lists/tuples "
                "of them are carried: give it a traced initial value before the loop"
            )
        return
    kind, _orig, items = tmpl
    if not isinstance(x, list if kind == "list" else tuple) or len(x) != len(items):
        got = f"a {type(x).__name__}" + (f" of length {len(x)}" if isinstance(
            x, (list, tuple)) else "")
        raise _run_error(
            f"{what} holds a {kind} of length {len(items)} before the loop but {got} at the "
            "end of its body; a loop-carried list/tuple keeps its length"
        )
    if id(x) in seen:
        return
    seen[id(x)] = True
    for i, (t, e) in enumerate(zip(items, x)):
        _collect(t, e, f"{what}[{i}]", dtypes, out, seen)


def _run_error(message: str) -> TypeError:
    return TypeError(located(message, frame_loc(user_frame(3))))


def run_range(body: Callable[..., Any], bounds: tuple[Any, ...], names: tuple[str, ...],
              scope: dict[str, Any], target: str = "") -> tuple[Any, ...]:
    """Traces a rewritten ``for i in enigma.range(*bounds):`` (called from the kernel)."""
    if current_or_none() is None:
        raise TypeError(located("enigma.range loops run only while a kernel is traced",
                                frame_loc(user_frame(2))))
    leaves: list[Value] = []
    memo: dict[int, Any] = {}
    labels: list[str] = []
    tmpls = [_flatten(scope[n], leaves, memo, labels, n) if n in scope else None for n in names]
    dtypes = [v.dtype for v in leaves]
    loop = for_range(*bounds, init=tuple(leaves) if leaves else None)
    # Lists are updated in place so every alias of a carried list sees the loop's values.
    saved = {id(t): list(t[1]) for t in memo.values() if t[0] == "list"}
    try:
        with loop as bound:
            # the MSL names the loop counter and the carried values after the variables
            for a, name in zip(loop._region.args or [], [target, *labels]):
                if name and not name.startswith("_"):
                    a["name"] = name
            i, args = (bound[0], list(bound[1:])) if leaves else (bound, [])
            state = tuple(
                UNBOUND if t is None else _build(t, args, {}, True) for t in tmpls
            )
            final = body(i, state)
            ys: list[Any] = [None] * len(leaves)
            seen: dict[int, Any] = {}
            for n, t in zip(names, tmpls):
                if t is None:
                    continue
                if n not in final:
                    raise _run_error(f"the variable '{n}' carried by this enigma.range loop is "
                                     "deleted in its body")
                _collect(t, final[n], f"'{n}'", dtypes, ys, seen)
            if leaves:
                yield_(*ys)
    except BaseException:
        for t in memo.values():
            if t[0] == "list" and id(t) in saved:
                t[1][:] = saved[id(t)]
        raise
    results = list(loop.results) if leaves else []
    out: list[Any] = []
    bmemo: dict[int, Any] = {}
    for n, t in zip(names, tmpls):
        if t is None:
            out.append(UNBOUND)  # assigned only inside the body: stays local to it
        elif isinstance(t, tuple) and t[0] == "static":
            v = final.get(n, t[1])
            out.append(v)
        else:
            out.append(_build(t, results, bmemo, True))
    return tuple(out)

