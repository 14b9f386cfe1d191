"""Cost of typical layout algebra calls from Python (enigma.Layout over the C core).

Prints microseconds per call; asserts nothing. The C core's own figures come from
``build/bin/enigma-layout-bench``. Run:

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/layout_algebra.py
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

import enigma
from enigma import Layout


def bench(name: str, args: str, fn: Callable[[], object], number: int) -> None:
    fn()  # warm up (binds the C entry points, fills caches)
    best = min(timeit.repeat(fn, number=number, repeat=5)) / number
    print(f"{name:<22} {args:<46} {best * 1e6:8.2f} us/call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=20000, help="calls per timing")
    n = parser.parse_args().number

    a = Layout((128, 64))
    row_major = Layout((128, 64), (64, 1))
    tile = (Layout(16), Layout(8))
    tile_layout = Layout(4, 2)
    big = Layout((9, (4, 8)), (59, (13, 1)))
    tiler2d = (Layout(3, 3), Layout((2, 4), (1, 8)))
    thr, val = Layout((4, 32), (32, 1)), Layout((4, 4), (4, 1))
    print(f"layout algebra from Python, best of 5 x {n} calls")
    bench(
        "logical_divide", "(128,64):(1,128), (16,8)", lambda: enigma.logical_divide(a, (16, 8)), n
    )
    bench(
        "logical_divide", "(128,64):(1,128), (16:1,8:1)", lambda: enigma.logical_divide(a, tile), n
    )
    bench(
        "zipped_divide",
        "(128,64):(64,1), (16,8)",
        lambda: enigma.zipped_divide(row_major, (16, 8)),
        n,
    )
    bench(
        "logical_divide",
        "(128,64):(1,128), 4:2 (a Layout)",
        lambda: enigma.logical_divide(a, tile_layout),
        n,
    )
    bench(
        "zipped_divide",
        "(9,(4,8)):(59,(13,1)), (3:3,(2,4):(1,8))",
        lambda: enigma.zipped_divide(big, tiler2d),
        n,
    )
    c1, c2 = Layout((6, 2), (8, 2)), Layout((4, 3), (3, 1))
    bench("composition", "(6,2):(8,2), (4,3):(3,1)", lambda: enigma.composition(c1, c2), n)
    co = Layout(((2, 4), (2, 8)), ((1, 2), (8, 16)))
    bench("coalesce", "((2,4),(2,8)):((1,2),(8,16))", lambda: enigma.coalesce(co), n)
    cm = Layout((4, 8), (1, 32))
    bench("complement", "(4,8):(1,32), 1024", lambda: enigma.complement(cm, 1024), n)
    bench(
        "make_layout_tv", "(4,32):(32,1), (4,4):(4,1)", lambda: enigma.make_layout_tv(thr, val), n
    )
    bench(
        "Layout(shape, stride)", "((2,4),8), ((1,2),8)", lambda: Layout(((2, 4), 8), ((1, 2), 8)), n
    )
    bench("L(i)", "((2,4),8):((1,2),8), 37", lambda: big(37), n)
    bench("L(coord)", "(9,(4,8)):(59,(13,1)), (2,(1,3))", lambda: big((2, (1, 3))), n)
    bench(
        "zipped_divide+.shape",
        "(9,(4,8)):(59,(13,1)), (3:3,(2,4):(1,8))",
        lambda: enigma.zipped_divide(big, tiler2d).shape,
        n,
    )
    bench("repr", "(9,(4,8)):(59,(13,1))", lambda: repr(big), n)


if __name__ == "__main__":
    main()
