#!/usr/bin/env bash
# Sets up Enigma (scripts/setup.sh) and runs the main job: compiles the example kernels and runs
# them, printing the results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR="${ENIGMA_BUILD_DIR:-build}"
export ENIGMA_CAPI_LIB="$PWD/$BUILD_DIR/lib/libEnigmaCAPI.so" PYTHONPATH="$PWD/python"
export PATH="$PWD/$BUILD_DIR/bin:$PATH"

"${PYTHON:-python3}" examples/run_examples.py
