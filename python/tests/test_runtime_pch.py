"""CPU runtime: the precompiled Metal-compatibility header (PCH) in the kernel cache.

Kernels compiled by clang use a PCH built once per cache, header version, compiler and flags
(docs/cpu-runtime.md); a PCH that cannot be built or used never fails a compile."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from enigma import EnigmaError
from enigma import runtime as rt

pytestmark = pytest.mark.skipif(
    not (shutil.which("clang++-22") or shutil.which("clang++")),
    reason="the PCH is used with clang only",
)

TEMPLATE = """
#include <metal_stdlib>
using namespace metal;

kernel void k(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    constant uint& n [[buffer(2)]], uint gid [[thread_position_in_grid]]) {
  if (gid < n) C[gid] = A[gid] * %s;
}
"""


def kernel(factor: str, cache, **kw) -> rt.CpuKernel:
    return rt.compile_msl(TEMPLATE % factor, "k", cache_dir=cache, **kw)


def check(k: rt.CpuKernel, factor: float) -> None:
    n = 100
    a = np.arange(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    k(a, c, n, grid=(n,), block=(32,))
    np.testing.assert_array_equal(c, a * np.float32(factor))


def pch_files(cache) -> list:
    root = cache / f"cpu-{rt.header_version().split('.')[0]}"
    return sorted(root.glob(f"pch-{rt.header_version()}/*.pch"))


def failed_markers(cache) -> list:
    root = cache / f"cpu-{rt.header_version().split('.')[0]}"
    return sorted(root.glob(f"pch-{rt.header_version()}/*.failed"))


@pytest.fixture(autouse=True)
def _pch_on(monkeypatch):
    monkeypatch.delenv("ENIGMA_CPU_PCH", raising=False)
    monkeypatch.delenv("ENIGMA_CXX", raising=False)
    monkeypatch.delenv("ENIGMA_CPU_CXXFLAGS", raising=False)


def test_second_kernel_reuses_the_pch(tmp_path) -> None:
    first = kernel("2.0f", tmp_path)
    check(first, 2.0)
    (pch,) = pch_files(tmp_path)
    stamp = os.stat(pch).st_mtime_ns
    second = kernel("3.0f", tmp_path)
    assert not second.was_cached
    check(second, 3.0)
    assert pch_files(tmp_path) == [pch]
    assert os.stat(pch).st_mtime_ns == stamp
    assert not failed_markers(tmp_path)


def test_pch_per_bounds_mode_and_flags(tmp_path) -> None:
    """The header means something else with exact checks, and the PCH must match the
    flags: each combination gets its own."""
    check(kernel("2.0f", tmp_path, bounds_check="guard"), 2.0)
    assert len(pch_files(tmp_path)) == 1
    k = kernel("2.0f", tmp_path, bounds_check="guard", cxx_flags="-O1")
    check(k, 2.0)
    assert len(pch_files(tmp_path)) == 2
    if (
        rt.compile_msl(TEMPLATE % "1.0f", "k", cache_dir=tmp_path).bounds_check
        == "exact"
    ):
        assert len(pch_files(tmp_path)) == 3


def test_exact_checks_still_catch_out_of_bounds_with_the_pch(tmp_path) -> None:
    k = kernel("2.0f", tmp_path)
    if k.bounds_check != "exact":
        pytest.skip("no bounds-check plugin in this build")
    assert len(pch_files(tmp_path)) == 1
    n = 100
    a = np.arange(n, dtype=np.float32)
    c = np.zeros(n // 2, np.float32)
    with pytest.raises(EnigmaError, match="out-of-bounds"):
        k(a, c, n, grid=(n,), block=(32,))


def test_corrupt_pch_falls_back_to_a_plain_compile(tmp_path) -> None:
    check(kernel("2.0f", tmp_path), 2.0)
    (pch,) = pch_files(tmp_path)
    pch.write_bytes(b"not a precompiled header\n" * 100)
    k = kernel("5.0f", tmp_path)
    assert not k.was_cached
    check(k, 5.0)
    # The bad file is retired: later kernels compile without trying it again.
    assert not pch.exists()
    assert len(failed_markers(tmp_path)) == 1
    check(kernel("6.0f", tmp_path), 6.0)
    assert not pch_files(tmp_path)


def test_pch_that_cannot_be_built_falls_back(tmp_path) -> None:
    """A PCH build that fails (here: the pch directory is a file) is not an error."""
    root = tmp_path / f"cpu-{rt.header_version().split('.')[0]}"
    root.mkdir(parents=True)
    (root / f"pch-{rt.header_version()}").write_text("in the way")
    check(kernel("7.0f", tmp_path), 7.0)


def test_compile_errors_are_reported_as_without_the_pch(tmp_path) -> None:
    check(kernel("2.0f", tmp_path), 2.0)
    with pytest.raises(EnigmaError, match="host compiler failed") as info:
        kernel("undefined_name", tmp_path)
    assert "undefined_name" in str(info.value)
    assert "-include-pch" not in str(info.value)
    # An error in the kernel says nothing about the PCH.
    assert len(pch_files(tmp_path)) == 1 and not failed_markers(tmp_path)


def test_pch_can_be_disabled(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENIGMA_CPU_PCH", "0")
    check(kernel("2.0f", tmp_path), 2.0)
    assert not pch_files(tmp_path)


def test_gcc_gets_no_pch(tmp_path) -> None:
    if not shutil.which("g++"):
        pytest.skip("no g++")
    check(kernel("2.0f", tmp_path, cxx="g++"), 2.0)
    assert not pch_files(tmp_path)


def test_concurrent_processes_share_one_pch(tmp_path) -> None:
    """Processes compiling into a new cache at once may all build the PCH: each installs a
    complete file by rename, every kernel is right, no temporary file is left."""
    import subprocess
    import sys

    package = os.path.dirname(os.path.dirname(rt.__file__))
    script = (
        "import sys, numpy as np\n"
        f"sys.path[:0] = [{package!r}]\n"
        "from enigma import runtime as rt\n"
        "f = float(sys.argv[1])\n"
        f"src = {TEMPLATE!r}.replace('%s', repr(f) + 'f')\n"
        f"k = rt.compile_msl(src, 'k', cache_dir={str(tmp_path)!r})\n"
        "a = np.arange(64, dtype=np.float32); c = np.zeros(64, np.float32)\n"
        "k(a, c, 64, grid=(64,), block=(32,))\n"
        "assert np.array_equal(c, a * np.float32(f)), c\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(i + 2)], stderr=subprocess.PIPE
        )
        for i in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert len(pch_files(tmp_path)) == 1
    assert not failed_markers(tmp_path)
    assert not list(pch_files(tmp_path)[0].parent.glob("*.tmp"))
    check(kernel("9.0f", tmp_path), 9.0)


NEEDS_CXX_RUNTIME = """
#include <metal_stdlib>
using namespace metal;

static float scale(float x) {
  static float s = x * 2.0f;  // a guarded static: __cxa_guard_acquire from the C++ runtime
  return s;
}

kernel void k(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    constant uint& n [[buffer(2)]], uint gid [[thread_position_in_grid]]) {
  if (gid < n) C[gid] = A[gid] * scale(1.5f);
}
"""


def test_kernel_needing_the_cxx_runtime_links_the_usual_way(tmp_path) -> None:
    """Kernels are linked without libstdc++ first; one that needs it is compiled again with
    it, and that says nothing against the PCH."""
    check(kernel("2.0f", tmp_path), 2.0)
    (pch,) = pch_files(tmp_path)
    k = rt.compile_msl(NEEDS_CXX_RUNTIME, "k", cache_dir=tmp_path)
    check(k, 3.0)
    assert pch_files(tmp_path) == [pch] and not failed_markers(tmp_path)


STATIC_OBJECT = """
#include <metal_stdlib>
using namespace metal;
struct Counter { int n; Counter() : n(3) {} ~Counter() { n = 0; } };
static Counter counter;  // needs __dso_handle and __cxa_atexit from the C runtime
kernel void k(device int* out [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  out[i] = counter.n + int(i);
}
"""


@pytest.mark.parametrize("direct", ["1", "0"])
def test_direct_link_and_its_fallback(tmp_path, monkeypatch, direct) -> None:
    # With clang the kernel is compiled to an object and linked by `ld` itself; a kernel that
    # needs a symbol only the C/C++ runtime objects define is linked again through the driver.
    # ENIGMA_CPU_DIRECT_LINK=0 always links through the driver. Both give the same results.
    monkeypatch.setenv("ENIGMA_CPU_DIRECT_LINK", direct)
    # A program-scope object with a destructor is C++, not Metal: the real address-space mode
    # (C++ for OpenCL) rejects it (test_address_spaces.py), so this link test uses the erased mode
    # (the default mode gets there through the erased fallback, test_address_spaces.py).
    monkeypatch.setenv("ENIGMA_CPU_ADDRESS_SPACES", "0")
    check(kernel("2.0f", tmp_path), 2.0)
    k = rt.compile_msl(STATIC_OBJECT, "k", cache_dir=tmp_path)
    out = np.zeros(8, np.int32)
    k(out, grid=(8,), block=(8,))
    np.testing.assert_array_equal(out, np.arange(8) + 3)
    root = tmp_path / f"cpu-{rt.header_version().split('.')[0]}"
    assert not list(root.glob("tmp/*/kernel.o"))  # no scratch left behind


EXP_KERNEL = """
#include <metal_stdlib>
using namespace metal;
kernel void e(device const float* x [[buffer(0)]], device float* y [[buffer(1)]],
              uint i [[thread_position_in_grid]]) {
  y[i] = exp(x[i]) + powr(x[i] * x[i] + 1.0f, 0.5f);
}
"""


def test_direct_link_binds_libm_by_version(tmp_path, monkeypatch) -> None:
    # A kernel that calls exp/log/pow is linked against libm (as needed), so expf & co. bind
    # to their current symbol versions, not to glibc's oldest compatibility wrappers; a kernel
    # without them is linked without reading libm and does not depend on it.
    monkeypatch.delenv("ENIGMA_CPU_DIRECT_LINK", raising=False)
    k = rt.compile_msl(EXP_KERNEL, "e", cache_dir=tmp_path)
    x = np.linspace(-2, 2, 64, dtype=np.float32)
    y = np.zeros_like(x)
    k(x, y, grid=(64,), block=(32,))
    np.testing.assert_allclose(y, np.exp(x) + np.sqrt(x * x + 1), rtol=1e-6)
    lib = open(k.library_path, "rb").read()
    assert b"libm.so.6" in lib and b"GLIBC_2." in lib
    plain = kernel("2.0f", tmp_path)
    assert b"libm.so.6" not in open(plain.library_path, "rb").read()
