"""The compiler's kernel metadata is the one description of a compiled kernel (issue 17): the
launcher's parameters come from it, the tracer's view is checked against it, and the CPU
runtime's signature parser (which also runs foreign MSL) cross-checks it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import enigma
from enigma import EnigmaError
from enigma.compiling import CompiledKernel
from enigma.kernel_trace import ParamInfo, params_from_metadata


@enigma.kernel
def saxpy(x: enigma.f32, y: enigma.f32, a: enigma.Scalar(enigma.f32), n: enigma.Scalar(enigma.u32)):
    i = enigma.thread_position_in_grid
    with enigma.if_(enigma.cmp_lt(i, n)):
        y[i] = a * x[i] + y[i]


def test_params_come_from_the_metadata():
    k = enigma.compile(saxpy, emit_only=True)
    kinfo = k.metadata["kernels"][0]
    assert [(p.name, p.buffer_index, p.kind, p.access) for p in k.params] == [
        ("x", 0, "buffer", kinfo["params"][0]["access"]),
        ("y", 1, "buffer", kinfo["params"][1]["access"]),
        ("a", 2, "scalar", None),
        ("n", 3, "scalar", None),
    ]
    assert kinfo["params"][0]["access"] == "read" and kinfo["params"][1]["access"] == "read_write"
    x = np.arange(10, dtype=np.float32)
    y = np.ones(10, np.float32)
    k(x, y, 2.0, 10, grid=10, block=4)
    np.testing.assert_array_equal(y, 2 * x + 1)


def test_tracer_and_compiler_must_agree():
    k = enigma.compile(saxpy, emit_only=True)
    kinfo = k.metadata["kernels"][0]
    traced = [ParamInfo(p.name, p.buffer_index, p.dtype, p.kind) for p in k.params]
    traced[2] = ParamInfo("a", 2, enigma.dtypes.dtype("i32"), "scalar")
    with pytest.raises(EnigmaError, match=r"internal error: .*'a' \[\[buffer\(2\)\]\] was traced "
                                          r"as a i32 scalar but compiled as constant float&"):
        params_from_metadata(kinfo, traced)
    with pytest.raises(EnigmaError, match="the tracer saw 3 parameter"):
        params_from_metadata(kinfo, traced[:3])


def test_signature_parser_cross_checks_the_metadata():
    k = enigma.compile(saxpy, emit_only=True)
    meta = copy.deepcopy(k.metadata)
    meta["kernels"][0]["params"][3]["msl_type"] = "constant int&"  # not what the MSL says
    wrong = CompiledKernel(k.kernel_name, k.metal_source, params=k.params, metadata=meta)
    with pytest.raises(EnigmaError, match=r"internal error: .*\[\[buffer\(3\)\]\] is 'constant "
                                          r"int&' in the compiler's metadata but scalar uint"):
        wrong(np.zeros(4, np.float32), np.zeros(4, np.float32), 1.0, 4, grid=4, block=4)
