"""Smoke test of an installed Enigma wheel (run by scripts/test-wheel.sh with the fresh venv's
Python, from a directory outside the source tree, with no ENIGMA_* variables set).

Checks that the package, its native library and plugin come from the installed package, the
seed page's vector-add example compiles and runs on the CPU runtime, exact bounds checks work
when the host clang is the one the plugin was built for, and that a missing host compiler is
reported clearly.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

site = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None
assert not any(k.startswith("ENIGMA_") for k in os.environ), "ENIGMA_* variables are set"

import enigma  # noqa: E402
from enigma import _capi, runtime  # noqa: E402
from enigma.errors import EnigmaError  # noqa: E402

pkg = Path(enigma.__file__).resolve().parent
print(f"enigma {enigma.__version__} from {pkg}")
if site is not None:
    assert pkg.parent == site, f"enigma imported from {pkg}, not the venv's {site}"
assert "site-packages" in str(pkg), pkg
assert enigma.__version__ == importlib.metadata.version("enigma"), (
    enigma.__version__, importlib.metadata.version("enigma"))
lib = _capi.library_path().resolve()
assert lib == pkg / "libEnigmaCAPI.so", lib
assert (pkg / "EnigmaBoundsCheck.so").is_file()


# The seed page's example (enigma.compile reference, "Compiling a @enigma.kernel").
@enigma.kernel
def add(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]


n = 4096
a = np.random.rand(n).astype(np.float32)
b = np.random.rand(n).astype(np.float32)
for vec_width in (0, 4):
    compiled = enigma.compile(add, vec_width=vec_width)
    assert "kernel void" in compiled.metal_source
    c = np.zeros_like(a)
    compiled(a, b, c, grid=n, block=256)
    assert np.array_equal(c, a + b), f"vec_width={vec_width}: wrong result"
    print(f"vector add, vec_width={vec_width}: ok ({compiled.kernel_name})")

# Exact bounds checks: the plugin is loaded into the host clang (clang-22, which the wheel's
# plugin was built for); without that clang the runtime falls back to guard pages.
OOB = """
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                  uint i [[thread_position_in_grid]]) {
  C[i] = A[i + 1];
}
"""
have_clang22 = Path("/usr/lib/llvm-22/bin/clang").exists()
k = runtime.compile_msl(OOB, "shift")
print(f"bounds checks: {k.bounds_check}")
if have_clang22:
    assert k.bounds_check == "exact", k.bounds_check
    x = np.arange(7, dtype=np.float32)
    y = np.zeros(7, np.float32)
    try:
        k(x, y, grid=7, block=7)
    except EnigmaError as exc:
        assert exc.kind == "out_of_bounds", exc
        assert "out-of-bounds read of buffer 'A'" in str(exc), exc
        print(f"exact bounds check: {exc}")
    else:
        raise AssertionError("the out-of-bounds read was not reported")

# No usable host compiler: one clear error naming what is missing. A fresh cache, so nothing is
# served from an earlier compile.
env = {k: v for k, v in os.environ.items()}
env["XDG_CACHE_HOME"] = str(Path(env.get("HOME", "/tmp")) / "no-compiler-cache")
probe = """
import enigma
@enigma.kernel
def add(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]
import numpy as np
a = np.ones(8, np.float32)
try:
    enigma.compile(add)(a, a, a, grid=8, block=8)
except enigma.EnigmaError as exc:
    print(exc)
else:
    print("NO ERROR")
"""
for label, extra in (("ENIGMA_CXX=/nonexistent/clang++", {"ENIGMA_CXX": "/nonexistent/clang++"}),
                     ("no compiler in PATH", {"PATH": str(Path(sys.executable).parent)})):
    out = subprocess.run([sys.executable, "-c", probe], env={**env, **extra},
                         capture_output=True, text=True, timeout=300, check=False)
    msg = out.stdout.strip()
    print(f"{label}: {msg}")
    assert out.returncode == 0 and "NO ERROR" not in msg, (out.stdout, out.stderr)
    assert "compiler" in msg and ("not found" in msg or "no host C++ compiler" in msg), msg
print("wheel smoke test: python ok")
