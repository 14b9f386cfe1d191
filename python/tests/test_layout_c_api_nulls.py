"""The C layout core reports a NULL output pointer as an error instead of crashing."""

import ctypes

import enigma
from enigma import _capi


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 512)]


def test_null_output_pointers_are_invalid_argument_errors() -> None:
    # A private handle: setting argtypes on the shared one would change layout.py's bindings.
    _capi.lib()
    lib = ctypes.CDLL(str(_capi.library_path()))
    handle = ctypes.c_void_p()
    err = _Error()
    lib.enigmaLayoutParse.argtypes = [ctypes.c_char_p, ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p]
    assert lib.enigmaLayoutParse(b"(4,8):(1,4)", -1, ctypes.byref(handle), ctypes.byref(err)) == 0
    try:
        for name in ("enigmaLayoutSize", "enigmaLayoutCosize", "enigmaLayoutCoalesce",
                     "enigmaLayoutRightInverse", "enigmaLayoutGetShape"):
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
            err = _Error()
            status = fn(handle, None, ctypes.byref(err))
            assert status == 1, name  # ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT
            assert f"{name}: the output pointer" in err.message.decode(), err.message
        # A NULL error report is allowed too.
        assert lib.enigmaLayoutSize(handle, None, None) == 1
    finally:
        lib.enigmaLayoutDestroy.argtypes = [ctypes.c_void_p]
        lib.enigmaLayoutDestroy(handle)
    assert enigma.Layout((4, 8)).shape == (4, 8)
