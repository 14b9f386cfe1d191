"""Compile latency of enigma.compile(): cold, warm and cached, plus `import enigma`.

    ENIGMA_CAPI_LIB=build/lib/libEnigmaCAPI.so PYTHONPATH=python python3 bench/compile_latency.py

- import: `import enigma` in a fresh interpreter (median of several processes);
- cold: the first compile in a fresh process, after `import enigma`, with an empty cache;
- warm: a compile in a process that has compiled before, with the caches bypassed (the full
  trace -> import -> pipeline -> MSL path, pooled MLIR contexts warm);
- cached: the same compile again, answered by the in-memory cache (tracing + hashing).

Kernels: the seed's vector add, a tiled @jit add (layouts computed host-side), and a kernel of
10,000 ops. Numbers are medians; docs/performance.md records them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

KERNELS = r"""
import enigma

@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]

@enigma.kernel
def tiled_add(gA, gB, gC):
    bid = enigma.threadgroup_position_in_grid.x
    tid = enigma.thread_position_in_threadgroup.x
    tA = gA[None, bid]
    tB = gB[None, bid]
    tC = gC[None, bid]
    tC[tid] = tA[tid] + tB[tid]

@enigma.jit
def tiled(A, B, C):
    gA = enigma.zipped_divide(A, (256,))
    gB = enigma.zipped_divide(B, (256,))
    gC = enigma.zipped_divide(C, (256,))
    tiled_add(gA, gB, gC).launch(grid=enigma.size(A.layout), block=256)

def tiled_args():
    L = enigma.Layout((1 << 20,), (1,))
    return [enigma.Tensor(n, i, enigma.f32, L) for i, n in enumerate("ABC")]

@enigma.kernel
def big(X: enigma.f32, Y: enigma.f32):
    i = enigma.thread_position_in_grid.x
    x = X[i]
    acc = x
    for k in enigma.range_constexpr(4999):  # 2 ops each: ~10,000 ops in all
        acc = acc * x + x
    Y[i] = acc

CASES = {"vadd": (vadd, ()), "tiled_jit": (tiled, None), "ops10k": (big, ())}

def compile_case(name):
    fn, args = CASES[name]
    if args is None:
        args = tiled_args()
    return enigma.compile(fn, *args, emit_only=True)
"""


def child(mode: str, case: str) -> None:
    t0 = time.perf_counter()
    import enigma
    from enigma import driver

    t_import = time.perf_counter() - t0
    ns: dict = {}
    exec(compile(KERNELS, "<bench kernels>", "exec"), ns)
    compile_case = ns["compile_case"]
    if mode == "import":
        print(json.dumps({"import": t_import}))
        return
    if mode == "cold":
        t = time.perf_counter()
        c = compile_case(case)
        dt = time.perf_counter() - t
        assert c.cache_status == "miss", c.cache_status
        print(json.dumps({"cold": dt, "ops": count_ops(c.trace)}))
        return
    # warm and cached in one process
    compile_case(case)
    warm = []
    for _ in range(5 if case == "ops10k" else 20):
        driver.clear_cache()
        t = time.perf_counter()
        c = compile_case(case)
        warm.append(time.perf_counter() - t)
        assert c.cache_status == "miss"
    cached = []
    for _ in range(20 if case == "ops10k" else 200):
        t = time.perf_counter()
        c = compile_case(case)
        cached.append(time.perf_counter() - t)
        assert c.cache_status == "memory"
    # Where a warm compile spends its time: Python tracing, JSON text, the C API compile.
    from enigma import compiler

    fn, args = ns["CASES"][case]
    if args is None:
        args = ns["tiled_args"]()
    if isinstance(fn, enigma.JitFunction):
        launch, _, _ = fn.run(*args)
        fn, args = launch.kernel, launch.args
    t = time.perf_counter()
    tr, _ = driver.trace(fn, args)
    t_trace = time.perf_counter() - t
    t = time.perf_counter()
    text = json.dumps(tr, separators=(",", ":"))
    t_json = time.perf_counter() - t
    t = time.perf_counter()
    compiler.compile_trace(text)
    t_capi = time.perf_counter() - t
    print(
        json.dumps(
            {
                "warm": statistics.median(warm),
                "cached": statistics.median(cached),
                "trace": t_trace,
                "json": t_json,
                "capi": t_capi,
            }
        )
    )


def count_ops(trace: dict) -> int:
    def walk(ops: list) -> int:
        return sum(1 + sum(walk(r.get("ops", [])) for r in op.get("regions", [])) for op in ops)

    return walk(trace["ops"])


def run_child(mode: str, case: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, case],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def main() -> None:
    env = dict(os.environ)
    imports = []
    for _ in range(5):
        env["ENIGMA_CACHE_DIR"] = ""
        imports.append(run_child("import", "vadd", env)["import"])
    print(f"import enigma: {fmt(statistics.median(imports))}")
    print(
        f"{'kernel':<10} {'ops':>6} {'cold':>12} {'warm':>12} {'cached':>12}   "
        "warm = trace + JSON + C API (import, enigma-pipeline, MSL)"
    )
    for case in ("vadd", "tiled_jit", "ops10k"):
        colds = []
        ops = 0
        for _ in range(3):
            with tempfile.TemporaryDirectory() as d:
                env["ENIGMA_CACHE_DIR"] = d
                r = run_child("cold", case, env)
                colds.append(r["cold"])
                ops = r["ops"]
        env["ENIGMA_CACHE_DIR"] = ""  # no disk cache: warm compiles really compile
        r = run_child("warm", case, env)
        print(
            f"{case:<10} {ops:>6} {fmt(statistics.median(colds)):>12} {fmt(r['warm']):>12} "
            f"{fmt(r['cached']):>12}   {fmt(r['trace']).strip()} + {fmt(r['json']).strip()} + "
            f"{fmt(r['capi']).strip()}"
        )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
