"""A kernel the vectorizer leaves scalar says why: a RuntimeWarning and metadata["remarks"]."""

import numpy as np
import pytest

import enigma


@enigma.kernel
def _copy_with_barrier(A: enigma.f32, C: enigma.f32):
    tid = enigma.thread_position_in_grid.x
    enigma.barrier()
    C[tid] = A[tid]


def test_refused_kernel_warns_with_reason_and_runs_scalar() -> None:
    with pytest.warns(RuntimeWarning, match=r"left scalar: .*it synchronizes threads \(barrier\)"):
        ck = enigma.compile(_copy_with_barrier, vec_width=4)
    assert ck.coarsen == 1
    assert any("synchronizes threads" in r for r in ck.metadata["remarks"])
    # Cached compiles keep the reason.
    with pytest.warns(RuntimeWarning, match="synchronizes threads"):
        enigma.compile(_copy_with_barrier, vec_width=4)
    a = np.arange(64, dtype=np.float32)
    c = np.zeros_like(a)
    ck(a, c, grid=(64, 1, 1), block=(32, 1, 1))
    np.testing.assert_array_equal(a, c)


def test_scalar_compile_does_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    enigma.compile(_copy_with_barrier, vec_width=0)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@enigma.kernel
def _scale_2d(A: enigma.f32, C: enigma.f32, w: enigma.Scalar(enigma.u32), h: enigma.Scalar(enigma.u32)):
    x = enigma.thread_position_in_grid.x
    y = enigma.thread_position_in_grid.y
    with enigma.if_((x < w) & (y < h)):
        C[y * w + x] = A[y * w + x] * 2.0


@pytest.mark.parametrize("vec_width", [2, 4])
@pytest.mark.parametrize("w,h,gx,gy", [(8, 3, 8, 3), (13, 5, 16, 7), (1, 1, 3, 2), (33, 4, 40, 4)])
def test_2d_guard_vectorizes_and_matches(vec_width: int, w: int, h: int, gx: int, gy: int) -> None:
    ck = enigma.compile(_scale_2d, vec_width=vec_width)
    assert ck.coarsen == vec_width
    a = np.arange(w * h + 8, dtype=np.float32)
    c = np.full_like(a, -1.0)
    ck(a, c, w, h, grid=(gx, gy, 1), block=(8, 1, 1))
    want = np.full_like(a, -1.0)
    want[: w * h] = a[: w * h] * 2.0
    np.testing.assert_array_equal(c, want)
