"""The command line: python -m enigma (compile, run-msl, info, cache clear)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def enigma_cli(*args: str, cwd: Path | None = None, env: dict | None = None):
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", str(ROOT / "python"))
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "enigma", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=300, check=False)


KERNEL = '''
import enigma

@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]

@enigma.kernel
def bad(A: enigma.f32):
    A[0] = enigma.where(A[0], A[1], A[2])

not_a_kernel = 3
'''

OOB = """
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                  uint i [[thread_position_in_grid]]) {
  C[i] = A[i + 1];
}
"""


def test_help_lists_every_command():
    out = enigma_cli("--help")
    assert out.returncode == 0
    for cmd in ("compile", "run-msl", "info", "cache"):
        assert cmd in out.stdout
    for cmd, flags in (("compile", ("--vec-width", "--out", "--dump-mlir", "--dump-ir")),
                       ("run-msl", ("--grid", "--block", "--elements"))):
        sub = enigma_cli(cmd, "--help")
        assert sub.returncode == 0 and all(f in sub.stdout for f in flags)


def test_compile_writes_the_metal_file(tmp_path):
    (tmp_path / "k.py").write_text(KERNEL)
    out = enigma_cli("compile", "k.py::vadd", "--out", "build/msl", "--vec-width", "4",
                     "--dump-mlir", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    written = tmp_path / "build" / "msl" / "enigma_kernel_vadd.metal"
    assert out.stdout.splitlines()[-1] == str(written)
    assert "kernel void enigma_kernel_vadd" in written.read_text()
    assert "enigma.kernel" in out.stdout  # --dump-mlir


@pytest.mark.parametrize("spec,message", [
    ("k.py::nope", "k.py has no 'nope'; its kernels: vadd, bad"),
    ("k.py", "expected FILE.py::KERNEL"),
    ("missing.py::vadd", "missing.py: no such file"),
    ("k.py::not_a_kernel", "is not an @enigma.kernel or @enigma.jit function"),
])
def test_compile_errors_are_one_line(tmp_path, spec, message):
    (tmp_path / "k.py").write_text(KERNEL)
    out = enigma_cli("compile", spec, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.startswith("enigma: error: ") and message in out.stderr.splitlines()[0]


def test_compile_error_in_the_kernel_names_the_line(tmp_path):
    (tmp_path / "k.py").write_text(KERNEL)
    out = enigma_cli("compile", "k.py::bad", cwd=tmp_path)
    assert out.returncode == 1
    assert "k.py:11:" in out.stderr and "condition (the third argument)" in out.stderr


def test_usage_errors_exit_2():
    assert enigma_cli("frobnicate").returncode == 2
    assert enigma_cli("compile", "x.py::k", "--vec-width", "3").returncode == 2
    assert enigma_cli("run-msl", "f.metal", "k", "--grid", "0").returncode == 2


def test_run_msl_checks_hand_written_metal(tmp_path):
    (tmp_path / "k.metal").write_text(OOB)
    out = enigma_cli("run-msl", "k.metal", "shift", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "buffer   float        A [[buffer(0)]]" in out.stdout
    ran = enigma_cli("run-msl", "k.metal", "shift", "--grid", "64", "--elements", "64",
                     cwd=tmp_path)
    assert ran.returncode == 1
    assert "out-of-bounds read of buffer 'A'" in ran.stderr
    missing = enigma_cli("run-msl", "k.metal", "nope", cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.startswith("enigma: error: ")


def test_info_and_cache_clear(tmp_path):
    cache = tmp_path / "cache"
    env = {"ENIGMA_CACHE_DIR": str(cache)}
    (tmp_path / "k.py").write_text(KERNEL)
    assert enigma_cli("compile", "k.py::vadd", "--out", ".", cwd=tmp_path, env=env).returncode == 0
    info = enigma_cli("info", env=env)
    assert info.returncode == 0
    import enigma

    assert f"enigma {enigma.__version__}" in info.stdout and enigma.__version__ != "unknown"
    assert "backends: metal" in info.stdout and f"cache: {cache}" in info.stdout
    assert "address spaces: " in info.stdout
    erased = enigma_cli("info", env={**env, "ENIGMA_CPU_ADDRESS_SPACES": "0"})
    assert "address spaces: erased (ENIGMA_CPU_ADDRESS_SPACES=0)" in erased.stdout
    assert cache.exists()
    cleared = enigma_cli("cache", "clear", env=env)
    assert cleared.returncode == 0 and not cache.exists()
    assert "nothing to remove" in enigma_cli("cache", "clear", env=env).stdout
