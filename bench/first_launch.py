"""First-launch latency of a new kernel on the CPU runtime: cold and warm disk cache.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/first_launch.py

Each measurement runs in a fresh Python process (after `import enigma` and numpy) and times
`enigma.compile` of the seed's vector add plus its first launch on the CPU (1000 floats,
checked against numpy):

- cold: a fresh, empty ENIGMA_CACHE_DIR: the Metal-compatibility header is written, the
  precompiled header (PCH) built, then the kernel compiled by the host C++ compiler;
- cold kernel, warm PCH: the cache holds the header and its PCH from another kernel, not this
  one (the usual case for every new kernel of a test suite);
- warm: the same cache again in a new process (the compiled kernel is loaded from disk).

`--no-pch` sets ENIGMA_CPU_PCH=0 (the compile without a precompiled header; the link without
libstdc++ stays). `--no-in-process` sets ENIGMA_CPU_IN_PROCESS=0 (the kernel compiled by a clang
process instead of clang's libraries in this process, libEnigmaHostCC.so). `-n` sets the number
of runs (medians and best are printed, in milliseconds). `--address-spaces MODE` sets
ENIGMA_CPU_ADDRESS_SPACES (`default`: real address spaces with the erased fallback, `1`: real,
`0`: erased; docs/cpu-runtime.md); without it the environment's setting applies. Kernels get the default bounds checking
(exact where the bounds-check plugin is available). The load average before and after is printed:
the machine must be quiet for the figures to mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
import numpy as np
import enigma

@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]

@enigma.kernel
def other(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] * B[tid] - 1.0

n = 1000
A = np.arange(n, dtype=np.float32)
B = np.full(n, 2.0, np.float32)
C = np.zeros(n, np.float32)
kernel = other if sys.argv[1] == "other" else vadd
t = time.perf_counter()
c = enigma.compile(kernel, emit_only=True)
t_compile = time.perf_counter() - t
c(A, B, C, n, grid=n, block=128, device="cpu")
dt = time.perf_counter() - t
want = A * B - 1.0 if kernel is other else A + B
assert np.array_equal(C, want), "wrong result"
import ctypes
from enigma import _capi
counts = (ctypes.c_uint64(), ctypes.c_uint64())
lib = _capi.lib()
if hasattr(lib, "enigmaRuntimeCpuGetCompileCounts"):
    lib.enigmaRuntimeCpuGetCompileCounts(ctypes.byref(counts[0]), ctypes.byref(counts[1]))
print(json.dumps({"total": dt, "compile": t_compile, "in_process": counts[0].value,
                  "processes": counts[1].value}))
"""


def child(which: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, which],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(values: list[float]) -> str:
    ms = [v * 1e3 for v in values]
    return f"{statistics.median(ms):8.1f} ms (best {min(ms):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--no-pch", action="store_true", help="compile without the PCH")
    ap.add_argument(
        "--no-in-process",
        action="store_true",
        help="compile with a clang process (ENIGMA_CPU_IN_PROCESS=0)",
    )
    ap.add_argument(
        "--address-spaces",
        choices=["default", "0", "1"],
        help="ENIGMA_CPU_ADDRESS_SPACES for the runs (default: the environment's)",
    )
    args = ap.parse_args()
    env = dict(os.environ)
    if args.address_spaces is not None:
        env["ENIGMA_CPU_ADDRESS_SPACES"] = args.address_spaces
    if args.no_pch:
        env["ENIGMA_CPU_PCH"] = "0"
    if args.no_in_process:
        env["ENIGMA_CPU_IN_PROCESS"] = "0"
    load_before = os.getloadavg()
    cold, cold_kernel, warm, enigma_compile = [], [], [], []
    how = set()
    for _ in range(args.n):
        with tempfile.TemporaryDirectory(prefix="enigma-first-launch-") as d:
            env["ENIGMA_CACHE_DIR"] = d
            r = child("vadd", env)
            cold.append(r["total"])
            enigma_compile.append(r["compile"])
            warm.append(child("vadd", env)["total"])
            r = child("other", env)
            cold_kernel.append(r["total"])
            how.add("in process" if r.get("in_process") else "clang process")
    pch = "off (ENIGMA_CPU_PCH=0)" if args.no_pch else "on"
    spaces = env.get("ENIGMA_CPU_ADDRESS_SPACES", "default")
    print(
        f"first launch of the vector add, enigma.compile + launch; PCH {pch}; {args.n} runs; "
        f"new kernel compiled {' and '.join(sorted(how))}; ENIGMA_CPU_ADDRESS_SPACES={spaces}"
    )
    load_after = os.getloadavg()
    print(
        "  load average before %.2f %.2f %.2f, after %.2f %.2f %.2f"
        % (*load_before, *load_after)
    )
    print(f"  cold (empty cache)          {fmt(cold)}")
    print(f"  cold kernel, warm PCH       {fmt(cold_kernel)}")
    print(f"  warm (kernel on disk)       {fmt(warm)}")
    print(f"  of which enigma.compile     {fmt(enigma_compile)}  (cold)")


if __name__ == "__main__":
    main()
