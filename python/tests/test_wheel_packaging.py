"""Packaging (issue 18): pyproject.toml agrees with the C library's version, the package finds
its native library inside itself first, and the command line's additions for the installed
`enigma` command. The wheel itself is built and smoke-tested by scripts/test-wheel.sh."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import enigma
from enigma import _capi

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", str(ROOT / "python"))
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "enigma", *args], env=e, capture_output=True,
                          text=True, timeout=300, check=False)


def test_pyproject_version_comes_from_version_h():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text
    assert 'metadata.version.input = "include/enigma-c/Version.h"' in text
    regex = re.search(r"metadata\.version\.regex = '(.*)'", text).group(1)
    header = (ROOT / "include/enigma-c/Version.h").read_text()
    m = re.search(regex.replace("(?P<value>", "("), header)
    assert m, "pyproject's version regex does not match Version.h"
    assert m.group(1) == enigma.__version__


def test_console_script_is_the_cli():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'enigma = "enigma.cli:main"' in text


def test_installed_library_is_preferred(tmp_path, monkeypatch):
    fake_pkg = tmp_path / "site-packages" / "enigma"
    fake_pkg.mkdir(parents=True)
    (fake_pkg / "libEnigmaCAPI.so").write_bytes(b"")
    monkeypatch.delenv("ENIGMA_CAPI_LIB", raising=False)
    monkeypatch.setattr(_capi, "_PKG_DIR", fake_pkg)
    assert _capi.library_path() == fake_pkg / "libEnigmaCAPI.so"
    monkeypatch.setenv("ENIGMA_CAPI_LIB", "/some/where/libEnigmaCAPI.so")
    assert _capi.library_path() == Path("/some/where/libEnigmaCAPI.so")


def test_missing_installed_library_says_reinstall(tmp_path, monkeypatch):
    fake_pkg = tmp_path / "site-packages" / "enigma"
    fake_pkg.mkdir(parents=True)
    monkeypatch.delenv("ENIGMA_CAPI_LIB", raising=False)
    monkeypatch.setattr(_capi, "_PKG_DIR", fake_pkg)
    assert _capi.library_path() == fake_pkg / "libEnigmaCAPI.so"


def test_version_flag():
    out = _cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"enigma {enigma.__version__}"


def test_run_msl_help_has_race_check():
    out = _cli("run-msl", "--help")
    assert out.returncode == 0 and "--race-check" in out.stdout


def test_race_check_needs_grid(tmp_path):
    (tmp_path / "k.metal").write_text(
        "#include <metal_stdlib>\nusing namespace metal;\n"
        "kernel void k(device float* A [[buffer(0)]], uint i [[thread_position_in_grid]]) "
        "{ A[i] = 1.0f; }\n")
    out = _cli("run-msl", str(tmp_path / "k.metal"), "k", "--race-check")
    assert out.returncode == 1
    assert out.stderr == "enigma: error: --race-check needs --grid (it checks a launch)\n"


RACY = """#include <metal_stdlib>
using namespace metal;
kernel void shift(device float *out [[buffer(0)]], uint t [[thread_index_in_threadgroup]],
                  uint n [[threads_per_threadgroup]], uint i [[thread_position_in_grid]]) {
  threadgroup float tile[64];
  tile[t] = float(t) + 0.5f;
  out[i] = tile[(t + 1) % n];
}
"""


def test_run_msl_race_check_reports_the_race(tmp_path):
    from enigma import runtime

    if "race_check" not in __import__("inspect").signature(runtime.CpuKernel.launch_raw).parameters:
        import pytest

        pytest.skip("this CPU runtime has no race checking")
    (tmp_path / "shift.metal").write_text(RACY)
    ok = _cli("run-msl", str(tmp_path / "shift.metal"), "shift", "--grid", "64")
    assert ok.returncode == 0, ok.stderr
    out = _cli("run-msl", str(tmp_path / "shift.metal"), "shift", "--grid", "64", "--race-check")
    if out.returncode == 1 and "race check" in out.stderr and "not available" in out.stderr:
        import pytest

        pytest.skip(out.stderr.strip())
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("enigma: error: kernel 'shift': data race on threadgroup memory")
    assert out.stderr.count("\n") == 1


def test_info_reports_plugin_and_tools():
    out = _cli("info")
    assert out.returncode == 0, out.stderr
    assert "bounds-check plugin:" in out.stdout
    assert "tool enigma-opt:" in out.stdout and "tool enigma-translate:" in out.stdout


def test_info_says_why_cpu_is_unavailable():
    out = _cli("info", env={"ENIGMA_CXX": "/nonexistent/clang++"})
    assert out.returncode == 0, out.stderr
    assert "cpu no (host C++ compiler '/nonexistent/clang++'" in out.stdout


def test_unwritable_out_is_one_line(tmp_path):
    (tmp_path / "k.py").write_text(
        "import enigma\n@enigma.kernel\ndef k(A: enigma.f32):\n"
        "    A[enigma.thread_position_in_grid] = 1.0\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = _cli("compile", f"{tmp_path}/k.py::k", "--out", str(blocker / "sub"))
    assert out.returncode == 1
    assert out.stderr.startswith("enigma: error: ") and out.stderr.count("\n") == 1, out.stderr
