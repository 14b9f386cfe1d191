"""Differential test against C++ CuTe itself, compiled on the host.

CuTe is header-only; the nvidia-cutlass wheel ships its headers (under
``cutlass_library/source/include``) and the nvidia-cuda-cccl-cu12 wheel the libcu++
headers they include. With both installed (``pip install --no-deps nvidia-cutlass
nvidia-cuda-cccl-cu12``), or their include directories given in
``ENIGMA_CUTE_INCLUDE`` / ``ENIGMA_CCCL_INCLUDE``, this test writes random cases as a
C++ program using *static* CuTe integers (the semantics Enigma implements), compiles it
with the host C++ compiler, and compares every printed result with Enigma's, shape for
shape. CuTe is only an oracle: nothing in Enigma includes it.

Shapes and strides are powers of two (and stride 0), for which CuTe's static
divisibility assertions always hold, so every generated case compiles; cases Enigma
rejects (a tile larger than the tensor, a complement of overlapping modes) are not
emitted, since static CuTe would not compile them or would read past the tensor.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import enigma
import pytest
from enigma import EnigmaError, Layout

# A fixed seed for CI; ENIGMA_CUTE_SEED / ENIGMA_CUTE_CASES explore further by hand.
SEED = int(os.environ.get("ENIGMA_CUTE_SEED", "77"))
CASES = int(os.environ.get("ENIGMA_CUTE_CASES", "60"))


def _find_includes() -> tuple[Path, Path] | None:
    cute = os.environ.get("ENIGMA_CUTE_INCLUDE")
    cccl = os.environ.get("ENIGMA_CCCL_INCLUDE")
    if not cute:
        spec = importlib.util.find_spec("cutlass_library")
        if spec and spec.origin:
            cute = str(Path(spec.origin).parent / "source" / "include")
    if not cccl:
        spec = importlib.util.find_spec("nvidia")
        for root in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(root) / "cuda_cccl" / "include"
            if candidate.exists():
                cccl = str(candidate)
    if not cute or not cccl:
        return None
    if not (Path(cute) / "cute" / "layout.hpp").exists():
        return None
    if not (Path(cccl) / "cuda" / "std" / "utility").exists():
        return None
    return Path(cute), Path(cccl)


def _find_compiler() -> str | None:
    for name in (os.environ.get("CXX"), "clang++-22", "clang++", "g++", "c++"):
        if name and shutil.which(name):
            return name
    return None


INCLUDES = _find_includes()
CXX = _find_compiler()
pytestmark = pytest.mark.skipif(
    INCLUDES is None or CXX is None,
    reason="C++ CuTe headers (nvidia-cutlass) and libcu++ (nvidia-cuda-cccl-cu12) not found",
)


# ------------------------------------------------------------------------------------
# Python values -> static CuTe C++ expressions
# ------------------------------------------------------------------------------------


def cpp_tuple(t: Any, kind: str) -> str:
    if isinstance(t, tuple):
        return f"{kind}<" + ",".join(cpp_tuple(e, kind) for e in t) + ">"
    return f"Int<{t}>"


def cpp_layout(layout: Layout) -> str:
    return f"Layout<{cpp_tuple(layout.shape, 'Shape')},{cpp_tuple(layout.stride, 'Stride')}>{{}}"


def cpp_tiler(tiler: Any) -> str:
    if isinstance(tiler, Layout):
        return cpp_layout(tiler)
    if tiler is None:
        return "_{}"
    if isinstance(tiler, tuple):
        return "make_tile(" + ",".join(cpp_tiler(t) for t in tiler) + ")"
    return f"Int<{tiler}>{{}}"


def cpp_int_tuple(t: Any) -> str:
    if isinstance(t, tuple):
        return "make_shape(" + ",".join(cpp_int_tuple(e) for e in t) + ")"
    return f"Int<{t}>{{}}"


# ------------------------------------------------------------------------------------
# Random cases
# ------------------------------------------------------------------------------------


def random_layout(rng: random.Random, depth: int = 2, max_size: int = 256) -> Layout:
    def gen(d: int) -> tuple[Any, Any]:
        if d == 0 or rng.random() < 0.45:
            return rng.choice([1, 2, 2, 4, 4, 8]), rng.choice([0, 1, 1, 2, 4, 8, 16, 32])
        modes = [gen(d - 1) for _ in range(rng.randint(1, 3))]
        return tuple(m[0] for m in modes), tuple(m[1] for m in modes)

    while True:
        shape, stride = gen(depth)
        layout = Layout(shape, stride)
        if enigma.size(layout) <= max_size:
            return layout


def random_compact(rng: random.Random, max_rank: int = 3) -> Layout:
    """A compact layout over powers of two with a random mode order (injective)."""
    shape = tuple(rng.choice([2, 4, 8]) for _ in range(rng.randint(1, max_rank)))
    order = tuple(rng.sample(range(len(shape)), len(shape)))
    if len(shape) == 1:
        return Layout(shape[0])
    return enigma.make_ordered_layout(shape, order)


def cases(rng: random.Random) -> list[tuple[str, Any]]:
    """(C++ expression, Enigma thunk) pairs; thunks that raise are dropped."""
    out: list[tuple[str, Any]] = []

    def add(expr: str, thunk: Any) -> None:
        try:
            expected = thunk()
        except EnigmaError:
            return
        out.append((expr, expected))

    for _ in range(CASES):
        a = random_layout(rng)
        b = random_layout(rng, depth=1, max_size=64)
        ca = cpp_layout(a)
        add(f"coalesce({ca})", lambda a=a: enigma.coalesce(a))
        if enigma.rank(a) >= 2:
            profile = tuple(1 for _ in range(enigma.rank(a)))
            step = "make_tuple(" + ",".join("Int<1>{}" for _ in profile) + ")"
            add(f"coalesce({ca},{step})", lambda a=a, p=profile: enigma.coalesce(a, p))
        add(f"composition({ca},{cpp_layout(b)})", lambda a=a, b=b: enigma.composition(a, b))
        add(f"right_inverse({ca})", lambda a=a: enigma.right_inverse(a))

        inj = random_compact(rng)
        hole = Layout(inj.shape, inj.stride) if enigma.rank(inj) == 1 else inj[0]
        m = enigma.size(inj) * rng.choice([1, 2, 4])
        ci = cpp_layout(inj)
        add(
            f"complement({cpp_layout(hole)},Int<{m}>{{}})",
            lambda h=hole, m=m: enigma.complement(h, m),
        )
        add(f"left_inverse({cpp_layout(hole)})", lambda h=hole: enigma.left_inverse(h))

        # Divides by a layout and by a tiler of layouts / ints, drawn so that the
        # tiles fit the modes they divide (Enigma rejects the others).
        tile = random_compact(rng, 2)
        while enigma.cosize(tile) > enigma.size(a) and enigma.size(tile) > 2:
            tile = random_compact(rng, 1)
            if enigma.size(tile) > enigma.size(a):
                tile = Layout(2)
        add(
            f"logical_divide({ca},{cpp_layout(tile)})",
            lambda a=a, t=tile: enigma.logical_divide(a, t),
        )
        if enigma.rank(a) >= 2:

            def fitting(n: int) -> Any:
                choices: list = [t for t in (1, 2, 4, 8) if t <= n]
                choices += [Layout(t, d) for t in (2, 4) for d in (1, 2) if (t - 1) * d + 1 <= n]
                return rng.choice(choices)

            by_mode = tuple(fitting(enigma.size(a, i)) for i in range(min(2, enigma.rank(a))))
            ct = cpp_tiler(by_mode)
            for name in ("logical_divide", "zipped_divide", "tiled_divide", "flat_divide"):
                fn = getattr(enigma, name)
                add(f"{name}({ca},{ct})", lambda a=a, t=by_mode, fn=fn: fn(a, t))
            add(f"composition({ca},{ct})", lambda a=a, t=by_mode: enigma.composition(a, t))

        # Products of an injective block.
        add(
            f"logical_product({ci},{cpp_layout(tile)})",
            lambda i=inj, t=tile: enigma.logical_product(i, t),
        )
        if enigma.rank(inj) >= 2:
            by_mode = tuple(Layout(rng.choice([2, 4])) for _ in range(2))
            ct = cpp_tiler(by_mode)
            for name in ("logical_product", "zipped_product", "tiled_product", "flat_product"):
                fn = getattr(enigma, name)
                add(f"{name}({ci},{ct})", lambda i=inj, t=by_mode, fn=fn: fn(i, t))
        other = random_compact(rng, 2)
        co = cpp_layout(other)
        add(f"blocked_product({ci},{co})", lambda i=inj, o=other: enigma.blocked_product(i, o))
        add(f"raked_product({ci},{co})", lambda i=inj, o=other: enigma.raked_product(i, o))

        # make_layout_tv, written out as CuTe's make_tiled_copy computes it.
        thr, val = random_compact(rng, 2), random_compact(rng, 2)
        mn = f"raked_product({cpp_layout(thr)},{cpp_layout(val)})"
        add(
            f"right_inverse({mn}).with_shape(make_shape(size({cpp_layout(thr)}),size({cpp_layout(val)})))",
            lambda t=thr, v=val: enigma.make_layout_tv(t, v)[1],
        )
        add(f"product_each(shape({mn}))", lambda t=thr, v=val: enigma.make_layout_tv(t, v)[0])

        shape = tuple(rng.choice([2, 4]) for _ in range(3))
        order = tuple(rng.sample(range(3), 3))
        add(
            f"make_ordered_layout({cpp_int_tuple(shape)},{cpp_int_tuple(order)})",
            lambda s=shape, o=order: enigma.make_ordered_layout(s, o),
        )
    return out


def _run_cpp(tmp_path: Path, todo: list[tuple[str, Any]], headers: list[str]) -> dict:
    """Compiles and runs one program printing every expression; returns index -> text."""
    assert INCLUDES is not None and CXX is not None
    lines = [f"#include <{h}>" for h in headers] + [
        "#include <cstdio>",
        "using namespace cute;",
        "int main() {",
    ]
    for i, (expr, _) in enumerate(todo):
        lines.append(f'  printf("{i} "); print({expr}); printf("\\n");')
    lines += ["  return 0;", "}"]
    source = tmp_path / "cute_cases.cpp"
    source.write_text("\n".join(lines) + "\n")
    binary = tmp_path / "cute_cases"
    cute_include, cccl_include = INCLUDES
    compile_cmd = [
        CXX,
        "-std=c++17",
        "-O0",
        "-w",
        f"-I{cute_include}",
        f"-I{cccl_include}",
        str(source),
        "-o",
        str(binary),
    ]
    built = subprocess.run(compile_cmd, check=False, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-4000:]
    run = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60, check=True)
    printed = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert len(printed) == len(todo)
    return printed


def test_results_match_cpp_cute(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    todo = cases(rng)
    printed = _run_cpp(tmp_path, todo, ["cute/layout.hpp"])
    mismatches = []
    for i, (expr, ours) in enumerate(todo):
        text = printed[str(i)]
        if isinstance(ours, Layout):
            theirs = Layout.parse(text)
            if theirs != ours:
                mismatches.append(f"{expr}\n  CuTe   {text}\n  Enigma {ours!r}")
        else:
            theirs = Layout.parse(text + ":" + text).shape  # an IntTuple, via the parser
            if theirs != ours:
                mismatches.append(f"{expr}\n  CuTe   {text}\n  Enigma {ours!r}")
    if mismatches and os.environ.get("ENIGMA_CUTE_DUMP"):
        Path(os.environ["ENIGMA_CUTE_DUMP"]).write_text("\n".join(mismatches))
    assert not mismatches, f"{len(mismatches)} of {len(todo)} differ:\n" + "\n".join(
        mismatches[:20]
    )


# ------------------------------------------------------------------------------------
# upcast / downcast / recast_layout, tile_to_shape, swizzles and composed layouts
# ------------------------------------------------------------------------------------

_UINT = {8: "uint8_t", 16: "uint16_t", 32: "uint32_t", 64: "uint64_t"}


def swizzle_cases(rng: random.Random) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def add(expr: str, thunk: Any) -> None:
        try:
            expected = thunk()
        except EnigmaError:
            return
        out.append((expr, expected))

    for _ in range(CASES):
        a = random_layout(rng)
        ca = cpp_layout(a)
        n = rng.choice([2, 4, 8])
        add(f"upcast<{n}>({ca})", lambda a=a, n=n: enigma.upcast(a, n))
        add(f"downcast<{n}>({ca})", lambda a=a, n=n: enigma.downcast(a, n))
        inj = random_compact(rng)
        new, old = rng.sample(sorted(_UINT), 2)
        add(
            f"recast_layout<{_UINT[old]},{_UINT[new]}>({cpp_layout(inj)})",
            lambda i=inj, new=new, old=old: enigma.recast_layout(new, old, i),
        )

        # tile_to_shape: a compact block and a target each of whose modes it divides.
        block = random_compact(rng, 2)
        bshape = block.shape if isinstance(block.shape, tuple) else (block.shape,)
        r = rng.randint(len(bshape), 3)
        padded = bshape + (1,) * (r - len(bshape))
        target = tuple(p * rng.choice([1, 2, 4]) for p in padded)
        order = tuple(rng.sample(range(r), r))
        cb = cpp_layout(block)
        add(
            f"tile_to_shape({cb},{cpp_int_tuple(target)})",
            lambda b=block, t=target: enigma.tile_to_shape(b, t),
        )
        add(
            f"tile_to_shape({cb},{cpp_int_tuple(target)},{cpp_int_tuple(order)})",
            lambda b=block, t=target, o=order: enigma.tile_to_shape(b, t, o),
        )

        # Swizzles: values, the composed layout and its values at a few coordinates.
        bits = rng.randint(0, 3)
        base = rng.randint(0, 4)
        shift = rng.choice([-1, 1]) * rng.randint(max(bits, 1), bits + 2)
        sw = enigma.Swizzle(bits, base, shift)
        csw = f"Swizzle<{bits},{base},{shift}>{{}}"
        for x in rng.sample(range(1 << 12), 3):
            add(f"{csw}(int({x}))", lambda sw=sw, x=x: sw(x))
        composed = enigma.composition(sw, a)
        add(f"composition({csw},{ca})", lambda c=composed: c)
        for i in rng.sample(range(enigma.size(a)), min(3, enigma.size(a))):
            add(f"int(composition({csw},{ca})({i}))", lambda c=composed, i=i: c(i))
    return out


def test_new_operations_match_cpp_cute(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    todo = swizzle_cases(rng)
    printed = _run_cpp(tmp_path, todo, ["cute/layout.hpp", "cute/swizzle_layout.hpp"])
    mismatches = []
    for i, (expr, ours) in enumerate(todo):
        text = printed[str(i)]
        if isinstance(ours, enigma.ComposedLayout):
            same = enigma.ComposedLayout.parse(text) == ours
        elif isinstance(ours, Layout):
            same = Layout.parse(text) == ours
        else:
            same = int(text) == ours
        if not same:
            mismatches.append(f"{expr}\n  CuTe   {text}\n  Enigma {ours!r}")
    assert len(todo) > 6 * CASES
    assert not mismatches, f"{len(mismatches)} of {len(todo)} differ:\n" + "\n".join(
        mismatches[:20]
    )
