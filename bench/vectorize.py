"""Benchmark of vectorization (docs/vectorization.md) on the CPU runtime; prints numbers,
asserts nothing but correctness.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/vectorize.py

The seed's vector add (`C[tid] = A[tid] + B[tid]` under `tid < n`) over 2^20 and 2^24 floats,
compiled scalar, with `vec_width=2` and with `vec_width=4`, launched on the same grid (n
threads, blocks of 256; the launcher divides the x grid by the coarsening factor), against
numpy's `a + b`. Two launch paths:

- `CompiledKernel(...)`: the default checked launch (every buffer copied into a guarded region
  and writable ones copied back), what a user gets from `ck(a, b, c, n, grid=n)`;
- unchecked: the runtime's `checked=False` (buffers in place), which isolates the kernel.

Times are the best (minimum) and median of `-r` runs after one warm-up run, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import enigma
import numpy as np
from enigma import launch as _launch


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "-r", "--repeat", type=int, default=7, help="timed runs per measurement"
    )
    ap.add_argument(
        "--log2n",
        type=int,
        nargs="*",
        default=[20, 24],
        help="problem sizes as powers of two (default: 20 24)",
    )
    opts = ap.parse_args()

    print(
        f"# {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"python {platform.python_version()} numpy {np.__version__}"
    )
    print(f"# best (median) of {opts.repeat} runs after a warm-up, ms")
    kernels = {w: enigma.compile(vadd, vec_width=w, emit_only=True) for w in (0, 2, 4)}
    for w, ck in kernels.items():
        assert ck.coarsen == max(w, 1), (w, ck.coarsen)

    for log2n in opts.log2n:
        n = 1 << log2n
        rng = np.random.default_rng(0)
        a = rng.random(n, dtype=np.float32)
        b = rng.random(n, dtype=np.float32)
        want = a + b
        print(f"\nvector add, n = 2^{log2n} = {n} floats")
        np_best, np_med = timed(lambda a=a, b=b: a + b, opts.repeat)
        print(f"  {'numpy a + b':<34} {np_best:8.2f} ({np_med:8.2f})")
        scalar = {}
        for w, ck in kernels.items():
            label = "scalar" if w == 0 else f"vec_width={w}"
            c = np.zeros(n, np.float32)
            checked = timed(
                lambda ck=ck, a=a, b=b, c=c, n=n: ck(
                    a, b, c, n, grid=n, block=256, device="cpu"
                ),
                opts.repeat,
            )
            if not np.array_equal(c, want):
                sys.exit(f"wrong result: {label}, checked launch")
            # Unchecked: the CPU kernel with buffers in place, arguments in [[buffer(i)]]
            # order (the implicit enigma_grid_x last: the original grid size).
            cpu = _launch._cpu_kernel(ck)
            args = [a, b, c, n] + [n for _ in ck.implicit_params]
            c[:] = 0
            unchecked = timed(
                lambda cpu=cpu, args=args, n=n, co=ck.coarsen: cpu(
                    *args, grid=(n, 1, 1), block=(256, 1, 1), coarsen=co, checked=False
                ),
                opts.repeat,
            )
            if not np.array_equal(c, want):
                sys.exit(f"wrong result: {label}, unchecked launch")
            scalar.setdefault("checked", checked[0])
            scalar.setdefault("unchecked", unchecked[0])
            for path, (best, med) in (("checked", checked), ("unchecked", unchecked)):
                print(
                    f"  {label + ', ' + path:<34} {best:8.2f} ({med:8.2f})  "
                    f"{scalar[path] / best:4.2f}x scalar, {best / np_best:5.2f}x numpy"
                )


if __name__ == "__main__":
    main()
