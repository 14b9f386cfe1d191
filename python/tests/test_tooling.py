"""enigma.testing and enigma.benchmark (reference §39).

Detection functions on this host and with a faked platform / PyObjC; the skip decorators on
functions, TestCase methods and TestCase classes, run through unittest's runner and through a
pytest subprocess; the timing harness with callables, a fake prepared kernel and a real kernel
prepared by enigma.MetalRuntime (on the CPU runtime off macOS).
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import types
import unittest

import enigma
import numpy as np
import pytest
from enigma import benchmark, testing

ON_MAC = sys.platform == "darwin"
HAS_CXX = bool(os.environ.get("ENIGMA_CXX")) or any(
    shutil.which(c) for c in ("clang++-22", "clang++", "g++", "c++")
)


@pytest.fixture(autouse=True)
def _fresh_metal_cache(monkeypatch):
    """Each test sees a fresh is_metal_available cache and the automatic backend choice."""
    monkeypatch.delenv("ENIGMA_BACKEND", raising=False)
    testing.is_metal_available.cache_clear()
    yield
    testing.is_metal_available.cache_clear()


@pytest.fixture
def no_backend(monkeypatch, tmp_path):
    """Neither Metal nor the CPU runtime can run a kernel (on any host)."""
    monkeypatch.setattr(testing, "_cached_metal_reason", lambda: "no Metal device (test)")
    monkeypatch.setenv("ENIGMA_CXX", str(tmp_path / "no-such-c++"))


def run_unittest(*classes: type) -> unittest.TestResult:
    suite = unittest.TestSuite(
        unittest.defaultTestLoader.loadTestsFromTestCase(c) for c in classes
    )
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=2).run(suite)
    return result


def fake_metal(device):
    """A stand-in for PyObjC's Metal module whose MTLCreateSystemDefaultDevice gives `device`
    (or raises it, if it is an exception)."""

    def create():
        if isinstance(device, BaseException):
            raise device
        return device

    return types.SimpleNamespace(MTLCreateSystemDefaultDevice=create)


# =============================================================================================
# Detection
# =============================================================================================


@pytest.mark.skipif(ON_MAC, reason="checks a non-macOS host")
def test_detection_on_this_host():
    assert testing.is_darwin() is False
    assert testing.is_apple_silicon() is False
    assert testing.is_metal_available() is False


def test_detection_returns_bools():
    for f in (
        testing.is_darwin,
        testing.is_apple_silicon,
        testing.is_metal_available,
        testing.is_cpu_runtime_available,
    ):
        assert isinstance(f(), bool), f.__name__


@pytest.mark.parametrize(
    ("plat", "machine", "darwin", "apple_silicon"),
    [
        ("darwin", "arm64", True, True),
        ("darwin", "x86_64", True, False),
        ("linux", "arm64", False, False),
        ("linux", "aarch64", False, False),
        ("win32", "AMD64", False, False),
    ],
)
def test_platform_detection_monkeypatched(monkeypatch, plat, machine, darwin, apple_silicon):
    monkeypatch.setattr(sys, "platform", plat)
    monkeypatch.setattr("platform.machine", lambda: machine)
    assert testing.is_darwin() is darwin
    assert testing.is_apple_silicon() is apple_silicon


def test_metal_needs_macos(monkeypatch):
    # Even with importable bindings and a device, no macOS means no Metal.
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setitem(sys.modules, "Metal", fake_metal(object()))
    assert testing.is_metal_available() is False


def test_metal_missing_pyobjc(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setitem(sys.modules, "Metal", None)  # `import Metal` raises ImportError
    assert testing.is_metal_available() is False
    assert "pyobjc-framework-Metal" in testing._cached_metal_reason()


@pytest.mark.parametrize(
    ("device", "available"),
    [(object(), True), (None, False), (RuntimeError("no GPU"), False)],
)
def test_metal_device(monkeypatch, device, available):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setitem(sys.modules, "Metal", fake_metal(device))
    assert testing.is_metal_available() is available


def test_metal_answer_is_cached(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    calls = []

    def create():
        calls.append(1)
        return object()

    monkeypatch.setitem(
        sys.modules, "Metal", types.SimpleNamespace(MTLCreateSystemDefaultDevice=create)
    )
    assert testing.is_metal_available() and testing.is_metal_available()
    assert len(calls) == 1
    monkeypatch.setitem(sys.modules, "Metal", None)
    assert testing.is_metal_available() is True  # still the cached answer
    testing.is_metal_available.cache_clear()
    assert testing.is_metal_available() is False


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_cpu_runtime_available_here():
    assert testing.is_cpu_runtime_available() is True
    assert testing._cpu_runtime_unavailable_reason() is None


def test_cpu_runtime_missing_enigma_cxx(monkeypatch, tmp_path):
    monkeypatch.setenv("ENIGMA_CXX", str(tmp_path / "no-such-c++"))
    assert testing.is_cpu_runtime_available() is False
    assert "ENIGMA_CXX" in testing._cpu_runtime_unavailable_reason()
    monkeypatch.setenv("ENIGMA_CXX", "no-such-c++-in-path")
    assert testing.is_cpu_runtime_available() is False


def test_cpu_runtime_searches_path_like_the_runtime(monkeypatch, tmp_path):
    monkeypatch.delenv("ENIGMA_CXX", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert testing.is_cpu_runtime_available() is False
    reason = testing._cpu_runtime_unavailable_reason()
    assert "no host C++ compiler" in reason and "clang++-22" in reason
    # A non-executable file does not count; an executable one does.
    gxx = tmp_path / "g++"
    gxx.write_text("#!/bin/sh\n")
    assert testing.is_cpu_runtime_available() is False
    gxx.chmod(0o755)
    assert testing.is_cpu_runtime_available() is True
    # ENIGMA_CXX, when set, is the only compiler considered.
    monkeypatch.setenv("ENIGMA_CXX", str(gxx))
    assert testing.is_cpu_runtime_available() is True
    monkeypatch.setenv("ENIGMA_CXX", "clang++-nope")
    assert testing.is_cpu_runtime_available() is False


def test_cpu_runtime_needs_the_native_library(monkeypatch):
    def broken():
        raise enigma.EnigmaError("built without the CPU runtime", kind="unsupported")

    monkeypatch.setattr(enigma.runtime, "_lib", broken)
    assert testing.is_cpu_runtime_available() is False
    assert "built without the CPU runtime" in testing._cpu_runtime_unavailable_reason()


# =============================================================================================
# Decorators
# =============================================================================================


def test_skip_if_no_metal_is_requires_metal():
    assert testing.skip_if_no_metal is testing.requires_metal


def test_decorators_keep_name_and_docstring():
    def test_something(x, *, y=2):
        """Docstring."""
        return x + y

    for deco in (testing.requires_metal, testing.requires_apple_silicon):
        wrapped = deco(test_something)
        assert wrapped.__name__ == "test_something"
        assert wrapped.__doc__ == "Docstring."
        assert wrapped.__wrapped__ is test_something


def test_decorators_reject_non_callables():
    with pytest.raises(TypeError, match="without parentheses"):
        testing.requires_metal(42)
    with pytest.raises(TypeError, match="requires_apple_silicon"):
        testing.requires_apple_silicon("x")


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_runs_function_here():
    @testing.requires_metal
    def body(a, b=1):
        return a + b

    assert body(2, b=3) == 5


def test_requires_metal_skips_function_without_backend(no_backend):
    ran = []

    @testing.requires_metal
    def body():
        ran.append(1)

    with pytest.raises(unittest.SkipTest) as exc:
        body()
    assert not ran
    assert "neither is available" in str(exc.value)
    assert "no Metal device (test)" in str(exc.value)
    assert "no-such-c++" in str(exc.value)


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_decides_when_the_test_runs(monkeypatch, tmp_path):
    ran = []

    @testing.requires_metal
    def body():
        ran.append(1)

    body()
    monkeypatch.setattr(testing, "_cached_metal_reason", lambda: "no Metal device (test)")
    monkeypatch.setenv("ENIGMA_CXX", str(tmp_path / "no-such-c++"))
    with pytest.raises(unittest.SkipTest):
        body()
    monkeypatch.delenv("ENIGMA_CXX")
    body()
    assert ran == [1, 1]


def test_requires_metal_runs_on_metal_without_cpu_runtime(monkeypatch, tmp_path):
    monkeypatch.setattr(testing, "_cached_metal_reason", lambda: None)  # a Metal device
    monkeypatch.setenv("ENIGMA_CXX", str(tmp_path / "no-such-c++"))
    assert testing.requires_metal(lambda: "ran")() == "ran"
    # ... unless ENIGMA_BACKEND=cpu forces the (missing) CPU runtime.
    monkeypatch.setenv("ENIGMA_BACKEND", "cpu")
    with pytest.raises(unittest.SkipTest, match="ENIGMA_BACKEND=cpu"):
        testing.requires_metal(lambda: "ran")()


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_follows_enigma_backend_metal(monkeypatch):
    monkeypatch.setattr(testing, "_cached_metal_reason", lambda: "no Metal device (test)")
    monkeypatch.setenv("ENIGMA_BACKEND", "metal")
    with pytest.raises(unittest.SkipTest, match="ENIGMA_BACKEND=metal"):
        testing.requires_metal(lambda: None)()
    monkeypatch.setenv("ENIGMA_BACKEND", "cpu")
    assert testing.requires_metal(lambda: "ran")() == "ran"


def make_method_case(log):
    class Case(unittest.TestCase):
        @testing.requires_metal
        def test_gated(self):
            """Gated docstring."""
            log.append("gated")

        def test_plain(self):
            log.append("plain")

    return Case


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_method_runs_under_unittest():
    log = []
    result = run_unittest(make_method_case(log))
    assert result.wasSuccessful()
    assert result.testsRun == 2 and not result.skipped
    assert sorted(log) == ["gated", "plain"]


def test_requires_metal_method_skips_under_unittest(no_backend):
    log = []
    Case = make_method_case(log)
    assert Case.test_gated.__name__ == "test_gated"
    assert Case.test_gated.__doc__ == "Gated docstring."
    result = run_unittest(Case)
    assert result.wasSuccessful()
    assert result.testsRun == 2
    assert len(result.skipped) == 1
    test, reason = result.skipped[0]
    assert test.id().endswith("test_gated")
    assert "neither is available" in reason
    assert log == ["plain"]


def make_class_case(log, deco=testing.requires_metal):
    class Base(unittest.TestCase):
        def test_inherited(self):
            log.append("inherited")

    @deco
    class Case(Base):
        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            log.append("setUpClass")

        def helper(self):
            log.append("helper")

        def test_one(self):
            self.helper()
            log.append("one")

        def test_two(self):
            log.append("two")

    return Base, Case


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_class_runs_under_unittest():
    log = []
    _, Case = make_class_case(log)
    result = run_unittest(Case)
    assert result.wasSuccessful()
    assert result.testsRun == 3 and not result.skipped
    assert log[0] == "setUpClass"
    assert sorted(log[1:]) == ["helper", "inherited", "one", "two"]


def test_requires_metal_class_skips_under_unittest(no_backend):
    log = []
    Base, Case = make_class_case(log)
    result = run_unittest(Case)
    assert result.wasSuccessful()
    assert not result.errors and not result.failures
    assert result.skipped  # the class is skipped (setUpClass raises SkipTest)
    assert all("neither is available" in reason for _, reason in result.skipped)
    assert log == []  # neither setUpClass nor any test body ran
    # Each test method is gated too (e.g. when called without the class fixture) ...
    with pytest.raises(unittest.SkipTest):
        Case("test_one").test_one()
    with pytest.raises(unittest.SkipTest):
        Case("test_inherited").test_inherited()
    assert Case.test_one.__name__ == "test_one"
    # ... and the undecorated base class is unchanged.
    result = run_unittest(Base)
    assert result.wasSuccessful() and not result.skipped and log == ["inherited"]


@pytest.mark.skipif(ON_MAC, reason="checks a non-Apple-Silicon host")
def test_requires_apple_silicon_skips_here():
    ran = []

    @testing.requires_apple_silicon
    def body():
        ran.append(1)

    with pytest.raises(unittest.SkipTest, match=r"requires Apple Silicon \(arm64 macOS\)"):
        body()
    assert not ran

    log = []
    _, Case = make_class_case(log, testing.requires_apple_silicon)
    result = run_unittest(Case)
    assert result.wasSuccessful() and result.skipped and log == []


def test_requires_apple_silicon_runs_on_arm64_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("platform.machine", lambda: "arm64")
    assert testing.requires_apple_silicon(lambda: "ran")() == "ran"
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    with pytest.raises(unittest.SkipTest, match="darwin/x86_64"):
        testing.requires_apple_silicon(lambda: "ran")()


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_reference_s39_unittest_example_as_written():
    # §39, as written: the test runs where MetalRuntime can run a kernel (here, on the CPU
    # runtime).
    namespace = {}
    exec(  # noqa: S102 - the reference snippet, run as written
        textwrap.dedent(
            """
            import unittest, enigma

            class TestKernel(unittest.TestCase):
                @enigma.testing.requires_metal
                def test_dispatch(self):
                    ...   # only runs if Metal is available
            """
        ),
        namespace,
    )
    result = run_unittest(namespace["TestKernel"])
    assert result.wasSuccessful()
    assert result.testsRun == 1 and not result.skipped


@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_requires_metal_test_dispatches_a_kernel():
    if not hasattr(enigma, "MetalRuntime"):
        pytest.skip("enigma.MetalRuntime is not available yet")

    class TestKernel(unittest.TestCase):
        @enigma.testing.requires_metal
        def test_dispatch(self):
            compiled = enigma.compile(vector_add)
            n = 300
            a = np.arange(n, dtype=np.float32)
            b = np.full(n, 0.5, np.float32)
            out = enigma.MetalRuntime().execute(
                compiled, [a, b], n * 4, grid=(n, 1, 1), threads=(64, 1, 1)
            )
            np.testing.assert_array_equal(np.frombuffer(out, np.float32), a + b)

    result = run_unittest(TestKernel)
    assert result.wasSuccessful(), result.errors + result.failures
    assert result.testsRun == 1 and not result.skipped


PYTEST_MODULE = '''
import unittest
import pytest
from enigma import testing


@testing.requires_metal
def test_function(tmp_path):
    """Uses a fixture: the wrapper keeps the signature pytest inspects."""
    assert tmp_path.is_dir()


@testing.requires_metal
@pytest.mark.parametrize("x", [1, 2])
def test_parametrized(x):
    assert x in (1, 2)


@testing.skip_if_no_metal
class TestPlainClass:
    def test_a(self):
        pass


@testing.requires_metal
class TestCaseClass(unittest.TestCase):
    def test_b(self):
        pass


class TestCaseMethod(unittest.TestCase):
    @testing.requires_metal
    def test_c(self):
        pass


@testing.requires_apple_silicon
def test_apple_silicon():
    pass
'''


def run_pytest(tmp_path, **env_changes):
    test_file = tmp_path / "test_gated_module.py"
    test_file.write_text(PYTEST_MODULE)
    env = dict(os.environ)
    env.pop("ENIGMA_BACKEND", None)
    env.update(env_changes)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc


@pytest.mark.skipif(ON_MAC, reason="checks a non-Apple-Silicon host")
@pytest.mark.skipif(not HAS_CXX, reason="no host C++ compiler")
def test_decorators_under_pytest_run(tmp_path):
    proc = run_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "6 passed, 1 skipped" in proc.stdout, proc.stdout
    assert "requires Apple Silicon" in proc.stdout


def test_decorators_under_pytest_skip(tmp_path):
    proc = run_pytest(
        tmp_path, ENIGMA_BACKEND="cpu", ENIGMA_CXX=str(tmp_path / "no-such-c++")
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert " passed" not in out and "failed" not in out and "error" not in out, out
    assert re.search(r"\b[67] skipped\b", out), out  # + apple silicon unless on one
    assert "ENIGMA_BACKEND=cpu" in out


# =============================================================================================
# bench
# =============================================================================================


def test_bench_counts_calls_and_forwards_arguments():
    calls = []

    def workload(a, b, *, c):
        calls.append((a, b, c))

    r = benchmark.bench(workload, 1, 2, c=3, repeat=7, warmup=3, label="my-op")
    assert isinstance(r, benchmark.BenchResult)
    assert len(calls) == 10 and set(calls) == {(1, 2, 3)}
    assert r.n == 7 and len(r.samples_us) == 7
    assert r.warmup == 3 and r.label == "my-op"
    assert all(isinstance(s, float) and s >= 0 for s in r.samples_us)


def test_bench_defaults():
    calls = []
    r = benchmark.bench(lambda: calls.append(1))
    assert len(calls) == 55 and r.n == 50 and r.warmup == 5 and r.label == ""
    r = benchmark.bench(lambda: calls.append(1), repeat=1, warmup=0, label=None)
    assert r.n == 1 and r.warmup == 0 and r.label == ""


def test_bench_measures_microseconds():
    r = benchmark.bench(time.sleep, 0.002, repeat=3, warmup=0)
    assert r.min_us >= 1900  # 2 ms, in microseconds
    assert r.max_us < 2_000_000


def test_bench_reference_example():
    def workload():
        sum(range(100))

    r = benchmark.bench(workload, repeat=10, warmup=2, label="my-op")
    line = benchmark.format_bench_result(r)
    assert re.fullmatch(r"my-op: median=\d+\.\dus min=\d+\.\dus max=\d+\.\dus n=10", line), line


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"repeat": 0}, ValueError, "repeat must be >= 1, got 0"),
        ({"repeat": -3}, ValueError, "repeat must be >= 1"),
        ({"warmup": -1}, ValueError, "warmup must be >= 0, got -1"),
        ({"repeat": 2.0}, TypeError, "repeat must be an int, got float"),
        ({"repeat": True}, TypeError, "repeat must be an int, got bool"),
        ({"warmup": "5"}, TypeError, "warmup must be an int, got str"),
        ({"label": 3}, TypeError, "label must be a str or None"),
    ],
)
def test_bench_validates_arguments(kwargs, exc, message):
    calls = []
    with pytest.raises(exc, match=re.escape(message)):
        benchmark.bench(lambda: calls.append(1), **kwargs)
    with pytest.raises(exc, match=re.escape(message)):
        benchmark.bench_gpu(FakePrepared(calls), (1, 1, 1), (1, 1, 1), **kwargs)
    assert calls == []  # nothing ran


def test_bench_rejects_non_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        benchmark.bench(42)


def test_bench_propagates_errors():
    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        benchmark.bench(boom)


# =============================================================================================
# BenchResult and format_bench_result
# =============================================================================================

DOC_SAMPLES = [12.3, 18.4, 10.1, 11.0, 12.3, 11.5, 13.0, 12.0, 14.0, 15.0]


def test_bench_result_fields_and_statistics():
    r = benchmark.BenchResult("my-op", list(DOC_SAMPLES), 2)
    assert (r.label, r.warmup) == ("my-op", 2)
    assert r.n == 10
    assert r.median_us == pytest.approx(12.3)
    assert r.min_us == 10.1 and r.max_us == 18.4
    assert r.mean_us == pytest.approx(sum(DOC_SAMPLES) / 10)
    m = sum(DOC_SAMPLES) / 10
    assert r.stdev_us == pytest.approx(math.sqrt(sum((s - m) ** 2 for s in DOC_SAMPLES) / 9))
    even = benchmark.BenchResult(samples_us=[1.0, 2.0, 10.0, 4.0])
    assert even.median_us == 3.0 and even.label == "" and even.warmup == 0


def test_bench_result_small_sample_counts():
    one = benchmark.BenchResult(samples_us=[5.0])
    assert (one.n, one.median_us, one.min_us, one.max_us, one.mean_us) == (1, 5.0, 5.0, 5.0, 5.0)
    assert one.stdev_us == 0.0
    empty = benchmark.BenchResult()
    assert empty.n == 0 and empty.samples_us == []
    for v in (empty.median_us, empty.min_us, empty.max_us, empty.mean_us, empty.stdev_us):
        assert math.isnan(v)
    assert benchmark.BenchResult().samples_us is not empty.samples_us  # no shared default


def test_format_bench_result_reference_shape():
    r = benchmark.BenchResult(label="my-op", samples_us=list(DOC_SAMPLES), warmup=2)
    assert (
        benchmark.format_bench_result(r) == "my-op: median=12.3us min=10.1us max=18.4us n=10"
    )


def test_format_bench_result_throughput():
    r = benchmark.BenchResult(label="my-op", samples_us=list(DOC_SAMPLES), warmup=2)
    assert (
        benchmark.format_bench_result(r, throughput_gbps=42)
        == "my-op: median=12.3us min=10.1us max=18.4us n=10 42.00 GB/s"
    )
    assert benchmark.format_bench_result(r, throughput_gbps=3.14159).endswith(
        " n=10 3.14 GB/s"
    )
    assert benchmark.format_bench_result(r, throughput_gbps=np.float32(0.5)).endswith(
        " 0.50 GB/s"
    )
    assert benchmark.format_bench_result(r, throughput_gbps=None).endswith(" n=10")


def test_format_bench_result_one_decimal_and_no_label():
    r = benchmark.BenchResult(samples_us=[0.04, 1234567.891, 7.25001])
    assert benchmark.format_bench_result(r) == "median=7.3us min=0.0us max=1234567.9us n=3"


def test_format_bench_result_rejects_bad_arguments():
    with pytest.raises(TypeError, match="must be a BenchResult"):
        benchmark.format_bench_result({"label": "x"})
    r = benchmark.BenchResult(samples_us=[1.0])
    with pytest.raises(TypeError, match="throughput_gbps must be a number"):
        benchmark.format_bench_result(r, throughput_gbps="fast")
    with pytest.raises(TypeError):
        benchmark.format_bench_result(r, 1.0)  # keyword-only


# =============================================================================================
# bench_gpu
# =============================================================================================


class FakePrepared:
    def __init__(self, log):
        self.log = log

    def dispatch(self, grid, threads):
        self.log.append((grid, threads))


def test_bench_gpu_with_a_fake_prepared_kernel():
    log = []
    grid, threads = (1024, 1, 1), (256, 1, 1)
    r = benchmark.bench_gpu(FakePrepared(log), grid, threads, repeat=9, warmup=4, label="vadd")
    assert len(log) == 13
    assert all(g is grid and t is threads for g, t in log)
    assert r.n == 9 and r.warmup == 4 and r.label == "vadd"
    assert all(s >= 0 for s in r.samples_us)
    r = benchmark.bench_gpu(FakePrepared(log), grid=grid, threads=threads)
    assert len(log) == 13 + 55 and r.n == 50 and r.warmup == 5 and r.label == ""


def test_bench_gpu_times_each_dispatch():
    class Slow:
        def dispatch(self, grid, threads):
            time.sleep(0.002)

    r = benchmark.bench_gpu(Slow(), (1, 1, 1), (1, 1, 1), repeat=2, warmup=0)
    assert r.min_us >= 1900


def test_bench_gpu_rejects_objects_without_dispatch():
    with pytest.raises(TypeError, match=r"dispatch\(grid, threads\) method, got int"):
        benchmark.bench_gpu(3, (1, 1, 1), (1, 1, 1))
    with pytest.raises(TypeError, match="PreparedKernel"):
        benchmark.bench_gpu(types.SimpleNamespace(dispatch=None), (1, 1, 1), (1, 1, 1))
    with pytest.raises(TypeError):
        benchmark.bench_gpu(FakePrepared([]), (1, 1, 1), (1, 1, 1), 5)  # keyword-only


@enigma.kernel
def vector_add(A: enigma.f32, B: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid
    C[tid] = A[tid] + B[tid]


@testing.requires_metal
def test_bench_gpu_with_a_real_prepared_kernel():
    if not hasattr(enigma, "MetalRuntime"):
        pytest.skip("enigma.MetalRuntime is not available yet")
    n = 1000
    rng = np.random.default_rng(39)
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    compiled = enigma.compile(vector_add)
    rt = enigma.MetalRuntime()
    prepared = rt.prepare(compiled, [a, b], n * 4)
    try:
        r = benchmark.bench_gpu(
            prepared, grid=(n, 1, 1), threads=(256, 1, 1), repeat=5, warmup=2, label="vector_add"
        )
        assert r.n == 5 and r.warmup == 2 and r.label == "vector_add"
        assert all(s > 0 for s in r.samples_us)
        np.testing.assert_array_equal(np.frombuffer(prepared.read_output(), np.float32), a + b)
        line = benchmark.format_bench_result(r, throughput_gbps=3 * n * 4 / (r.median_us * 1e3))
        assert line.startswith("vector_add: median=") and line.endswith(" GB/s")
    finally:
        prepared.release()

    # bench over the one-shot execute, with its keyword arguments forwarded.
    r = benchmark.bench(
        rt.execute, compiled, [a, b], n * 4, grid=(n, 1, 1), threads=(256, 1, 1),
        repeat=2, warmup=1,
    )  # fmt: skip
    assert r.n == 2
