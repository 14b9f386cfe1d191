"""CPU runtime: kernels compiled in process by clang's libraries (libEnigmaHostCC.so).

With clang of the module's LLVM version as the host compiler, the runtime runs the kernel's
compile command inside the process instead of starting clang++ (docs/cpu-runtime.md,
"Compiling the MSL"); ENIGMA_CPU_IN_PROCESS=0 goes back to the compiler process. Which path
compiled a kernel is visible in enigmaRuntimeCpuGetCompileCounts. Skipped when the module was
not built (no clang development files, or the static wheel build)."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from enigma import EnigmaError, _capi
from enigma import runtime as rt

CLANG = shutil.which("clang++-22")


def _lib() -> ctypes.CDLL:
    lib = _capi.lib()
    lib.enigmaRuntimeCpuGetInProcessCompiler.argtypes = []
    lib.enigmaRuntimeCpuGetInProcessCompiler.restype = ctypes.c_char_p
    lib.enigmaRuntimeCpuGetCompileCounts.argtypes = [
        ctypes.POINTER(ctypes.c_uint64),
        ctypes.POINTER(ctypes.c_uint64),
    ]
    lib.enigmaRuntimeCpuGetCompileCounts.restype = None
    return lib


def module_path() -> str | None:
    old = os.environ.pop("ENIGMA_CPU_IN_PROCESS", None)
    try:
        path = _lib().enigmaRuntimeCpuGetInProcessCompiler()
    finally:
        if old is not None:
            os.environ["ENIGMA_CPU_IN_PROCESS"] = old
    return path.decode() if path else None


pytestmark = pytest.mark.skipif(
    CLANG is None or module_path() is None,
    reason="the in-process compiler (libEnigmaHostCC.so) was not built, or no clang++-22",
)


def counts() -> tuple[int, int]:
    """(compiles in process, compiler processes) so far in this process."""
    a, b = ctypes.c_uint64(), ctypes.c_uint64()
    _lib().enigmaRuntimeCpuGetCompileCounts(ctypes.byref(a), ctypes.byref(b))
    return a.value, b.value


@pytest.fixture(autouse=True)
def _defaults(monkeypatch):
    for var in (
        "ENIGMA_CPU_IN_PROCESS",
        "ENIGMA_CXX",
        "ENIGMA_CPU_CXXFLAGS",
        "ENIGMA_CPU_PCH",
        "ENIGMA_CPU_DIRECT_LINK",
        "ENIGMA_CPU_BOUNDS_CHECK",
        "ENIGMA_CPU_BOUNDS_PLUGIN",
    ):
        monkeypatch.delenv(var, raising=False)


SCALE = """
#include <metal_stdlib>
using namespace metal;

kernel void scale(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
    constant uint& n [[buffer(2)]], uint gid [[thread_position_in_grid]]) {
  if (gid < n) C[gid] = A[gid] * %s + sqrt(A[gid]);
}
"""


def check_scale(k: rt.CpuKernel, factor: float) -> None:
    n = 1000
    a = np.arange(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    k(a, c, n, grid=(n,), block=(128,))
    np.testing.assert_allclose(c, a * np.float32(factor) + np.sqrt(a), rtol=1e-6)


def test_in_process_by_default(tmp_path) -> None:
    before = counts()
    first = rt.compile_msl(SCALE % "2.0f", "scale", cache_dir=tmp_path)  # builds the PCH too
    check_scale(first, 2.0)
    second = rt.compile_msl(SCALE % "3.0f", "scale", cache_dir=tmp_path)  # with the PCH
    check_scale(second, 3.0)
    assert not first.was_cached and not second.was_cached
    assert second.bounds_check == "exact"
    after = counts()
    assert after[0] - before[0] == 2, (before, after)
    assert after[1] == before[1]
    # A cache hit compiles nothing.
    assert rt.compile_msl(SCALE % "3.0f", "scale", cache_dir=tmp_path).was_cached
    assert counts() == after


REAL_SPACES = """
#include <metal_stdlib>
using namespace metal;

float scaled(device const float* p) { return p[0] * 2; }
float scaled(threadgroup const float* p) { return p[0] * 3; }

kernel void k(device float* o [[buffer(0)]], threadgroup float* t [[threadgroup(0)]],
              uint i [[thread_position_in_threadgroup]]) {
  t[i] = o[i];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  o[i] = scaled(o + i) + scaled(t + (i ^ 1u));
}
"""


def test_real_address_spaces_in_process(tmp_path, monkeypatch) -> None:
    # The real mode's C++ for OpenCL command (-x clcpp, the cl-header PCH, overloads by address
    # space, a [[threadgroup(n)]] parameter) compiles in process like the erased mode's.
    monkeypatch.setenv("ENIGMA_CPU_ADDRESS_SPACES", "1")
    before = counts()
    k = rt.compile_msl(REAL_SPACES, "k", cache_dir=tmp_path)
    assert k.bounds_check == "exact"
    after = counts()
    assert after[0] == before[0] + 1 and after[1] == before[1], (before, after)
    o = np.arange(8, dtype=np.float32)
    want = o * 2 + o[np.arange(8) ^ 1] * 3
    k(o, grid=(8,), block=(8,), threadgroup_memory=[32])
    np.testing.assert_array_equal(o, want)
    monkeypatch.setenv("ENIGMA_CPU_ADDRESS_SPACES", "0")  # the erased mode cannot overload them
    with pytest.raises(EnigmaError):
        rt.compile_msl(REAL_SPACES, "k", cache_dir=tmp_path)


def link_counts() -> tuple[int, int]:
    """(links in process, `ld` processes) so far in this process."""
    lib = _lib()
    lib.enigmaRuntimeCpuGetLinkCounts.argtypes = [
        ctypes.POINTER(ctypes.c_uint64),
        ctypes.POINTER(ctypes.c_uint64),
    ]
    lib.enigmaRuntimeCpuGetLinkCounts.restype = None
    a, b = ctypes.c_uint64(), ctypes.c_uint64()
    lib.enigmaRuntimeCpuGetLinkCounts(ctypes.byref(a), ctypes.byref(b))
    return a.value, b.value


def module_has_lld() -> bool:
    path = module_path()
    return path is not None and hasattr(ctypes.CDLL(path), "enigma_hostcc_link")


needs_lld = pytest.mark.skipif(
    not module_has_lld(), reason="libEnigmaHostCC.so was built without lld (liblld-22-dev)"
)

EXP = """
#include <metal_stdlib>
using namespace metal;

kernel void softplus(device const float* x [[buffer(0)]], device float* y [[buffer(1)]],
    uint i [[thread_position_in_grid]]) {
  y[i] = log(1.0f + exp(x[i]));
}
"""


@needs_lld
def test_link_in_process(tmp_path) -> None:
    # The compiled object becomes the kernel's shared object through lld in this process.
    before = link_counts()
    k = rt.compile_msl(SCALE % "8.0f", "scale", cache_dir=tmp_path)
    check_scale(k, 8.0)
    after = link_counts()
    assert after == (before[0] + 1, before[1]), (before, after)
    # A kernel calling exp/log links libm (the loaded one, by path), in process too.
    e = rt.compile_msl(EXP, "softplus", cache_dir=tmp_path)
    assert link_counts() == (after[0] + 1, after[1])
    x = np.linspace(-4, 4, 256, dtype=np.float32)
    y = np.zeros_like(x)
    e(x, y, grid=(256,), block=(64,))
    np.testing.assert_allclose(y, np.log1p(np.exp(x)), rtol=2e-6, atol=1e-7)
    readelf = shutil.which("readelf")
    if readelf:
        dyn = subprocess.run(
            [readelf, "-d", e.library_path], capture_output=True, text=True, check=True
        ).stdout
        assert "libm.so" in dyn
    # A cache hit links nothing.
    assert rt.compile_msl(EXP, "softplus", cache_dir=tmp_path).was_cached
    assert link_counts() == (after[0] + 1, after[1])


STATIC_DESTRUCTOR = """
#include <metal_stdlib>
using namespace metal;
struct Counter { int n; Counter() : n(3) {} ~Counter() { n = 0; } };
static Counter counter;
kernel void k(device int* out [[buffer(0)]], uint i [[thread_position_in_grid]]) {
  out[i] = counter.n + int(i);
}
"""


@needs_lld
def test_static_destructor_is_not_linked_by_lld(tmp_path) -> None:
    # A program-scope object with a destructor (C++, compiled erased) needs the C runtime's
    # start files (__dso_handle): lld would link it without them and the destructor would run
    # after the .so is unloaded, crashing the process at exit. Such objects take the driver's link.
    code = f"""
import ctypes, sys
import numpy as np
sys.path.insert(0, {str(Path(__file__).parent)!r})
import test_runtime_in_process as t
from enigma import runtime as rt
k = rt.compile_msl(t.STATIC_DESTRUCTOR, "k", cache_dir={str(tmp_path)!r})
out = np.zeros(8, np.int32)
k(out, grid=(8,), block=(8,))
assert list(out) == [i + 3 for i in range(8)], out
print("links", *t.link_counts())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert "links 0 " in proc.stdout, proc.stdout


@needs_lld
def test_link_process_without_the_module(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENIGMA_CPU_IN_PROCESS", "0")
    before = link_counts()
    k = rt.compile_msl(SCALE % "9.0f", "scale", cache_dir=tmp_path)
    check_scale(k, 9.0)
    assert link_counts() == (before[0], before[1] + 1)
    # ENIGMA_CPU_DIRECT_LINK=0: the compiler driver links (neither count).
    monkeypatch.delenv("ENIGMA_CPU_IN_PROCESS")
    monkeypatch.setenv("ENIGMA_CPU_DIRECT_LINK", "0")
    k = rt.compile_msl(SCALE % "10.0f", "scale", cache_dir=tmp_path)
    check_scale(k, 10.0)
    assert link_counts() == (before[0], before[1] + 1)


DEFAULT_MODE_KERNELS = {
    # Real by default: overloads by address space.
    "real": REAL_SPACES,
    # C++ for OpenCL rejects the conditional (its third operand is left alone by the source
    # rewrite): the erased fallback.
    "erased-fallback": """
#include <metal_stdlib>
using namespace metal;
kernel void k(device float4* o [[buffer(0)]], threadgroup float* t [[threadgroup(0)]],
              uint i [[thread_position_in_threadgroup]]) {
  t[i] = o[i].x;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  o[i] = (i & 1u) ? o[i] : vec<float, 4>(t[i ^ 1u]);
}
""",
}


@pytest.mark.parametrize("mode", sorted(DEFAULT_MODE_KERNELS))
def test_default_mode_in_process_same_as_the_compiler_process(tmp_path, monkeypatch, mode) -> None:
    """The default address-space mode (real, with the erased fallback) gives the same kernel,
    mode and machine code in process and with a clang process."""
    monkeypatch.delenv("ENIGMA_CPU_ADDRESS_SPACES", raising=False)
    before = counts()
    inproc = rt.compile_msl(DEFAULT_MODE_KERNELS[mode], "k", cache_dir=tmp_path / "a")
    after = counts()
    # The kernel compiles in process: twice for the fallback (real, then erased).
    assert after[0] >= before[0] + (2 if mode == "erased-fallback" else 1), (before, after)
    monkeypatch.setenv("ENIGMA_CPU_IN_PROCESS", "0")
    proc = rt.compile_msl(DEFAULT_MODE_KERNELS[mode], "k", cache_dir=tmp_path / "b")
    assert counts()[0] == after[0]
    assert inproc.address_spaces == proc.address_spaces == mode
    assert _disassembly(inproc.library_path) == _disassembly(proc.library_path)


def test_address_space_mismatch_same_error_in_process(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("ENIGMA_CPU_ADDRESS_SPACES", raising=False)
    src = REAL_SPACES.replace("float scaled(threadgroup const float* p) { return p[0] * 3; }", "")
    errors = []
    for env in ["1", "0"]:
        monkeypatch.setenv("ENIGMA_CPU_IN_PROCESS", env)
        with pytest.raises(EnigmaError) as exc:
            rt.compile_msl(src, "k", cache_dir=tmp_path / env)
        errors.append(str(exc.value).splitlines()[0])
    assert errors[0] == errors[1]
    assert re.fullmatch(r"k\.metal:12:\d+: error: no matching function for call to 'scaled'",
                        errors[0]), errors[0]


def test_env_zero_uses_the_compiler_process(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENIGMA_CPU_IN_PROCESS", "0")
    before = counts()
    k = rt.compile_msl(SCALE % "5.0f", "scale", cache_dir=tmp_path)
    check_scale(k, 5.0)
    after = counts()
    assert after[0] == before[0]
    assert after[1] - before[1] == 1


def test_other_compiler_uses_the_process(tmp_path) -> None:
    gxx = shutil.which("g++")
    if gxx is None:
        pytest.skip("no g++")
    before = counts()
    k = rt.compile_msl(SCALE % "6.0f", "scale", cache_dir=tmp_path, cxx=gxx)
    check_scale(k, 6.0)
    after = counts()
    assert after[0] == before[0]
    assert after[1] > before[1]


def _disassembly(so: str) -> dict[str, list[str]]:
    """The instructions of each function of `so`'s .text, without the addresses: the in-process
    path links with lld and the process with `ld`, which lay the code out differently."""
    objdump = shutil.which("objdump") or shutil.which("llvm-objdump-22")
    if objdump is None:
        pytest.skip("no objdump")
    out = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", "-j", ".text", so],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    functions: dict[str, list[str]] = {}
    body: list[str] | None = None
    for line in out.splitlines():
        head = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if head:
            body = functions.setdefault(head.group(1), [])
        elif body is not None and re.match(r"^\s+[0-9a-f]+:\t", line):
            insn = line.split("\t", 1)[1].split("#", 1)[0]  # objdump's comments name addresses
            insn = re.sub(r"<([^>+]+)(\+0x[0-9a-f]+)?>", r"<\1>", insn)  # targets by name
            insn = re.sub(r"\b[0-9a-f]{3,}\b", "ADDR", insn)  # absolute addresses
            insn = re.sub(r"-?0x[0-9a-f]+\(%rip\)", "REL(%rip)", insn)  # pc-relative offsets
            body.append(insn.strip())
    for body in functions.values():  # the linkers pad between functions differently
        while body and re.match(r"^(data16 |cs )*(nop|int3|xchg +%ax,%ax)", body[-1]):
            body.pop()
    return functions


def test_same_code_as_the_compiler_process(tmp_path, monkeypatch) -> None:
    """The same cc1 job: the kernel's machine code (bounds checks included) is identical."""
    inproc = rt.compile_msl(SCALE % "7.0f", "scale", cache_dir=tmp_path / "a")
    monkeypatch.setenv("ENIGMA_CPU_IN_PROCESS", "0")
    proc = rt.compile_msl(SCALE % "7.0f", "scale", cache_dir=tmp_path / "b")
    assert inproc.bounds_check == proc.bounds_check == "exact"
    assert _disassembly(inproc.library_path) == _disassembly(proc.library_path)


BROKEN = (
    "#include <metal_stdlib>\nusing namespace metal;\n\n"
    "kernel void broken(device float* x [[buffer(0)]], uint i [[thread_position_in_grid]]) {\n"
    "  x[i] = undefined_name;\n}\n"
)


def test_compile_error_is_one_line_with_the_saved_log(tmp_path) -> None:
    before = counts()
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(BROKEN, "broken", cache_dir=tmp_path)
    assert counts()[0] > before[0]  # tried in process first
    assert exc.value.kind == "compile"
    first, second = str(exc.value).split("\n")
    assert re.fullmatch(r"broken\.metal:5:\d+: error: use of undeclared identifier 'undefined_name'", first)
    log = re.search(r"full output: (\S+)\)$", second).group(1)
    assert Path(log).parent == tmp_path / f"cpu-{rt.header_version().split('.')[0]}" / "errors"
    text = Path(log).read_text()
    assert text.startswith("command: ")
    assert "undefined_name" in text and "1 error generated." in text


EXACT = """
#include <metal_stdlib>
using namespace metal;
kernel void shift(device const float* A [[buffer(0)]], device float* C [[buffer(1)]],
                  constant int& off [[buffer(2)]], uint tid [[thread_position_in_grid]]) {
  C[tid] = A[int(tid) + off];
}
"""


def test_exact_bounds_checks_in_process(tmp_path) -> None:
    before = counts()
    k = rt.compile_msl(EXACT, "shift", cache_dir=tmp_path, bounds_check="exact")
    assert k.bounds_check == "exact"
    assert counts()[0] == before[0] + 1 and counts()[1] == before[1]
    a = np.arange(1, 8, dtype=np.float32)
    c = np.full(7, -1, np.float32)
    k(a, c, 0, grid=(7,), block=(7,))
    np.testing.assert_array_equal(c, a)
    # A read in the alignment slack after the end: only the exact check sees it.
    with pytest.raises(EnigmaError) as exc:
        k(a, c, 1, grid=(7,), block=(7,))
    assert exc.value.kind == "out_of_bounds"
    assert str(exc.value) == (
        "kernel 'shift': out-of-bounds read of buffer 'A' ([[buffer(0)]], 28 bytes = 7 elements "
        "of float) at element index 7 (byte offset 28), in threadgroup (0,0,0), thread (6,0,0) of "
        "the threadgroup, thread_position_in_grid (6,0,0), at shift.metal:6:12"
    )
    # A guard-page fault far out (the runtime's own fault handler, alongside clang's crash
    # recovery) is still reported.
    with pytest.raises(EnigmaError) as exc:
        k(a, c, 1 << 24, grid=(7,), block=(7,))
    assert exc.value.kind == "out_of_bounds"


def test_concurrent_compiles(tmp_path) -> None:
    before = counts()
    factors = [11.0, 12.0, 13.0, 14.0]
    results: dict[float, rt.CpuKernel] = {}
    errors: list[BaseException] = []

    def work(f: float) -> None:
        try:
            results[f] = rt.compile_msl(SCALE % f"{f}f", "scale", cache_dir=tmp_path)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f,)) for f in factors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for f in factors:
        check_scale(results[f], f)
    assert counts()[0] - before[0] == len(factors)


# ---------------------------------------------------------------------------------------------
# The module itself: diagnostics as the compiler process prints them, crashes caught.


def _module() -> ctypes.CDLL:
    m = ctypes.CDLL(module_path())
    m.enigma_hostcc_compile.argtypes = [
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_void_p),
    ]
    m.enigma_hostcc_compile.restype = ctypes.c_int
    return m


def compile_in_process(args: list[str]) -> tuple[int, str]:
    argv = (ctypes.c_char_p * (len(args) + 1))(*[a.encode() for a in args], None)
    out = ctypes.c_void_p()
    status = _module().enigma_hostcc_compile(argv, ctypes.byref(out))
    text = ctypes.string_at(out.value).decode() if out.value else ""
    ctypes.CDLL(None).free(out)
    return status, text


def test_module_diagnostics_match_the_compiler_process(tmp_path) -> None:
    src = tmp_path / "bad.cpp"
    src.write_text(
        "int f() { return undefined_name; }\nint g() { return f(1); }\n"
        "int h() { return 1 }\n"
    )
    args = [CLANG, "-std=c++17", "-O2", "-c", "-o", str(tmp_path / "bad.o"), str(src)]
    status, text = compile_in_process(args)
    proc = subprocess.run(args, capture_output=True, text=True)
    assert (status, proc.returncode) == (1, 1)
    assert text == proc.stderr
    assert "3 errors generated." in text
    # The driver's own errors, with its program-name prefix.
    status, text = compile_in_process([CLANG, "-c", "-o", str(tmp_path / "x.o"), str(tmp_path / "missing.cpp")])
    proc = subprocess.run(
        [CLANG, "-c", "-o", str(tmp_path / "x.o"), str(tmp_path / "missing.cpp")],
        capture_output=True,
        text=True,
    )
    assert status == 1 and text == proc.stderr
    assert text.startswith("clang++-22: error: no such file or directory")


@pytest.mark.parametrize(
    ("pragma", "what"),
    [("crash", r"crashed: signal \d+"), ("llvm_fatal_error", "stopped on a fatal error")],
)
def test_module_survives_a_clang_crash(tmp_path, pragma: str, what: str) -> None:
    src = tmp_path / "crash.cpp"
    src.write_text(f"#pragma clang __debug {pragma}\nint x;\n")
    status, text = compile_in_process([CLANG, "-c", "-o", str(tmp_path / "c.o"), str(src)])
    assert status == 2
    assert re.search(rf"clang\+\+-22: error: clang \(in process, .*\) {what}", text), text
    # Still usable afterwards.
    ok = tmp_path / "ok.cpp"
    ok.write_text("int twice(int x) { return 2 * x; }\n")
    assert compile_in_process([CLANG, "-c", "-o", str(tmp_path / "ok.o"), str(ok)]) == (0, "")
    assert (tmp_path / "ok.o").stat().st_size > 0


def test_kernel_crashing_clang_is_a_compile_error(tmp_path) -> None:
    """In process, then (compiled again the usual way) by the compiler process: an error."""
    src = SCALE.replace("#include <metal_stdlib>", "#include <metal_stdlib>\n#pragma clang __debug crash") % "2.0f"
    with pytest.raises(EnigmaError) as exc:
        rt.compile_msl(src, "scale", cache_dir=tmp_path, cxx_flags="-fno-crash-diagnostics")
    assert exc.value.kind == "compile"
    # The process is alive and compiles in process.
    before = counts()
    check_scale(rt.compile_msl(SCALE % "9.0f", "scale", cache_dir=tmp_path), 9.0)
    assert counts()[0] == before[0] + 1


def test_time_trace_in_process(tmp_path) -> None:
    """-ftime-trace works as with the compiler process (cc1_main writes it; so does the module)."""
    trace = tmp_path / "trace.json"
    before = counts()
    k = rt.compile_msl(
        SCALE % "8.0f", "scale", cache_dir=tmp_path / "c", cxx_flags=f"-ftime-trace={trace}"
    )
    check_scale(k, 8.0)
    assert counts()[0] == before[0] + 1
    assert '"traceEvents"' in trace.read_text()


def test_signals_after_an_in_process_compile(tmp_path) -> None:
    """clang's libraries install signal handlers (crash recovery, removing temporary files on
    SIGINT); Ctrl-C still raises KeyboardInterrupt, and a crash elsewhere still kills the process
    with Python's fault handler's traceback."""
    script = f"""
import faulthandler, os, signal, sys, time
faulthandler.enable()
from enigma import runtime as rt
k = rt.compile_msl('''{SCALE % "2.0f"}''', "scale", cache_dir={str(tmp_path)!r})
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(2)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    print("KeyboardInterrupt")
sys.stdout.flush()
import ctypes
ctypes.string_at(0)  # a segfault outside any compile
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "ENIGMA_CACHE_DIR": str(tmp_path)},
        timeout=120,
    )
    assert proc.stdout.strip() == "KeyboardInterrupt", proc.stdout + proc.stderr
    assert proc.returncode == -11, (proc.returncode, proc.stderr)
    assert "Fatal Python error: Segmentation fault" in proc.stderr
