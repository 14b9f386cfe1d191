"""enigma.compile(): tracing, the C compile API, CompiledKernel, emit-only, work_dir, dumps,
the compile cache and the macOS toolchain's error path."""

from __future__ import annotations

import json
import os
import sys
import tempfile

import enigma
import numpy as np
from pathlib import Path
import pytest
from enigma import compiler as ecompiler
import enigma as ekernel


@enigma.kernel
def vadd(A: enigma.f32, B: enigma.f32, C: enigma.f32, n: enigma.Scalar(enigma.u32)):
    tid = enigma.thread_position_in_grid.x
    with enigma.if_(tid < n):
        C[tid] = A[tid] + B[tid]


def test_vadd_compiles_to_msl():
    c = enigma.compile(vadd, emit_only=True)
    assert isinstance(c, enigma.CompiledKernel)
    assert c.kernel_name == "enigma_kernel_vadd"
    assert "kernel void enigma_kernel_vadd(" in c.metal_source
    assert "device const float* A [[buffer(0)]]" in c.metal_source
    assert "device float* C [[buffer(2)]]" in c.metal_source
    assert "constant uint& n [[buffer(3)]]" in c.metal_source
    assert "enigma.kernel @vadd" in c.mlir_source
    assert "arith.cmpi ult" in c.mlir_source  # u32 comparison is unsigned
    assert c.metallib_path is None and c.metallib_bytes is None
    assert c.grid is None and c.block is None
    assert c.vec_width == 0
    assert [(p.name, p.buffer_index, p.kind, p.access) for p in c.params] == [
        ("A", 0, "buffer", "read"),
        ("B", 1, "buffer", "read"),
        ("C", 2, "buffer", "write"),
        ("n", 3, "scalar", None),
    ]
    assert c.params[3].dtype is enigma.u32


def test_names_from_python_source_reach_msl():
    c = enigma.compile(vadd, emit_only=True)
    assert "uint tid" in c.metal_source


def test_trace_has_versioned_format_and_locations():
    tr, _params = ekernel.trace(vadd)
    assert tr["format"] == "enigma-trace" and tr["version"] == 1
    assert tr["kernel"] == "vadd"
    assert [p["name"] for p in tr["params"]] == ["A", "B", "C", "n"]
    this_file = os.path.abspath(__file__)

    def walk(ops):
        for op in ops:
            yield op
            for r in op.get("regions", []):
                yield from walk(r.get("ops", []))

    ops = list(walk(tr["ops"]))
    assert all(op["loc"]["file"] == this_file for op in ops)
    lines = {op["op"]: op["loc"]["line"] for op in ops}
    with open(this_file) as f:
        src = f.read().splitlines()
    assert "thread_position_in_grid" in src[lines["enigma.thread_position_in_grid"] - 1]
    assert "A[tid] + B[tid]" in src[lines["arith.addf"] - 1]
    assert "tid < n" in src[lines["arith.cmpi"] - 1]


def test_export_metal(tmp_path, monkeypatch):
    c = enigma.compile(vadd, emit_only=True)
    out = c.export_metal(tmp_path / "vadd.metal")
    assert isinstance(out, str) and Path(out).read_text() == c.metal_source
    # The seed page's call: a relative path into a directory that does not exist yet.
    monkeypatch.chdir(tmp_path)
    saved = c.export_metal("./artifacts/my_kernel.metal")
    assert saved == str((tmp_path / "artifacts" / "my_kernel.metal").resolve())
    assert Path(saved).read_text() == c.metal_source
    # No path: "{kernel_name}.metal" in the current directory.
    assert c.export_metal() == str(tmp_path / "enigma_kernel_vadd.metal")
    # A directory is not a file path.
    with pytest.raises(enigma.EnigmaError, match="is a directory"):
        c.export_metal(tmp_path / "artifacts")


def test_emit_only_attributes(monkeypatch):
    c = enigma.compile(vadd, emit_only=True)
    assert c.kernel_source == c.metal_source and c.mlir_source
    assert not c.has_metallib and c.metallib_path is None and c.metallib_bytes is None
    monkeypatch.setenv("ENIGMA_EMIT_ONLY", "1")
    d = enigma.compile(vadd)
    assert not d.has_metallib and d.metallib_path is None


def test_keep_metal_source_writes_into_work_dir(tmp_path):
    c = enigma.compile(vadd, keep_metal_source=True, work_dir=tmp_path, emit_only=True)
    assert (tmp_path / "enigma_kernel_vadd.metal").read_text() == c.metal_source


def test_default_work_dir_is_removed_when_nothing_is_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    enigma.compile(vadd, emit_only=True)
    assert list(tmp_path.iterdir()) == []
    enigma.compile(vadd, emit_only=True, keep_metal_source=True)
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1 and (kept[0] / "enigma_kernel_vadd.metal").exists()


def test_dump_ir_and_dump_mlir_print(capsys):
    @enigma.kernel
    def loop_kernel(A: enigma.f32, n: enigma.Scalar(enigma.u32)):
        with enigma.for_range(0, n) as i, enigma.if_(i % 2 == 0):
            A[i] = 1.0

    enigma.compile(loop_kernel, dump_ir=True, dump_mlir=True, emit_only=True)
    out = capsys.readouterr().out
    assert "trace v1 kernel loop_kernel" in out
    assert "scf.for(" in out and "scf.if(" in out
    # nested regions are indented under their op
    lines = out.splitlines()
    store = next(line for line in lines if "memref.store" in line)
    loop = next(line for line in lines if "scf.for(" in line)
    assert len(store) - len(store.lstrip()) > len(loop) - len(loop.lstrip()) + 2
    assert "enigma.kernel @loop_kernel" in out


def test_emit_only_defaults_to_off_mac(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    c = enigma.compile(vadd)
    assert c.metallib_bytes is None


def test_xcrun_missing_raises_enigma_error(monkeypatch, tmp_path):
    from enigma import metal

    def no_xcrun(*args, **kwargs):
        raise FileNotFoundError("xcrun")

    monkeypatch.setattr(metal.subprocess, "run", no_xcrun)
    with pytest.raises(enigma.EnigmaError, match="xcrun"):
        enigma.compile(vadd, emit_only=False, work_dir=tmp_path)


def test_xcrun_failure_carries_stderr(monkeypatch, tmp_path):
    from enigma import metal

    class Proc:
        returncode = 1
        stdout = ""
        stderr = "program_source:3:1: error: unknown type name 'floatt'"

    monkeypatch.setattr(metal.subprocess, "run", lambda *a, **k: Proc())
    with pytest.raises(enigma.EnigmaError, match="unknown type name 'floatt'"):
        enigma.compile(vadd, emit_only=False, work_dir=tmp_path)


def test_metal_build_with_fake_toolchain(monkeypatch, tmp_path):
    from enigma import metal

    calls = []

    class Proc:
        returncode = 0
        stdout = stderr = ""

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        out = cmd[cmd.index("-o") + 1]
        with open(out, "wb") as f:
            f.write(b"MTLB-fake")
        return Proc()

    monkeypatch.setattr(metal.subprocess, "run", fake_run)
    c = enigma.compile(vadd, emit_only=False, work_dir=tmp_path)
    assert [cmd[:4] for cmd in calls] == [
        ["xcrun", "-sdk", "macosx", "metal"],
        ["xcrun", "-sdk", "macosx", "metallib"],
    ]
    assert c.metallib_path == str(tmp_path / "enigma_kernel_vadd.metallib")
    assert c.metallib_bytes == b"MTLB-fake"


@pytest.mark.skipif(sys.platform != "darwin", reason="needs Xcode's metal compiler")
def test_real_metallib_on_macos(tmp_path):  # pragma: no cover - macOS only
    c = enigma.compile(vadd, work_dir=tmp_path)
    assert c.metallib_bytes and c.metallib_bytes[:4] == b"MTLB"


def test_compile_cache_memory_and_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("ENIGMA_CACHE_DIR", str(tmp_path))
    ekernel.clear_cache()
    calls = []
    real = ecompiler.compile_trace

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(ecompiler, "compile_trace", counting)
    c1 = enigma.compile(vadd, emit_only=True)
    c2 = enigma.compile(vadd, emit_only=True)
    assert (c1.cache_status, c2.cache_status) == ("miss", "memory")
    assert len(calls) == 1
    files = list((tmp_path / "compile").glob("*.json"))
    assert len(files) == 1
    ekernel.clear_cache()  # memory only: the disk entry serves the next compile
    c3 = enigma.compile(vadd, emit_only=True)
    assert c3.cache_status == "disk" and len(calls) == 1
    assert c3.metal_source == c1.metal_source
    # Options are part of the key.
    c4 = enigma.compile(vadd, emit_only=True, vec_width=4)
    assert c4.cache_status == "miss" and len(calls) == 2


def test_corrupt_disk_cache_entry_is_recompiled(monkeypatch, tmp_path):
    monkeypatch.setenv("ENIGMA_CACHE_DIR", str(tmp_path))
    ekernel.clear_cache()
    enigma.compile(vadd, emit_only=True)
    (entry,) = list((tmp_path / "compile").glob("*.json"))
    entry.write_text("{not json")
    ekernel.clear_cache()
    c = enigma.compile(vadd, emit_only=True)
    assert c.cache_status == "miss"
    assert json.loads(entry.read_text())["msl"] == c.metal_source


def test_disk_cache_keeps_under_its_size_limit(monkeypatch, tmp_path):
    """ENIGMA_CACHE_MAX_MB bounds the compile cache too: least recently used entries go
    first (a disk hit counts as a use), never the entry just written."""
    import time

    def entry_size(vec_width: int) -> int:
        d = tmp_path / f"measure{vec_width}"
        monkeypatch.setenv("ENIGMA_CACHE_DIR", str(d))
        ekernel.clear_cache()
        enigma.compile(vadd, emit_only=True, vec_width=vec_width)
        (entry,) = list((d / "compile").glob("*.json"))
        return entry.stat().st_size

    s0, s2, s4 = entry_size(0), entry_size(2), entry_size(4)
    # Over the limit with all three; at three quarters of it once the vec_width=2 entry is gone.
    limit = (s0 + s4) / 0.75 * 1.01
    assert limit < s0 + s2 + s4
    cache = tmp_path / "cache"
    monkeypatch.setenv("ENIGMA_CACHE_DIR", str(cache))
    monkeypatch.setenv("ENIGMA_CACHE_MAX_MB", str(limit / 2**20))
    ekernel.clear_cache()

    def newest():
        return max((cache / "compile").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)

    enigma.compile(vadd, emit_only=True)
    first = newest()
    time.sleep(0.01)
    enigma.compile(vadd, emit_only=True, vec_width=2)
    second = newest()
    time.sleep(0.01)
    ekernel.clear_cache()
    assert enigma.compile(vadd, emit_only=True).cache_status == "disk"  # touches `first`
    time.sleep(0.01)
    enigma.compile(vadd, emit_only=True, vec_width=4)
    third = newest()
    names = {p.name for p in (cache / "compile").glob("*.json")}
    assert names == {first.name, third.name}, (names, second.name)
    # 0: no limit.
    monkeypatch.setenv("ENIGMA_CACHE_MAX_MB", "0")
    ekernel.clear_cache()
    enigma.compile(vadd, emit_only=True, vec_width=2)
    assert len(list((cache / "compile").glob("*.json"))) == 3


def test_dump_dir_gets_trace_every_pass_and_msl(monkeypatch, tmp_path):
    monkeypatch.setenv("ENIGMA_DUMP_DIR", str(tmp_path))
    c = enigma.compile(vadd, emit_only=True)
    d = tmp_path / "enigma_kernel_vadd"
    names = sorted(p.name for p in d.iterdir())
    assert names[0] == "00-trace.json" and names[1] == "01-imported.mlir"
    assert json.loads((d / "00-trace.json").read_text())["kernel"] == "vadd"
    passes = [n for n in names if "-after-" in n]
    assert any("canonicalize" in n for n in passes) and any("cse" in n for n in passes)
    numbers = [int(n.split("-", 1)[0]) for n in names]
    assert numbers == list(range(len(names)))
    metal = [n for n in names if n.endswith(".metal")]
    assert metal and (d / metal[0]).read_text() == c.metal_source


def test_compile_trace_directly_reports_python_locations():
    tr, _ = ekernel.trace(vadd)

    # Make the add operate on the wrong type: the verifier error points at the Python line.
    def walk(ops):
        for op in ops:
            yield op
            for r in op.get("regions", []):
                yield from walk(r.get("ops", []))

    add = next(op for op in walk(tr["ops"]) if op["op"] == "arith.addf")
    add["results"][0]["type"] = "i32"
    out = ecompiler.compile_trace(tr)
    assert not out.succeeded
    (err,) = out.errors
    assert err.file == os.path.abspath(__file__)
    assert err.line == add["loc"]["line"]
    assert "must be floating-point-like" in err.message


def test_malformed_trace_is_a_diagnostic():
    out = ecompiler.compile_trace('{"format": "enigma-trace", "version": 99}')
    assert not out.succeeded
    assert "unsupported trace version 99" in out.errors[0].message
    out = ecompiler.compile_trace("not json")
    assert not out.succeeded and "malformed JSON" in out.errors[0].message


def test_pipeline_string():
    assert ecompiler.pipeline_string(4) == "builtin.module(enigma-pipeline{vec-width=4})"


def test_vec_width_is_recorded():
    c = enigma.compile(vadd, emit_only=True, vec_width=4)
    assert c.vec_width == 4
    assert c.metadata["pipeline"] == "builtin.module(enigma-pipeline{vec-width=4})"


def test_compile_rejects_non_kernels():
    with pytest.raises(enigma.EnigmaError, match="needs an @enigma.kernel"):
        enigma.compile(42)
    with pytest.raises(enigma.EnigmaError, match="vec_width"):
        enigma.compile(vadd, vec_width=-1)


def test_kernel_cannot_be_called_directly():
    with pytest.raises(enigma.EnigmaError, match="cannot be called directly"):
        vadd(1, 2, 3, 4)


def test_missing_annotation_is_reported():
    @enigma.kernel
    def k(A, n: enigma.Scalar(enigma.u32)):
        pass

    with pytest.raises(enigma.EnigmaError, match="parameter 'A' needs an annotation"):
        enigma.compile(k)


def test_string_dtype_annotations():
    @enigma.kernel
    def k(A: float, B: uint, n: enigma.Scalar("ushort")):
        i = enigma.thread_position_in_grid.x
        B[i] = enigma.metal_cast(A[i], "uint") + n

    c = enigma.compile(k, emit_only=True)
    assert [p.dtype for p in c.params] == [enigma.f32, enigma.u32, enigma.u16]
    assert "device const float* A" in c.metal_source
    assert "device uint* B" in c.metal_source


def test_concurrent_compiles_from_threads():
    from concurrent.futures import ThreadPoolExecutor

    def make(scale: float):
        @enigma.kernel
        def scaled(A: enigma.f32, B: enigma.f32):
            i = enigma.thread_position_in_grid.x
            B[i] = A[i] * scale

        return scaled

    kernels = [make(float(s)) for s in range(12)]
    ekernel.clear_cache()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda k: enigma.compile(k, emit_only=True), kernels))
    for s, c in enumerate(results):
        assert c.kernel_name == "enigma_kernel_scaled"
        bits = np.float32(s).view(np.uint32)
        assert f"0x{bits:08X}" in json.dumps(c.trace)
    assert len({c.metal_source for c in results}) == 12
