#!/usr/bin/env bash
# Sets up Enigma (scripts/setup.sh) and runs the whole test suite: the lit suite (IR, passes,
# translations, C tests), the Python tests (kernels run on the CPU runtime against numpy), and
# the install check (scripts/test-install.sh: cmake --install into a temporary prefix, a kernel
# through the installed C API, examples/downstream built against the prefix) and the wheel check
# (scripts/test-wheel.sh: pip wheel with static MLIR/LLVM, installed into a fresh venv under /tmp
# and smoke-tested there; ENIGMA_SKIP_WHEEL_TEST=1 skips it for quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR="${ENIGMA_BUILD_DIR:-build}"

echo "== lit suite (check-enigma)"
lit_status=0
ninja -C "$BUILD_DIR" check-enigma || lit_status=$?

echo "== Python tests"
py_status=0
ENIGMA_CAPI_LIB="$PWD/$BUILD_DIR/lib/libEnigmaCAPI.so" PYTHONPATH="$PWD/python" \
  ENIGMA_CACHE_DIR="${ENIGMA_CACHE_DIR:-$PWD/$BUILD_DIR/kernel-cache}" \
  "${PYTHON:-python3}" -m pytest -q python/tests || py_status=$?

echo "== install tree and downstream example"
install_status=0
bash scripts/test-install.sh "$BUILD_DIR" || install_status=$?

echo "== Python wheel (pip wheel, fresh venv, smoke test)"
wheel_status=0
if [ "${ENIGMA_SKIP_WHEEL_TEST:-0}" = "1" ]; then
  echo "skipped (ENIGMA_SKIP_WHEEL_TEST=1)"
else
  bash scripts/test-wheel.sh || wheel_status=$?
fi

if [ "$lit_status" -ne 0 ] || [ "$py_status" -ne 0 ] || [ "$install_status" -ne 0 ] ||
   [ "$wheel_status" -ne 0 ]; then
  echo "FAILED: lit exit $lit_status, pytest exit $py_status, install check exit $install_status," \
       "wheel check exit $wheel_status"
  exit 1
fi
echo "all Enigma tests passed"
