#!/usr/bin/env bash
# Installs what Enigma needs (Debian packages, Python packages) and builds it into build/.
# Idempotent: installed packages are not reinstalled, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

# libclang-22-dev (clang's headers) and libclang-cpp22-dev (libclang-cpp.so): the CPU runtime's
# optional in-process compiler, libEnigmaHostCC.so; liblld-22-dev (lld's archives): its
# in-process link (docs/cpu-runtime.md).
APT_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 cmake ninja-build
              zlib1g-dev libclang-22-dev libclang-cpp22-dev liblld-22-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import numpy, pytest" 2>/dev/null; then
  echo "== installing Python packages from python/requirements.txt"
  "$PYTHON" -m pip install -q --disable-pip-version-check -r python/requirements.txt
fi

if ! "$PYTHON" -m pip show -q nvidia-cutlass nvidia-cuda-cccl-cu12 >/dev/null 2>&1; then
  echo "== installing the layout tests' differential oracles (python/requirements-oracles.txt)"
  "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps -r python/requirements-oracles.txt
fi

LLVM_PREFIX="$(llvm-config-22 --prefix)"
BUILD_DIR="${ENIGMA_BUILD_DIR:-build}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  echo "== configuring $BUILD_DIR"
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" >/dev/null
fi
echo "== building"
ninja -C "$BUILD_DIR" ${ENIGMA_NINJA_FLAGS:-} | tail -n 3
