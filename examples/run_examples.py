"""The main job: compiles every example kernel to MSL, runs it on the CPU runtime and prints
its result and the maximum error against numpy.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 examples/run_examples.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import histogram
import matmul_dot4
import mlir_linalg
import quick_start
import reduction
import softmax_rows
import tiled_add
import vector_add

EXAMPLES = [
    ("quick start (enigma.MetalRuntime)", quick_start.run, {}),
    ("vector add (seed)", vector_add.run, {}),
    ("vector add, vec_width=4", vector_add.run, {"vec_width": 4}),
    ("tiled add (@jit, zipped_divide)", tiled_add.run, {}),
    ("block sum (threadgroup memory, barriers, simd_sum)", reduction.run, {}),
    ("row softmax (loop-carried values)", softmax_rows.run, {}),
    ("histogram (atomics)", histogram.run, {}),
    ("matrix multiply (2-D grid, float4 dot products)", matmul_dot4.run, {}),
    ("dense + ReLU from linalg on tensors (enigma.compile_mlir)", mlir_linalg.run, {}),
]

TOLERANCE = 1e-4


def main() -> int:
    failures = 0
    for title, fn, kwargs in EXAMPLES:
        t = time.perf_counter()
        out = fn(**kwargs)
        dt = time.perf_counter() - t
        k = out["kernel"]
        ok = out["max_error"] <= TOLERANCE
        failures += not ok
        print(
            f"== {title}: {k.kernel_name}, {len(k.metal_source.splitlines())} lines of MSL, "
            f"coarsen {k.coarsen}, {dt * 1e3:.0f} ms"
        )
        print(f"   {out['result']}")
        print(f"   max error vs numpy: {out['max_error']:.3g} {'ok' if ok else 'FAILED'}")
    print(f"{len(EXAMPLES) - failures}/{len(EXAMPLES)} examples match numpy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
