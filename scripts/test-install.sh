#!/usr/bin/env bash
# Installs the build (cmake --install) into a temporary prefix and checks the installed tree
# (docs/installing.md):
#   - the package files, libraries, tools and headers (with the generated .inc files) are there;
#   - the installed enigma-opt runs;
#   - a kernel compiled and run through the installed libEnigmaCAPI.so (Python package, CPU
#     runtime with exact bounds checks) computes the right result;
#   - examples/downstream builds against the prefix with find_package(Enigma) and passes its
#     smoke test (examples/downstream/test.sh).
# Exits non-zero on any failure. Run by scripts/test.sh after the lit and Python suites.
#
#   scripts/test-install.sh [<build-dir>]     (default: $ENIGMA_BUILD_DIR or build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-${ENIGMA_BUILD_DIR:-build}}"
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/enigma-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

echo "== installing $BUILD_DIR into a temporary prefix"
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; exit 1; }

missing=0
for f in lib/cmake/enigma/EnigmaConfig.cmake lib/cmake/enigma/EnigmaConfigVersion.cmake \
         lib/cmake/enigma/EnigmaTargets.cmake \
         lib/libEnigmaCAPI.so lib/EnigmaBoundsCheck.so lib/libEnigmaLayout.a \
         lib/libMLIREnigma.a lib/libMLIREnigmaTransforms.a lib/libMLIREnigmaGPUToEnigma.a \
         lib/libMLIREnigmaMSL.a lib/libMLIREnigmaTrace.a lib/libMLIREnigmaCompiler.a \
         bin/enigma-opt bin/enigma-translate \
         include/enigma/InitAll.h include/enigma/Conversion/Passes.h \
         include/enigma/Conversion/Passes.h.inc \
         include/enigma/Dialect/Enigma/IR/EnigmaOps.h.inc \
         include/enigma/Dialect/Enigma/Transforms/Passes.h.inc \
         include/enigma-c/Runtime.h include/enigma-c/Compiler.h; do
  if [ ! -e "$prefix/$f" ]; then
    echo "missing from the install tree: $f"
    missing=1
  fi
done
# Every Enigma library archive the build made is installed.
for a in "$BUILD_DIR"/lib/libMLIREnigma*.a; do
  if [ ! -e "$prefix/lib/$(basename "$a")" ]; then
    echo "missing from the install tree: lib/$(basename "$a")"
    missing=1
  fi
done
# The in-process compiler module, when the build made it (clang's development files found).
if [ -e "$BUILD_DIR/lib/libEnigmaHostCC.so" ] && [ ! -e "$prefix/lib/libEnigmaHostCC.so" ]; then
  echo "missing from the install tree: lib/libEnigmaHostCC.so"
  missing=1
fi
[ "$missing" -eq 0 ] || exit 1
echo "installed: $(cd "$prefix" && find . -type f | wc -l) files"

echo "== the installed enigma-opt"
"$prefix/bin/enigma-opt" --version >/dev/null
"$prefix/bin/enigma-opt" examples/downstream/input.mlir \
  --pass-pipeline='builtin.module(convert-gpu-to-enigma)' | grep "enigma.kernel @vadd" >/dev/null

echo "== a kernel through the installed libEnigmaCAPI.so"
HOSTCC_BUILT=$([ -e "$BUILD_DIR/lib/libEnigmaHostCC.so" ] && echo 1 || echo 0) \
ENIGMA_CAPI_LIB="$prefix/lib/libEnigmaCAPI.so" PYTHONPATH="$PWD/python" \
  ENIGMA_CACHE_DIR="$work/kernel-cache" ENIGMA_CPU_BOUNDS_CHECK=exact \
  "${PYTHON:-python3}" - <<'EOF'
import ctypes
import os

import numpy as np

import enigma
from enigma import _capi


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid
    with enigma.if_(enigma.cmp_lt(tid, n)):
        C[tid] = A[tid] + B[tid]


a = np.arange(1000, dtype=np.float32)
b = np.full(1000, 0.5, dtype=np.float32)
for vec_width in (0, 4):
    compiled = enigma.compile(vadd, vec_width=vec_width)
    c = np.zeros_like(a)
    compiled(a, b, c, 1000, grid=1000, block=256)
    assert np.array_equal(c, a + b), f"wrong result with vec_width={vec_width}"
loaded = _capi.lib()._name
assert loaded == os.environ["ENIGMA_CAPI_LIB"], loaded
print(f"vadd (vec_width 0 and 4, exact bounds checks) ran through {loaded}")
if os.environ["HOSTCC_BUILT"] == "1":
    lib = _capi.lib()
    lib.enigmaRuntimeCpuGetInProcessCompiler.restype = ctypes.c_char_p
    module = lib.enigmaRuntimeCpuGetInProcessCompiler().decode()
    assert module == os.path.dirname(loaded) + "/libEnigmaHostCC.so", module
    counts = (ctypes.c_uint64(), ctypes.c_uint64())
    lib.enigmaRuntimeCpuGetCompileCounts(ctypes.byref(counts[0]), ctypes.byref(counts[1]))
    assert counts[0].value >= 1, "no kernel was compiled in process"
    print(f"compiled in process by {module}")
EOF

echo "== examples/downstream against the install tree"
bash examples/downstream/test.sh "$prefix"
