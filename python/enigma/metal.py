"""macOS only: building a ``.metallib`` with Apple's toolchain and dispatching it with Metal.

Everything here shells out to ``xcrun`` (Xcode command-line tools); it is isolated in this one
module so the rest of Enigma runs on any OS. Failures raise EnigmaError carrying xcrun's output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import EnigmaError

__all__ = ["build_metallib", "run_xcrun"]


def run_xcrun(args: list[str]) -> subprocess.CompletedProcess:
    """Runs ``xcrun -sdk macosx <args>``; raises EnigmaError (with stderr) when it fails."""
    cmd = ["xcrun", "-sdk", "macosx", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise EnigmaError("cannot build a metallib: 'xcrun' was not found (install the Xcode "
                          "command-line tools, or compile with emit_only=True)") from None
    except OSError as exc:
        raise EnigmaError(f"cannot run xcrun: {exc}") from None
    if proc.returncode != 0:
        raise EnigmaError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n"
                          f"{proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def build_metallib(msl: str, kernel_name: str, work_dir: Path) -> Path:
    """Compiles `msl` to ``<work_dir>/<kernel_name>.metallib`` (via a .air file)."""
    work_dir = Path(work_dir)
    src = work_dir / f"{kernel_name}.metal"
    air = work_dir / f"{kernel_name}.air"
    lib = work_dir / f"{kernel_name}.metallib"
    wrote_src = not src.exists()
    src.write_text(msl)
    try:
        run_xcrun(["metal", "-c", str(src), "-o", str(air)])
        run_xcrun(["metallib", str(air), "-o", str(lib)])
    finally:
        air.unlink(missing_ok=True)
        if wrote_src:
            src.unlink(missing_ok=True)
    return lib
