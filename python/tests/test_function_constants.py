"""Metal function constants end to end: the DSL's enigma.function_constant, the MSL it emits,
the metadata, launches on the CPU runtime (one specialization per set of values) against
numpy, hand-written MSL with derived constants and is_function_constant_defined, and every
error."""

from __future__ import annotations

import json
import re

import enigma
import numpy as np
import pytest
from enigma import runtime

rng = np.random.default_rng(11)


@enigma.kernel
def fc_kernel(X: enigma.f32, O: enigma.f32, C: enigma.i32):
    i = enigma.thread_position_in_grid.x
    scale = enigma.function_constant("float", 0)
    reps = enigma.function_constant("int", 1)
    clamp = enigma.function_constant("bool", 2)
    x = X[i] * scale + enigma.f32(reps)
    with enigma.if_(clamp):
        O[i] = enigma.min(x, 1.0)
    with enigma.if_(enigma.cmp_eq(clamp, False)):
        O[i] = x
    # control flow on an integer constant: a loop bound
    loop = enigma.for_range(0, reps, init=enigma.i32(0))
    with loop as (_, acc):
        enigma.yield_(acc + 2)
    C[i] = loop.result


def _expected(X, scale, reps, clamp):
    x = X * np.float32(scale) + np.float32(reps)
    if clamp:
        x = np.minimum(x, np.float32(1.0))
    return x, np.full(X.shape, 2 * max(reps, 0), np.int32)


@pytest.fixture(scope="module")
def compiled():
    return enigma.compile(fc_kernel, emit_only=True)


def test_msl_declares_constants_at_file_scope(compiled):
    msl = compiled.metal_source
    decls = re.findall(
        r"^constant (\w+) (\w+) \[\[function_constant\((\d+)\)\]\];$", msl, re.MULTILINE
    )
    assert decls == [
        ("float", "enigma_fc_0", "0"),
        ("int", "enigma_fc_1", "1"),
        ("bool", "enigma_fc_2", "2"),
    ]
    # declared before the kernel, never inside it (Metal rejects that)
    assert msl.index("function_constant(2)") < msl.index("kernel void")
    body = msl[msl.index("kernel void") :]
    assert "[[function_constant" not in body
    fcs = compiled.metadata["kernels"][0]["function_constants"]
    assert [(f["index"], f["name"], f["msl_type"], f["element_type"]) for f in fcs] == [
        (0, "enigma_fc_0", "float", "f32"),
        (1, "enigma_fc_1", "int", "i32"),
        (2, "enigma_fc_2", "bool", "i1"),
    ]
    json.dumps(compiled.metadata)  # stays JSON


def test_two_value_sets_do_not_share_a_specialization(compiled):
    n = 200
    X = rng.random(n, dtype=np.float32)
    results = []
    for scale, reps, clamp in [
        (2.5, 3, True),
        (-0.5, 1, False),
        (2.5, 3, True),
        (0.25, 0, True),
    ]:
        O = np.zeros(n, np.float32)
        C = np.full(n, -1, np.int32)
        compiled(
            X,
            O,
            C,
            grid=n,
            block=64,
            device="cpu",
            function_constants={0: scale, 1: reps, 2: clamp},
        )
        want_o, want_c = _expected(X, scale, reps, clamp)
        np.testing.assert_array_equal(O, want_o)
        np.testing.assert_array_equal(C, want_c)
        results.append(O.copy())
    assert not np.array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_values_by_name_and_numpy_scalars(compiled):
    n = 64
    X = rng.random(n, dtype=np.float32)
    O = np.zeros(n, np.float32)
    C = np.zeros(n, np.int32)
    compiled(
        X,
        O,
        C,
        grid=n,
        device="cpu",
        function_constants={
            "enigma_fc_0": np.float32(3.0),
            1: np.int64(2),
            "enigma_fc_2": np.bool_(False),
        },
    )
    want_o, want_c = _expected(X, 3.0, 2, False)
    np.testing.assert_array_equal(O, want_o)
    np.testing.assert_array_equal(C, want_c)


@enigma.kernel
def named_kernel(O: enigma.u32):
    i = enigma.thread_position_in_grid.x
    t = enigma.function_constant(enigma.u16, 5, name="tile")
    h = enigma.function_constant(enigma.f16, 6)
    O[i] = enigma.u32(t) * i + enigma.u32(enigma.f32(h))


def test_named_unsigned_and_half_constants():
    c = enigma.compile(named_kernel, emit_only=True)
    assert "constant ushort tile [[function_constant(5)]];" in c.metal_source
    assert "constant half enigma_fc_6 [[function_constant(6)]];" in c.metal_source
    O = np.zeros(32, np.uint32)
    c(O, grid=32, device="cpu", function_constants={"tile": 7, 6: 2.0})
    np.testing.assert_array_equal(O, 7 * np.arange(32, dtype=np.uint32) + 2)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def _launch(c, fcs):
    X = np.zeros(4, np.float32)
    c(
        X,
        np.zeros(4, np.float32),
        np.zeros(4, np.int32),
        grid=4,
        device="cpu",
        function_constants=fcs,
    )


@pytest.mark.parametrize(
    "fcs,message",
    [
        (
            None,
            (
                r"function constant 'enigma_fc_0' \(index 0, float\) has no value; pass "
                r"function_constants=\{0: \.\.\.\}"
            ),
        ),
        ({0: 1.0, 1: 2}, r"'enigma_fc_2' \(index 2, bool\) has no value"),
        (
            {0: 1.0, 1: 2, 2: True, 9: 1},
            (
                r"has no function constant 9 \(its function constants: "
                r"'enigma_fc_0' \(index 0, float\), 'enigma_fc_1'"
            ),
        ),
        ({0: 1.0, 1: 2, 2: True, "scale": 1}, r"has no function constant 'scale'"),
        (
            {0: 1.0, 1: 2.5, 2: True},
            r"'enigma_fc_1' \(index 1, int\) is an integer: 2.5",
        ),
        ({0: 1.0, 1: 2**31, 2: True}, r"2147483648 does not fit in int"),
        (
            {0: "1", 1: 2, 2: True},
            r"'enigma_fc_0' \(index 0, float\): pass a number, got str",
        ),
        (
            {0: 1.0, 1: 2, 2: 1},
            r"'enigma_fc_2' \(index 2, bool\) is a bool: pass True or False",
        ),
        ({0: True, 1: 2, 2: True}, r"pass a number, got bool"),
        ({0: 1e39, 1: 2, 2: True}, r"1e\+39 does not fit in float"),
        ({0: 1.0, "enigma_fc_0": 2.0, 1: 2, 2: True}, r"is given twice"),
        ({0.0: 1.0}, r"keyed by index \(int\) or name \(str\)"),
        ([(0, 1.0)], r"function_constants must be a dict"),
    ],
)
def test_launch_errors(compiled, fcs, message):
    with pytest.raises(enigma.EnigmaError, match=message) as info:
        _launch(compiled, fcs)
    assert info.value.kind == "invalid_argument"


def test_kernel_without_constants_rejects_values():
    @enigma.kernel
    def plain(O: enigma.f32):
        O[enigma.thread_position_in_grid.x] = 1.0

    c = enigma.compile(plain, emit_only=True)
    with pytest.raises(
        enigma.EnigmaError,
        match=r"has no function constant 0 \(its function "
        r"constants: none\)",
    ):
        c(np.zeros(4, np.float32), grid=4, device="cpu", function_constants={0: 1.0})


def _trace_error(body):
    k = enigma.kernel(body)
    with pytest.raises((TypeError, enigma.EnigmaError)) as info:
        enigma.compile(k, emit_only=True)
    return str(info.value)


def test_trace_errors():
    def bad_dtype(O: enigma.f32):
        O[0] = enigma.function_constant("bfloat", 0)

    assert "not a scalar type Metal allows for function constants" in _trace_error(
        bad_dtype
    )

    def vector_dtype(O: enigma.f32):
        O[0] = enigma.function_constant("float4", 0)

    assert "not a scalar type Metal allows" in _trace_error(vector_dtype)

    def bad_index(O: enigma.f32):
        O[0] = enigma.function_constant("float", 70000)

    assert "index must be an int in [0, 65535], got 70000" in _trace_error(bad_index)

    def bool_index(O: enigma.f32):
        O[0] = enigma.function_constant("float", True)

    assert "index must be an int" in _trace_error(bool_index)

    def bad_name(O: enigma.f32):
        O[0] = enigma.function_constant("float", 0, name="a b")

    assert "name must be an identifier" in _trace_error(bad_name)

    def conflict(O: enigma.f32):
        a = enigma.function_constant("float", 0)
        b = enigma.function_constant("int", 0)
        O[0] = a + enigma.f32(b)

    msg = _trace_error(conflict)
    assert "function constant 0 is used with two different declarations" in msg
    assert "test_function_constants.py" in msg  # points at the user's line


def test_outside_a_kernel():
    with pytest.raises(enigma.EnigmaError, match="only valid inside a kernel"):
        enigma.function_constant("float", 0)


# ---------------------------------------------------------------------------------------------
# Hand-written MSL on the runtime path
# ---------------------------------------------------------------------------------------------

HAND_MSL = """
#include <metal_stdlib>
using namespace metal;

constant bool use_bias [[function_constant(0)]];
constant int n_taps [[function_constant(1)]];
constant float gain [[function_constant(2)]];
constant int taps = is_function_constant_defined(n_taps) ? n_taps : 1;   // optional
constant float bias = use_bias ? 0.5f : 0.0f;                              // derived
constant uint stride = use_bias ? 2 : 1;

kernel void fir(device const float* x [[buffer(0)]],
                device float* y [[buffer(1)]],
                uint i [[thread_position_in_grid]]) {
    float acc = 0.0f;
    float w[taps];                       // an array sized by a function constant
    for (int t = 0; t < taps; ++t) w[t] = gain;
    for (int t = 0; t < taps; ++t) acc += w[t] * x[i + t];
    y[i * stride] = acc + bias;
}
"""


def _fir_expected(x, n, use_bias, taps, gain):
    y = np.zeros(2 * n, np.float32)
    acc = np.zeros(n, np.float32)
    for t in range(taps):
        acc += np.float32(gain) * x[t : t + n]
    stride = 2 if use_bias else 1
    y[: n * stride : stride] = acc + np.float32(0.5 if use_bias else 0.0)
    return y


def test_hand_written_msl_with_derived_and_optional_constants():
    k = runtime.compile_msl(HAND_MSL, "fir")
    assert [
        (c.name, c.index, c.type_name, c.required) for c in k.function_constants
    ] == [
        ("use_bias", 0, "bool", True),
        ("n_taps", 1, "int", False),
        ("gain", 2, "float", True),
    ]
    n = 50
    x = rng.random(n + 8, dtype=np.float32)
    for use_bias, taps, gain in [(True, 3, 0.5), (False, None, 2.0), (False, 5, -1.0)]:
        y = np.zeros(2 * n, np.float32)
        values = {"use_bias": use_bias, 2: gain}
        if taps is not None:
            values[1] = taps
        k(x, y, grid=n, block=16, function_constants=values)
        np.testing.assert_allclose(
            y, _fir_expected(x, n, use_bias, taps or 1, gain), rtol=1e-6
        )


def test_hand_written_msl_errors():
    k = runtime.compile_msl(HAND_MSL, "fir")
    x = np.zeros(16, np.float32)
    y = np.zeros(16, np.float32)
    with pytest.raises(
        enigma.EnigmaError, match=r"'use_bias' \(index 0, bool\) has no value"
    ):
        k(x, y, grid=4, block=4, function_constants={2: 1.0})
    with pytest.raises(enigma.EnigmaError, match=r"has no function constant 3"):
        k(x, y, grid=4, block=4, function_constants={0: True, 2: 1.0, 3: 1})
    with pytest.raises(
        enigma.EnigmaError, match=r"'gain' \(index 2, float\): pass a number"
    ):
        k(x, y, grid=4, block=4, function_constants={0: True, 2: None})
    # The C runtime checks too, for clients that bypass the Python checks.
    with pytest.raises(
        enigma.EnigmaError,
        match=r"function constant 'use_bias' "
        r"\(\[\[function_constant\(0\)\]\], bool\) "
        r"has no value",
    ) as info:
        k.launch_raw(
            [(x.ctypes.data, x.nbytes), (y.ctypes.data, y.nbytes)],
            grid=4,
            block=4,
            function_constants=[],
        )
    assert info.value.kind == "invalid_argument"


@pytest.mark.parametrize(
    "source,message",
    [
        (
            "constant float2 v [[function_constant(0)]];\nkernel void k() {}\n",
            "has type 'float2'; the CPU runtime supports scalar function constants",
        ),
        (
            (
                "constant int a [[function_constant(1)]];\nconstant int b [[function_constant(1)]];\n"
                "kernel void k() {}\n"
            ),
            "is declared twice, or shares its index with 'a'",
        ),
        (
            "constant int a [[function_constant(0)]] = 3;\nkernel void k() {}\n",
            "must be declared `constant T name [[function_constant(0)]];` (no initializer)",
        ),
        (
            "kernel void k() { bool d = is_function_constant_defined(q); }\n",
            "is_function_constant_defined(q): 'q' is not a function constant",
        ),
    ],
)
def test_hand_written_declaration_errors(source, message):
    with pytest.raises(enigma.EnigmaError, match=re.escape(message)) as info:
        runtime.compile_msl(source, "k")
    assert info.value.kind == "unsupported"


def test_compile_errors_keep_line_numbers():
    src = (
        "constant int n [[function_constant(0)]];\n"
        "kernel void k(device int* y [[buffer(0)]]) {\n"
        "  y[0] = n + undeclared;\n"
        "}\n"
    )
    with pytest.raises(enigma.EnigmaError, match=r"k\.metal:3:") as info:
        runtime.compile_msl(src, "k")
    assert info.value.kind == "compile"
