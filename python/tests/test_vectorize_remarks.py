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
