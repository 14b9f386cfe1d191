"""The reference's math (§8-§13), geometry and pack/unpack (§18-§19), quad_broadcast (§21) and
matrices (§26), each in a kernel run on the CPU runtime against numpy."""

import enigma
import numpy as np
import pytest

rng = np.random.default_rng(21)


def run(kernel, *args, grid, block=64, **kw):
    c = enigma.compile(kernel, emit_only=True, **kw)
    c(*args, grid=grid, block=block, device="cpu")
    return c


def _specials(n):
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    x[:8] = [0.0, -0.0, 1.5, -1.5, np.inf, -np.inf, np.nan, 2.0]
    return x


# ---------------------------------------------------------------------------------------------
# §8 unary float math
# ---------------------------------------------------------------------------------------------

_UNARY = [
    ("sqrt", np.sqrt), ("rsqrt", lambda x: 1 / np.sqrt(x)), ("abs", np.abs), ("ceil", np.ceil),
    ("floor", np.floor), ("round", lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5)),
    ("trunc", np.trunc), ("sign", None), ("saturate", None),
    ("fract", None), ("exp", np.exp), ("exp2", np.exp2), ("log", np.log), ("log2", np.log2),
    ("log10", np.log10), ("sin", np.sin), ("cos", np.cos), ("tan", np.tan), ("asin", np.arcsin),
    ("acos", np.arccos), ("atan", np.arctan), ("sinh", np.sinh), ("cosh", np.cosh),
    ("tanh", np.tanh),
]


def _sign(x):
    out = np.where(x > 0, 1.0, np.where(x < 0, -1.0, x))  # keeps the sign of zero
    out[np.isnan(x)] = 0.0
    return out.astype(np.float32)


def _saturate(x):
    return np.where(np.isnan(x), 0.0, np.clip(x, 0, 1)).astype(np.float32)


def _fract(x):
    # x - floor(x) clamped below 1; +-0 and +-inf give a zero of x's sign, NaN stays NaN
    with np.errstate(invalid="ignore"):
        f = np.minimum(x - np.floor(x), np.float32(float.fromhex("0x1.fffffep-1")))
    f = np.where(np.isinf(x) | (x == 0), np.copysign(0.0, x), f)
    return np.where(np.isnan(x), np.nan, f).astype(np.float32)


@pytest.mark.parametrize("name,ref", _UNARY, ids=[u[0] for u in _UNARY])
def test_unary_float_math(name, ref):
    fn = getattr(enigma, name)

    @enigma.kernel
    def k(A: enigma.f32, B: enigma.f32):
        tid = enigma.thread_position_in_grid
        B[tid] = fn(A[tid])

    n = 64
    a = _specials(n)
    if name in ("asin", "acos"):
        a[8:] = np.clip(a[8:] / 4, -1, 1)
    if name in ("exp", "exp2", "sinh", "cosh"):
        a[8:] = a[8:] / 2
    b = np.zeros_like(a)
    run(k, a, b, grid=n)
    ref = {"sign": _sign, "fract": _fract, "saturate": _saturate}.get(name, ref)
    with np.errstate(all="ignore"):
        want = ref(a).astype(np.float32)
    np.testing.assert_allclose(b, want, rtol=2e-6, atol=1e-6, equal_nan=True, err_msg=name)
    if name in ("sign", "fract"):
        np.testing.assert_array_equal(np.signbit(b[:2]), np.signbit(want[:2]), err_msg=name)


@enigma.kernel
def apply_sqrt(A: enigma.f32, B: enigma.f32):
    tid = enigma.thread_position_in_grid
    B[tid] = enigma.sqrt(A[tid])


def test_reference_sqrt_example():
    a = rng.random(100, dtype=np.float32) * 100
    b = np.zeros_like(a)
    c = run(apply_sqrt, a, b, grid=100)
    np.testing.assert_array_equal(b, np.sqrt(a))
    assert "sqrt(" in c.metal_source


# ---------------------------------------------------------------------------------------------
# §9 binary, §10 ternary, §11 predicates
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def binary_math(A: enigma.f32, B: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    a, b = A[t], B[t]
    O[t * 7 + 0] = enigma.fmin(a, b)
    O[t * 7 + 1] = enigma.fmax(a, b)
    O[t * 7 + 2] = enigma.pow(enigma.abs(a), b)
    O[t * 7 + 3] = enigma.fmod(a, b)
    O[t * 7 + 4] = enigma.atan2(a, b)
    O[t * 7 + 5] = enigma.step(b, a)
    O[t * 7 + 6] = enigma.copysign(a, b)


def test_binary_float_math():
    n = 64
    a = _specials(n)
    b = (rng.standard_normal(n) * 2).astype(np.float32)
    b[:8] = [1.0, -2.0, np.nan, 0.5, 1.0, 3.0, 1.0, -0.0]
    o = np.zeros(n * 7, np.float32)
    run(binary_math, a, b, o, grid=n)
    o = o.reshape(n, 7)
    with np.errstate(all="ignore"):
        want = [np.fmin(a, b), np.fmax(a, b), np.power(np.abs(a), b), np.fmod(a, b),
                np.arctan2(a, b), np.where(a < b, 0.0, 1.0), np.copysign(a, b)]
    for k, w in enumerate(want):
        np.testing.assert_allclose(o[:, k], w.astype(np.float32), rtol=2e-6, atol=1e-6,
                                   equal_nan=True, err_msg=f"binary #{k}")


@enigma.kernel
def ternary_math(A: enigma.f32, B: enigma.f32, C: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    a, b, c = A[t], B[t], C[t]
    O[t * 4 + 0] = enigma.clamp(a, -0.5, 0.5)
    O[t * 4 + 1] = enigma.fma(a, b, c)
    O[t * 4 + 2] = enigma.mix(a, b, c)
    O[t * 4 + 3] = enigma.smoothstep(-1.0, 1.0, a)


def test_ternary_float_math():
    n = 64
    a = (rng.standard_normal(n) * 1.5).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = rng.random(n, dtype=np.float32)
    o = np.zeros(n * 4, np.float32)
    run(ternary_math, a, b, c, o, grid=n)
    o = o.reshape(n, 4)
    np.testing.assert_array_equal(o[:, 0], np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(o[:, 1], a * b + c, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(o[:, 2], a + (b - a) * c, rtol=1e-5, atol=1e-6)
    s = np.clip((a + 1) / 2, 0, 1)
    np.testing.assert_allclose(o[:, 3], s * s * (3 - 2 * s), rtol=1e-5, atol=1e-6)


@enigma.kernel
def predicates(A: enigma.f32, O: enigma.u32):
    t = enigma.thread_position_in_grid
    x = A[t]
    ps = [enigma.isnan(x), enigma.isinf(x), enigma.isfinite(x), enigma.signbit(x),
          enigma.isnormal(x)]
    for k, p in enumerate(ps):
        O[t * 5 + k] = enigma.where(0, 1, p)


def test_float_predicates():
    n = 32
    a = _specials(n)
    a[8:12] = [1e-40, -1e-40, np.float32(1.17549435e-38), -3.0]
    o = np.zeros(n * 5, np.uint32)
    run(predicates, a, o, grid=n)
    o = o.reshape(n, 5).astype(bool)
    normal = np.isfinite(a) & (np.abs(a) >= np.finfo(np.float32).tiny)
    for k, w in enumerate([np.isnan(a), np.isinf(a), np.isfinite(a), np.signbit(a), normal]):
        np.testing.assert_array_equal(o[:, k], w, err_msg=f"predicate #{k}")


# ---------------------------------------------------------------------------------------------
# §12 integer math, §13 bit operations
# ---------------------------------------------------------------------------------------------


def _sat(v, dt):
    info = np.iinfo(dt)
    return np.clip(v, info.min, info.max).astype(dt)


@pytest.mark.parametrize("dt,enigma_dt", [(np.int32, "i32"), (np.uint32, "u32"),
                                          (np.int8, "i8"), (np.uint16, "u16")])
def test_integer_math(dt, enigma_dt):
    edt = enigma.dtype(enigma_dt)

    @enigma.kernel
    def k(A: edt, B: edt, C: edt, O: edt, D: enigma.u64):
        t = enigma.thread_position_in_grid
        a, b, c = A[t], B[t], C[t]
        O[t * 9 + 0] = enigma.imin(a, b)
        O[t * 9 + 1] = enigma.imax(a, b)
        O[t * 9 + 2] = enigma.iclamp(a, b, c)
        O[t * 9 + 3] = enigma.add_sat(a, b)
        O[t * 9 + 4] = enigma.sub_sat(a, b)
        O[t * 9 + 5] = enigma.mad_sat(a, b, c)
        O[t * 9 + 6] = enigma.mul_hi(a, b)
        O[t * 9 + 7] = enigma.abs_diff_unary(a)
        O[t * 9 + 8] = enigma.rotate(a, c)
        D[t] = enigma.abs_diff(a, b)

    info = np.iinfo(dt)
    n = 64
    a = rng.integers(info.min, info.max, n, dtype=np.int64, endpoint=True).astype(dt)
    b = rng.integers(info.min, info.max, n, dtype=np.int64, endpoint=True).astype(dt)
    c = rng.integers(0, info.bits * 2, n).astype(dt)
    a[:4] = [info.max, info.min, info.max, 0]
    b[:4] = [info.max, info.max, info.min, 1]
    o = np.zeros(n * 9, dt)
    d = np.zeros(n, np.uint64)
    run(k, a, b, c, o, d, grid=n)
    o = o.reshape(n, 9)
    A, B, C = a.astype(object), b.astype(object), c.astype(object)
    lo = np.minimum(a, b)
    np.testing.assert_array_equal(o[:, 0], lo)
    np.testing.assert_array_equal(o[:, 1], np.maximum(a, b))
    np.testing.assert_array_equal(o[:, 2], np.minimum(np.maximum(a, b), c))
    np.testing.assert_array_equal(o[:, 3], _sat(A + B, dt))
    np.testing.assert_array_equal(o[:, 4], _sat(A - B, dt))
    np.testing.assert_array_equal(o[:, 5], _sat(A * B + C, dt))
    hi = np.array([(x * y) >> info.bits for x, y in zip(A, B)], dtype=object)
    np.testing.assert_array_equal(o[:, 6], (hi % (1 << info.bits)).astype(np.uint64).astype(dt))
    want_abs = np.abs(A) if info.min < 0 else A
    np.testing.assert_array_equal(o[:, 7], (want_abs % (1 << info.bits)).astype(np.uint64).astype(dt))
    ua = a.astype(np.uint64) & ((1 << info.bits) - 1)
    s = (c.astype(np.uint64) % info.bits)
    rot = ((ua << s) | (ua >> ((info.bits - s) % info.bits))) & ((1 << info.bits) - 1)
    rot = np.where(s == 0, ua, rot)
    np.testing.assert_array_equal(o[:, 8].astype(np.uint64) & ((1 << info.bits) - 1), rot)
    np.testing.assert_array_equal(d, np.abs(A - B).astype(np.uint64))


@enigma.kernel
def bit_ops(U: enigma.u32, I: enigma.i32, O: enigma.u32, P: enigma.i32):
    t = enigma.thread_position_in_grid
    u, i = U[t], I[t]
    O[t * 6 + 0] = enigma.popcount(u)
    O[t * 6 + 1] = enigma.clz(u)
    O[t * 6 + 2] = enigma.ctz(u)
    O[t * 6 + 3] = enigma.reverse_bits(u)
    O[t * 6 + 4] = enigma.extract_bits(u, 4, 8)
    O[t * 6 + 5] = enigma.insert_bits(u, 0xABC, 12, 12)
    P[t * 2 + 0] = enigma.extract_bits(i, 8, 6)  # signed: sign-extends
    P[t * 2 + 1] = enigma.popcount(i)


def test_bit_operations():
    n = 64
    u = rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
    u[:3] = [0, 1, 0x80000000]
    i = rng.integers(-(1 << 31), 1 << 31, n, dtype=np.int64).astype(np.int32)
    o = np.zeros(n * 6, np.uint32)
    p = np.zeros(n * 2, np.int32)
    run(bit_ops, u, i, o, p, grid=n)
    o, p = o.reshape(n, 6), p.reshape(n, 2)
    bits = [format(int(x), "032b") for x in u]
    np.testing.assert_array_equal(o[:, 0], [b.count("1") for b in bits])
    np.testing.assert_array_equal(o[:, 1], [len(b) - len(b.lstrip("0")) for b in bits])
    np.testing.assert_array_equal(o[:, 2], [len(b) - len(b.rstrip("0")) for b in bits])
    np.testing.assert_array_equal(o[:, 3], [int(b[::-1], 2) for b in bits])
    np.testing.assert_array_equal(o[:, 4], (u >> 4) & 0xFF)
    np.testing.assert_array_equal(o[:, 5], (u & ~np.uint32(0xFFF000)) | np.uint32(0xABC000))
    f = (i.astype(np.int64) >> 8) & 0x3F
    np.testing.assert_array_equal(p[:, 0], np.where(f >= 32, f - 64, f))
    np.testing.assert_array_equal(p[:, 1], [format(int(x) & 0xFFFFFFFF, "b").count("1") for x in i])


def test_integer_math_rejects_floats():
    @enigma.kernel
    def k(A: enigma.f32):
        A[0] = enigma.imin(A[0], A[1])

    with pytest.raises(TypeError, match="imin needs integer operands"):
        enigma.compile(k)

    @enigma.kernel
    def k2(A: enigma.u32):
        A[0] = enigma.extract_bits(A[0], 30, 4)

    with pytest.raises(TypeError, match="exceeds the 32 bits"):
        enigma.compile(k2)


# ---------------------------------------------------------------------------------------------
# §18 geometry, §19 pack/unpack
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def dot_kernel(Ax: enigma.f32, Ay: enigma.f32, Az: enigma.f32,
               Bx: enigma.f32, By: enigma.f32, Bz: enigma.f32,
               Out: enigma.f32):
    tid = enigma.thread_position_in_grid
    a = enigma.make_float3(Ax[tid], Ay[tid], Az[tid])
    b = enigma.make_float3(Bx[tid], By[tid], Bz[tid])
    Out[tid] = enigma.dot(a, b)


@enigma.kernel
def geometry(A: enigma.f32, B: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    a = enigma.make_float3(A[t * 3], A[t * 3 + 1], A[t * 3 + 2])
    b = enigma.make_float3(B[t * 3], B[t * 3 + 1], B[t * 3 + 2])
    O[t * 18 + 0] = enigma.length(a)
    O[t * 18 + 1] = enigma.distance(a, b)
    nrm = enigma.normalize(b)
    cr = enigma.cross(a, b)
    rf = enigma.reflect(a, nrm)
    rr = enigma.refract(a, nrm, 0.5)
    ff = enigma.faceforward(a, b, nrm)
    for k, v in enumerate([nrm, cr, rf, rr, ff]):
        O[t * 18 + 2 + k * 3] = v.x
        O[t * 18 + 3 + k * 3] = v.y
        O[t * 18 + 4 + k * 3] = v.z
    O[t * 18 + 17] = enigma.dot(enigma.make_float2(A[t], B[t]), enigma.make_float2(1.0, 2.0))


def test_dot_kernel():
    n = 64
    arrs = [rng.standard_normal(n).astype(np.float32) for _ in range(6)]
    out = np.zeros(n, np.float32)
    run(dot_kernel, *arrs, out, grid=n)
    want = arrs[0] * arrs[3] + arrs[1] * arrs[4] + arrs[2] * arrs[5]
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)


def test_geometry():
    n = 32
    a = rng.standard_normal((n, 3)).astype(np.float32)
    b = rng.standard_normal((n, 3)).astype(np.float32)
    o = np.zeros(n * 18, np.float32)
    run(geometry, a.ravel(), b.ravel(), o, grid=n)
    o = o.reshape(n, 18)
    tol = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(o[:, 0], np.linalg.norm(a, axis=1), **tol)
    np.testing.assert_allclose(o[:, 1], np.linalg.norm(a - b, axis=1), **tol)
    nrm = b / np.linalg.norm(b, axis=1, keepdims=True)
    np.testing.assert_allclose(o[:, 2:5], nrm, **tol)
    np.testing.assert_allclose(o[:, 5:8], np.cross(a, b), **tol)
    d = (nrm * a).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(o[:, 8:11], a - 2 * d * nrm, **tol)
    eta = 0.5
    kk = 1 - eta * eta * (1 - d * d)
    rr = np.where(kk < 0, 0, eta * a - (eta * d + np.sqrt(np.maximum(kk, 0))) * nrm)
    np.testing.assert_allclose(o[:, 11:14], rr, **tol)
    ff = np.where((nrm * b).sum(axis=1, keepdims=True) < 0, a, -a)
    np.testing.assert_allclose(o[:, 14:17], ff, **tol)
    np.testing.assert_allclose(o[:, 17], a.ravel()[:n] * 1 + b.ravel()[:n] * 2, **tol)


def test_geometry_errors():
    @enigma.kernel
    def k(A: enigma.f32):
        A[0] = enigma.cross(enigma.make_float2(A[0], A[1]), enigma.make_float2(A[1], A[0])).x

    with pytest.raises(TypeError, match="3-lane"):
        enigma.compile(k)

    @enigma.kernel
    def k2(A: enigma.f32):
        A[0] = enigma.dot(A[0], A[1])

    with pytest.raises(TypeError, match="float vectors"):
        enigma.compile(k2)


def _pack_ref(fmt, v):
    v = v.astype(np.float64)
    if fmt == "unorm4x8":
        q = np.rint(np.clip(v, 0, 1) * 255).astype(np.uint32)
        return q[:, 0] | q[:, 1] << 8 | q[:, 2] << 16 | q[:, 3] << 24
    if fmt == "snorm4x8":
        q = np.rint(np.clip(v, -1, 1) * 127).astype(np.int64) & 0xFF
        return (q[:, 0] | q[:, 1] << 8 | q[:, 2] << 16 | q[:, 3] << 24).astype(np.uint32)
    if fmt == "unorm2x16":
        q = np.rint(np.clip(v, 0, 1) * 65535).astype(np.uint32)
        return q[:, 0] | q[:, 1] << 16
    if fmt == "snorm2x16":
        q = np.rint(np.clip(v, -1, 1) * 32767).astype(np.int64) & 0xFFFF
        return (q[:, 0] | q[:, 1] << 16).astype(np.uint32)
    if fmt == "unorm10a2":
        q = np.rint(np.clip(v, 0, 1) * [1023, 1023, 1023, 3]).astype(np.uint32)
        return q[:, 0] | q[:, 1] << 10 | q[:, 2] << 20 | q[:, 3] << 30
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", ["unorm4x8", "snorm4x8", "unorm2x16", "snorm2x16", "unorm10a2"])
def test_pack_unpack(fmt):
    lanes = 2 if "2x16" in fmt else 4
    pack = getattr(enigma, f"pack_float_to_{fmt}")
    unpack = getattr(enigma, f"unpack_{fmt}_to_float")

    @enigma.kernel
    def k(V: enigma.f32, P: enigma.u32, U: enigma.f32):
        t = enigma.thread_position_in_grid
        comps = [V[t * lanes + i] for i in range(lanes)]
        v = enigma.make_float4(*comps) if lanes == 4 else enigma.make_float2(*comps)
        p = pack(v)
        P[t] = p
        u = unpack(p)
        for i, c in enumerate("xyzw"[:lanes]):
            U[t * lanes + i] = getattr(u, c)

    n = 64
    v = (rng.random((n, lanes)) * 2.4 - 1.2).astype(np.float32)
    p = np.zeros(n, np.uint32)
    u = np.zeros(n * lanes, np.float32)
    run(k, v.ravel(), p, u, grid=n)
    np.testing.assert_array_equal(p, _pack_ref(fmt, v))
    u = u.reshape(n, lanes)
    if fmt.startswith("snorm"):
        scale = 127 if "4x8" in fmt else 32767
        q = np.rint(np.clip(v, -1, 1) * scale)
        want = np.maximum(q / scale, -1)
    else:
        scale = np.array([1023, 1023, 1023, 3]) if fmt == "unorm10a2" else (
            255 if "4x8" in fmt else 65535)
        want = np.rint(np.clip(v, 0, 1) * scale) / scale
    np.testing.assert_allclose(u, want.astype(np.float32), rtol=1e-6, atol=1e-7)


@enigma.kernel
def srgb(V: enigma.f32, P: enigma.u32, U: enigma.f32):
    t = enigma.thread_position_in_grid
    v = enigma.make_float4(V[t * 4], V[t * 4 + 1], V[t * 4 + 2], V[t * 4 + 3])
    p = enigma.pack_float_to_srgb_unorm4x8(v)
    P[t] = p
    r_back = enigma.unpack_srgb_unorm4x8_to_float(p)
    U[t * 4] = r_back.x
    U[t * 4 + 1] = r_back.y
    U[t * 4 + 2] = r_back.z
    U[t * 4 + 3] = r_back.w


def test_srgb_pack_round_trip():
    n = 64
    v = rng.random((n, 4)).astype(np.float32)
    v[0] = [0, 1, 0.5, 0.0031308]
    p = np.zeros(n, np.uint32)
    u = np.zeros(n * 4, np.float32)
    run(srgb, v.ravel(), p, u, grid=n)

    def to_srgb(c):
        return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)

    enc = np.rint(np.concatenate([to_srgb(v[:, :3]), v[:, 3:]], axis=1) * 255).astype(np.int64)
    got = np.stack([(p >> s) & 0xFF for s in (0, 8, 16, 24)], axis=1).astype(np.int64)
    assert np.abs(got - enc).max() <= 1  # sRGB encoding within one step of the exact curve
    np.testing.assert_allclose(u.reshape(n, 4), v, atol=0.02)


# ---------------------------------------------------------------------------------------------
# §21 quad_broadcast
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def quad_bcast(X: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    O[t * 2] = enigma.quad_broadcast(X[t], 2)
    O[t * 2 + 1] = enigma.quad_broadcast(X[t], t % 4)


def test_quad_broadcast():
    n = 64
    x = rng.random(n, dtype=np.float32)
    o = np.zeros(n * 2, np.float32)
    run(quad_bcast, x, o, grid=n, block=32)
    o = o.reshape(n, 2)
    np.testing.assert_array_equal(o[:, 0], np.repeat(x.reshape(-1, 4)[:, 2], 4))
    np.testing.assert_array_equal(o[:, 1], x)


# ---------------------------------------------------------------------------------------------
# §26 matrices
# ---------------------------------------------------------------------------------------------


@enigma.kernel
def matrices(A: enigma.f32, V: enigma.f32, O: enigma.f32):
    t = enigma.thread_position_in_grid
    cols = [enigma.make_float3(A[t * 9 + 3 * c], A[t * 9 + 3 * c + 1], A[t * 9 + 3 * c + 2])
            for c in range(3)]
    m = enigma.make_matrix(*cols)  # float3x3, column-major
    v = enigma.make_float3(V[t * 3], V[t * 3 + 1], V[t * 3 + 2])
    mm = enigma.matmul(m, m, result_dtype="float3x3")
    mv = enigma.matmul(m, v)
    tr = enigma.transpose(m)
    det = enigma.determinant(m, scalar_dtype="float")
    for c in range(3):
        for r in range(3):
            O[t * 28 + c * 3 + r] = mm[c][r]
            O[t * 28 + 9 + c * 3 + r] = tr[c][r]
        O[t * 28 + 18 + c] = mv[c]
    O[t * 28 + 21] = det
    s = (m + tr) * 0.5 - m * 1.0
    w = v * m  # vector x matrix
    for c in range(3):
        O[t * 28 + 22 + c] = w[c]
        O[t * 28 + 25 + c] = s[c][c]


def test_matrix_operations():
    n = 16
    a = rng.standard_normal((n, 3, 3)).astype(np.float32)  # a[t, col, row]
    v = rng.standard_normal((n, 3)).astype(np.float32)
    o = np.zeros(n * 28, np.float32)
    run(matrices, a.ravel(), v.ravel(), o, grid=n)
    o = o.reshape(n, 28)
    m = np.transpose(a, (0, 2, 1))  # m[t, row, col]
    tol = dict(rtol=1e-4, atol=1e-4)
    mm = m @ m
    np.testing.assert_allclose(o[:, 0:9], np.transpose(mm, (0, 2, 1)).reshape(n, 9), **tol)
    np.testing.assert_allclose(o[:, 9:18], m.reshape(n, 9), **tol)  # transpose's columns
    np.testing.assert_allclose(o[:, 18:21], np.einsum("trc,tc->tr", m, v), **tol)
    np.testing.assert_allclose(o[:, 21], np.linalg.det(m), **tol)
    np.testing.assert_allclose(o[:, 22:25], np.einsum("tr,trc->tc", v, m), **tol)
    np.testing.assert_allclose(o[:, 25:28], np.zeros((n, 3)), atol=1e-5)


def test_matrix_errors():
    @enigma.kernel
    def k(A: enigma.f32):
        m = enigma.make_matrix(enigma.make_float2(A[0], A[1]), enigma.make_float2(A[2], A[3]))
        A[0] = enigma.determinant(m, scalar_dtype="half")

    with pytest.raises(TypeError, match="the result is float, not half"):
        enigma.compile(k)

    @enigma.kernel
    def k2(A: enigma.f32):
        m = enigma.make_matrix([A[0], A[1], A[2]], [A[3], A[4], A[5]])  # float2x3
        A[0] = enigma.determinant(m)

    with pytest.raises(TypeError, match="square"):
        enigma.compile(k2)

    @enigma.kernel
    def k3(A: enigma.f32):
        m = enigma.make_matrix([A[0], A[1], A[2]], [A[3], A[4], A[5]])  # float2x3
        A[0] = enigma.matmul(m, m)[0][0]

    with pytest.raises(TypeError, match="cannot multiply float2x3 by float2x3"):
        enigma.compile(k3)
