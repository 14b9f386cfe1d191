"""The Python package finds and loads libEnigmaCAPI.so through ctypes."""

import ctypes
import re

import pytest

import enigma
from enigma import _capi


def test_library_loads_and_reports_version() -> None:
    lib = _capi.lib()
    lib.enigmaGetVersion.restype = ctypes.c_char_p
    version = lib.enigmaGetVersion().decode()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)


def test_missing_library_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(_capi, "_LIB", None)
    monkeypatch.setenv("ENIGMA_CAPI_LIB", str(tmp_path / "nope.so"))
    with pytest.raises(enigma.EnigmaError, match="native library was not found"):
        _capi.lib()
