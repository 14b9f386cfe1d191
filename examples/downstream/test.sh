#!/usr/bin/env bash
# Smoke test of an installed Enigma (docs/installing.md): configures and builds this downstream
# project against the install prefix, then
#   - runs the RUN lines of input.mlir (downstream-opt | FileCheck), which check that
#     downstream-pipeline turns the gpu.func kernels into vectorized (vector<4xf32>) enigma.kernels;
#   - runs downstream-capi, a C program on the installed libEnigmaCAPI.so that compiles and runs a
#     kernel on the CPU runtime with exact bounds checks.
#
#   examples/downstream/test.sh <enigma-install-prefix> [<build-dir>]
#
# Without <build-dir> the project is built in a temporary directory that is removed afterwards.
# Environment: LLVM_CONFIG (default llvm-config-22), JOBS (default 2), CC/CXX (default clang-22
# and clang++-22 when present).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 <enigma-install-prefix> [<build-dir>]" >&2
  exit 2
fi
prefix="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$prefix/lib/cmake/enigma/EnigmaConfig.cmake" ]; then
  echo "$0: no lib/cmake/enigma/EnigmaConfig.cmake under $prefix (run cmake --install first)" >&2
  exit 1
fi

if [ $# -eq 2 ]; then
  build="$2"
  mkdir -p "$build"
else
  build="$(mktemp -d "${TMPDIR:-/tmp}/enigma-downstream.XXXXXX")"
  trap 'rm -rf "$build"' EXIT
fi
build="$(cd "$build" && pwd)"

llvm_prefix="$("${LLVM_CONFIG:-llvm-config-22}" --prefix)"
filecheck="$llvm_prefix/bin/FileCheck"

compilers=()
if [ -z "${CC:-}" ] && command -v clang-22 >/dev/null; then
  compilers+=(-DCMAKE_C_COMPILER=clang-22)
fi
if [ -z "${CXX:-}" ] && command -v clang++-22 >/dev/null; then
  compilers+=(-DCMAKE_CXX_COMPILER=clang++-22)
fi

echo "== configuring the downstream project against $prefix"
# Only the install prefix: find_package(Enigma) must find MLIR by itself.
cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${compilers[@]}" >"$build/configure.log" ||
  { cat "$build/configure.log"; exit 1; }
grep -E "Using (Enigma|MLIR)Config" "$build/configure.log"
if ! grep -q "Using EnigmaConfig.cmake in: $prefix/" "$build/configure.log"; then
  echo "$0: the project did not use the Enigma installed in $prefix" >&2
  exit 1
fi

echo "== building"
ninja -C "$build" -j "${JOBS:-2}" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
tail -n 1 "$build/build.log"

echo "== downstream-opt (the RUN lines of input.mlir)"
status=0
while IFS= read -r run; do
  # Tools by absolute path: the ones just built and LLVM 22's FileCheck.
  cmd="${run//%s/$here/input.mlir}"
  cmd="${cmd//downstream-opt /$build/downstream-opt }"
  cmd="${cmd//FileCheck /$filecheck }"
  echo "RUN: $run"
  if ! bash -o pipefail -c "$cmd"; then
    echo "FAILED: $cmd" >&2
    status=1
  fi
done < <(sed -n 's|^// RUN: ||p' "$here/input.mlir")

echo "== downstream-capi (libEnigmaCAPI.so from $prefix)"
# The kernel cache goes in the build directory, not the user's.
if ! ldd "$build/downstream-capi" | grep "$prefix/lib/libEnigmaCAPI.so" >/dev/null; then
  echo "$0: downstream-capi does not load $prefix/lib/libEnigmaCAPI.so:" >&2
  ldd "$build/downstream-capi" >&2
  status=1
fi
ENIGMA_CACHE_DIR="$build/kernel-cache" "$build/downstream-capi" | tee "$build/capi.out" || status=1
grep -q "bounds check exact, 0 of 1000 results wrong" "$build/capi.out" || status=1

if [ "$status" -ne 0 ]; then
  echo "FAILED: the downstream example against $prefix"
  exit 1
fi
echo "the downstream example works against $prefix"
