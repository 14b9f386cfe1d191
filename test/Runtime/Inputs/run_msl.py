"""Runs one MSL kernel on the CPU runtime and prints its writable buffers (lit driver).

    run_msl.py SOURCE KERNEL --grid X[,Y[,Z]] --block X[,Y[,Z]] [options] ARG...

Each ARG is `TYPE:COUNT=INIT` for a buffer (INIT: a number, `arange` or `arange*K`) or
`TYPE=VALUE` for a scalar, with TYPE one of f32 i32 u32. Errors print as
`error (<kind>): <message>` with exit status 1. Uses the pointer-level entry
(CpuKernel.launch_raw) and the standard library only, so it runs under any python3.
"""

import argparse
import array
import sys

from enigma import EnigmaError, runtime

TYPECODES = {"f32": "f", "i32": "i", "u32": "I"}


def parse_arg(spec: str) -> array.array:
    kind, _, init = spec.partition("=")
    type_name, _, count = kind.partition(":")
    code = TYPECODES[type_name]
    conv = float if code == "f" else int
    if not count:
        return array.array(code, [conv(init)])
    n = int(count)
    if init.startswith("arange"):
        scale = float(init.split("*")[1]) if "*" in init else 1.0
        return array.array(code, [conv(i * scale) for i in range(n)])
    return array.array(code, [conv(float(init))] * n)


def dims(text: str) -> tuple:
    return tuple(int(v) for v in text.split(","))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("source")
    p.add_argument("kernel")
    p.add_argument("--grid", type=dims, required=True)
    p.add_argument("--block", type=dims, required=True)
    p.add_argument("--coarsen", type=int, default=1)
    p.add_argument("--exited-threads-skip-barriers", action="store_true")
    p.add_argument("--threadgroup-memory", action="append", default=[], metavar="I=BYTES")
    p.add_argument("args", nargs="*")
    opts = p.parse_intermixed_args()
    with open(opts.source) as f:
        source = f.read()
    try:
        k = runtime.compile_msl(source, opts.kernel)
        args = [parse_arg(a) for a in opts.args]
        raw = [(a.buffer_info()[0], a.buffer_info()[1] * a.itemsize) for a in args]
        k.launch_raw(
            raw,
            grid=opts.grid,
            block=opts.block,
            coarsen=opts.coarsen,
            exited_threads_skip_barriers=opts.exited_threads_skip_barriers,
            threadgroup_memory={
                int(i): int(n) for i, n in (t.split("=") for t in opts.threadgroup_memory)
            },
        )
    except EnigmaError as exc:
        print(f"error ({getattr(exc, 'kind', '?')}): {exc}")
        return 1
    for param, value in zip(k.args, args):
        if param.kind == "buffer" and not param.read_only:
            print(f"{param.name} = {value.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
