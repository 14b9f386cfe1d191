"""What the lane-loop form of bench/simdgroup.py's kernels could reach (issue 19): the attention
and scan kernels written by hand the way a lane-loop transformation would produce them (every
region between synchronization points a loop over the 32 lanes, live values in per-lane arrays,
the exchange computed between the loops in lane order), compiled with the CPU runtime's flags,
run on 2 threads (the runtime's workers) against numpy. Variants: scalar lane loops; loops
vectorized by clang; with glibc's vector expf (-fveclib=libmvec, not bit-identical); with the
exact bounds checks' inline compares; and attention with the values uniform over the SIMD-group
(the online softmax's max and both exps) computed once per SIMD-group instead of per lane
(UNIFORM=1). A model for docs/performance.md, not the runtime:

    python3 bench/lane_model.py [repeats]
"""
import ctypes, os, subprocess, sys, tempfile, time, threading, statistics
import numpy as np
FL = ["-O2", "-fno-unroll-loops", "-march=x86-64-v3", "-fPIC", "-shared", "-std=c++17", "-fno-math-errno", "-ffp-contract=on", "-lm"]
variants = {
  "scalar (-fno-vectorize -fno-slp-vectorize)": ["-fno-vectorize", "-fno-slp-vectorize"],
  "vectorized, scalar expf": [],
  "vectorized, -fveclib=libmvec": ["-fveclib=libmvec"],
  "vectorized, libmvec, inline bounds checks": ["-fveclib=libmvec", "-DCHECKS=1"],
}
def timed(fn, n):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return min(ts), statistics.median(ts)
def par(fn, total, *args):
    h = total // 2
    ts = [threading.Thread(target=fn, args=args + (0, h)), threading.Thread(target=fn, args=args + (h, total))]
    [t.start() for t in ts]; [t.join() for t in ts]
rng = np.random.default_rng(0)
rep = int(sys.argv[1]) if len(sys.argv) > 1 else 7
os.environ.setdefault("UNIFORM", "1")
print("load", os.getloadavg())
ref = {}
for name, extra in variants.items():
    so = os.path.join(tempfile.gettempdir(), f"lane_model_{abs(hash(name))}.so")
    subprocess.check_call([os.environ.get("CXX", "clang++-22"), os.path.join(os.path.dirname(os.path.abspath(__file__)), "lane_model.cpp"), "-o", so] + FL + extra)
    lib = ctypes.CDLL(so)
    P = ctypes.c_void_p
    lib.attn_rows.argtypes = [P, P, P, P, ctypes.c_uint32, ctypes.c_float, ctypes.c_uint32, ctypes.c_uint32]
    lib.scan_rows.argtypes = [P, P, P, ctypes.c_uint32, ctypes.c_uint32]
    print(name)
    for seq in (512, 1024):
        r = np.random.default_rng(0)
        q, k, v = (r.standard_normal((seq, 64), dtype=np.float32) for _ in range(3))
        o = np.zeros((seq, 64), np.float32)
        bnd = (ctypes.c_uint64 * 12).in_dll(lib, "bnd")
        for i, a in enumerate((q, k, v, o)):
            bnd[2*i] = a.ctypes.data; bnd[2*i+1] = a.nbytes
        scale = 1 / np.sqrt(64)
        go = lambda: par(lib.attn_rows, seq, q.ctypes.data, k.ctypes.data, v.ctypes.data, o.ctypes.data, seq, scale)
        go()
        s = (q @ k.T) * np.float32(scale); s -= s.max(1, keepdims=True); p = np.exp(s); p /= p.sum(1, keepdims=True)
        np.testing.assert_allclose(o, p @ v, rtol=1e-4, atol=1e-5)
        if os.environ.get("UNIFORM"):
            lib.attn_rows_uniform.argtypes = lib.attn_rows.argtypes
            o2 = np.zeros_like(o)
            bnd[6] = o2.ctypes.data
            go2 = lambda: par(lib.attn_rows_uniform, seq, q.ctypes.data, k.ctypes.data, v.ctypes.data, o2.ctypes.data, seq, scale)
            go2(); print("   uniform variant bit-identical:", np.array_equal(o, o2))
            b, m = timed(go2, rep); print(f"  attention seq {seq}, uniform values once per SIMD-group: best {b:.2f} ms median {m:.2f} ms")
            bnd[6] = o.ctypes.data
        key = ("attn", seq)
        if key in ref: print("   bit-identical to first variant:", np.array_equal(ref[key], o), "max diff", np.abs(ref[key]-o).max())
        else: ref[key] = o.copy()
        b, m = timed(go, rep)
        print(f"  attention seq {seq}: best {b:.2f} ms median {m:.2f} ms (2 threads)")
    n = 1 << 20
    x = rng.random(n, dtype=np.float32) if "x" not in ref else ref["x"]; ref["x"] = x
    out = np.zeros(n, np.float32); sums = np.zeros(n // 32, np.float32)
    bnd = (ctypes.c_uint64 * 12).in_dll(lib, "bnd")
    for i, a in enumerate((x, out, sums)):
        bnd[2*i] = a.ctypes.data; bnd[2*i+1] = a.nbytes
    go = lambda: par(lib.scan_rows, n // 1024, x.ctypes.data, out.ctypes.data, sums.ctypes.data)
    go()
    np.testing.assert_allclose(out.reshape(-1, 1024), np.cumsum(x.reshape(-1, 1024), 1), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(sums, x.reshape(-1, 32).sum(1), rtol=1e-5)
    b, m = timed(go, rep)
    print(f"  scan 2^20: best {b:.2f} ms median {m:.2f} ms (2 threads)")
for seq in (512, 1024):
    r = np.random.default_rng(0)
    q, k, v = (r.standard_normal((seq, 64), dtype=np.float32) for _ in range(3))
    def f():
        s = (q @ k.T) * np.float32(0.125); s -= s.max(1, keepdims=True); p = np.exp(s); p /= p.sum(1, keepdims=True); return p @ v
    print(f"numpy attention {seq}: best %.2f median %.2f" % timed(f, 30))
x = ref["x"]
print("numpy scan: best %.2f median %.2f" % timed(lambda: (np.cumsum(x.reshape(-1, 1024), 1), x.reshape(-1, 32).sum(1)), 30))
print("load", os.getloadavg())
