#!/usr/bin/env bash
# Builds Enigma's Python wheel from the source tree (pip wheel: scikit-build-core, CMake with
# ENIGMA_STATIC_LLVM; pyproject.toml), installs it into a fresh venv under /tmp and smoke-tests
# it there with no ENIGMA_* variables and outside the source tree: the native files have no
# LLVM/MLIR run-time dependency, the bounds-check plugin carries no LLVM of its own, the seed
# vector-add example compiles and runs on the CPU runtime (exact bounds checks with clang-22), a
# missing host compiler is reported, and the enigma, enigma-opt and enigma-translate commands.
#
# Usage: scripts/test-wheel.sh [WORK_DIR]   (default: a new directory under /tmp, removed after
# success; kept on failure for inspection). ENIGMA_WHEEL_JOBS sets the build's parallelism
# (default 2). Timings are printed at the end.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="${1:-}"
keep=1
if [ -z "$WORK" ]; then
  WORK="$(mktemp -d /tmp/enigma-wheel.XXXXXX)"
  keep=0
fi
mkdir -p "$WORK"
fail() { echo "test-wheel: FAILED: $*" >&2; echo "test-wheel: work directory kept: $WORK" >&2; exit 1; }

# The smoke test must not see the development environment.
clean_env=(env -i "HOME=$WORK/home" "PATH=$WORK/venv/bin:/usr/local/bin:/usr/bin:/bin"
           "LANG=C.UTF-8" "TMPDIR=${TMPDIR:-/tmp}")
mkdir -p "$WORK/home"

echo "== building the wheel (pip wheel, build dir $WORK/build)"
t0=$(date +%s)
if ! CMAKE_BUILD_PARALLEL_LEVEL="${ENIGMA_WHEEL_JOBS:-2}" \
     "$PYTHON" -m pip wheel --disable-pip-version-check --no-deps -w "$WORK/dist" \
     -Cbuild-dir="$WORK/build" "$SRC" >"$WORK/wheel-build.log" 2>&1; then
  tail -n 40 "$WORK/wheel-build.log" >&2
  fail "pip wheel (log: $WORK/wheel-build.log)"
fi
t1=$(date +%s)
wheel="$(ls "$WORK"/dist/enigma-*.whl)"
wheel_kb=$(( $(stat -c %s "$wheel") / 1024 ))
echo "built $(basename "$wheel"): ${wheel_kb} KiB in $((t1 - t0)) s"

echo "== installing it into a fresh venv ($WORK/venv)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel" \
  || fail "pip install of the wheel"
t2=$(date +%s)
site="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
pkg="$site/enigma"
for f in libEnigmaCAPI.so EnigmaBoundsCheck.so __init__.py cli.py; do
  [ -f "$pkg/$f" ] || fail "$pkg/$f missing from the installed package"
done
for tool in enigma enigma-opt enigma-translate; do
  [ -x "$WORK/venv/bin/$tool" ] || fail "$tool not installed into $WORK/venv/bin"
done

echo "== run-time dependencies (no libMLIR/libLLVM)"
for f in "$pkg/libEnigmaCAPI.so" "$WORK/venv/bin/enigma-opt" "$WORK/venv/bin/enigma-translate"; do
  deps="$(ldd "$f")"
  if grep -Eq 'libMLIR|libLLVM|not found' <<<"$deps"; then
    echo "$deps" >&2
    fail "$(basename "$f") needs LLVM/MLIR shared libraries (or a missing library)"
  fi
  echo "$(basename "$f"): $(awk '{print $1}' <<<"$deps" | tr '\n' ' ')"
done
# The plugin runs inside the host clang: LLVM stays undefined there and resolves to clang's.
plugin="$pkg/EnigmaBoundsCheck.so"
if readelf -d "$plugin" | grep -Eq 'NEEDED.*lib(LLVM|MLIR)'; then
  fail "EnigmaBoundsCheck.so links a libLLVM itself"
fi
undefined_llvm=$(nm -D --undefined-only "$plugin" | grep -c '_ZN4llvm' || true)
[ "$undefined_llvm" -gt 0 ] || fail "EnigmaBoundsCheck.so has no undefined LLVM symbols: it carries its own LLVM"
plugin_kb=$(( $(stat -c %s "$plugin") / 1024 ))
[ "$plugin_kb" -lt 2048 ] || fail "EnigmaBoundsCheck.so is ${plugin_kb} KiB: it carries its own LLVM"
echo "EnigmaBoundsCheck.so: ${plugin_kb} KiB, ${undefined_llvm} LLVM symbols left to the host clang"

echo "== smoke test in the venv (outside the source tree, no ENIGMA_* variables)"
cd "$WORK/home"
cp "$SRC/scripts/wheel-smoke.py" "$WORK/home/"
"${clean_env[@]}" "$WORK/venv/bin/python" wheel-smoke.py "$site" || fail "wheel-smoke.py"

echo "== the installed commands"
cat > "$WORK/home/kernels.py" <<'PY'
import enigma

@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]
PY
cat > "$WORK/home/shift.metal" <<'METAL'
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                  uint i [[thread_position_in_grid]]) {
  C[i] = A[i + 1];
}
METAL
run() { "${clean_env[@]}" "$@"; }
run enigma --help >/dev/null || fail "enigma --help"
run enigma compile kernels.py::vadd --vec-width 4 --out msl >"$WORK/compile.out" \
  || fail "enigma compile"
grep -q '\.metal$' "$WORK/compile.out" && [ -f "$(head -n1 "$WORK/compile.out")" ] \
  || fail "enigma compile wrote no .metal file"
run enigma info >"$WORK/info.out" || fail "enigma info"
cat "$WORK/info.out"
version="$("$WORK/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("enigma"))')"
grep -qx "enigma $version" "$WORK/info.out" || fail "enigma info does not report version $version"
grep -q "^native library: $pkg/libEnigmaCAPI.so" "$WORK/info.out" \
  || fail "enigma info: the native library is not the installed one"
run python -m enigma info | cmp -s - "$WORK/info.out" || fail "python -m enigma info differs from enigma info"
run enigma run-msl shift.metal shift >/dev/null || fail "enigma run-msl (compile only)"
set +e
run enigma run-msl shift.metal shift --grid 64 --elements 64 >/dev/null 2>"$WORK/oob.err"
status=$?
set -e
[ "$status" -eq 1 ] && [ "$(wc -l <"$WORK/oob.err")" -eq 1 ] && grep -q '^enigma: error: .*out-of-bounds' "$WORK/oob.err" \
  || { cat "$WORK/oob.err" >&2; fail "enigma run-msl: expected one out-of-bounds error line, exit 1 (got $status)"; }
run enigma cache clear >/dev/null || fail "enigma cache clear"
run enigma-opt --help >/dev/null || fail "enigma-opt --help"
run enigma-translate --help >/dev/null || fail "enigma-translate --help"
# The tools really work: the trace-to-MSL path of the README, with the installed tools only.
run enigma compile kernels.py::vadd --dump-mlir --out msl >"$WORK/mlir.out" || fail "enigma compile --dump-mlir"
# (Into a file, not a pipe: `grep -q` quits at the first match, and with pipefail the writer's
# SIGPIPE would fail the check.)
run enigma-translate --help >"$WORK/translate-help.out" || fail "enigma-translate --help"
grep -q -- '--to-msl' "$WORK/translate-help.out" || fail "enigma-translate has no --to-msl"
t3=$(date +%s)

echo "wheel: $(basename "$wheel"), ${wheel_kb} KiB; build $((t1 - t0)) s, install $((t2 - t1)) s, checks $((t3 - t2)) s"
if [ "$keep" -eq 0 ]; then
  rm -rf "$WORK"
fi
echo "wheel test passed"
