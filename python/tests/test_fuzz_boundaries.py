"""Fuzzing of the input boundaries (DESIGN testing tier 5), short enough for every CI run.

Valid inputs (the traces of the example kernels, and the MLIR kernels of the MSL translation
tests) are mutated deterministically, structurally and byte by byte, and fed to
  - the C API compile entry point (trace import, enigma-pipeline, MSL translation), and
  - enigma-translate --to-msl (MLIR parsing, verification, translation).
Every input must end in a result or in diagnostics: never a crash, a hang or an empty failure.
Each batch runs in a child process so that a crash is caught and its input saved for a repro.

    ENIGMA_FUZZ_ITERATIONS=20000 ENIGMA_FUZZ_SEED=7 pytest python/tests/test_fuzz_boundaries.py

runs longer campaigns (defaults: 400 traces and 200 MLIR files per run, seed 1).
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import enigma
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("ENIGMA_FUZZ_SEED", "1"))
ITERATIONS = int(os.environ.get("ENIGMA_FUZZ_ITERATIONS", "400"))
TIMEOUT = 300  # seconds per batch: a hang fails the test instead of stalling CI


def _example_traces() -> list[dict]:
    """Traces of the example kernels (every op family the DSL emits)."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import histogram
        import reduction
        import softmax_rows
        import vector_add
        from enigma import kernel_trace as driver

        # (tiled_add's @jit kernel needs launch arguments to trace; these cover its ops.)
        traces = []
        for module in (vector_add, reduction, softmax_rows, histogram):
            for value in vars(module).values():
                if isinstance(value, enigma.KernelDef):
                    traces.append(driver.trace(value)[0])
        return traces
    finally:
        sys.path.pop(0)


# --- Mutations ----------------------------------------------------------------------------

_INTERESTING_INTS = [0, -1, 1, 2, 3, 31, 32, 33, 2**31 - 1, 2**31, 2**32, 2**53, -(2**63), 10**30]
_INTERESTING_STRINGS = [
    "",
    "f32",
    "i1",
    "index",
    "vector<4xf32>",
    "memref<?xf32>",
    "arith.addf",
    "scf.for",
    "scf.if",
    "enigma.threadgroup_barrier",
    "enigma.layout_apply",
    "#enigma.layout<(4,8):(8,1)>",
    "#enigma<dim w>",
    "\u00e9\u0000",
    "x" * 300,
]


def _walk(node, path=()):
    """(path, value) for every value of a JSON tree."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _mutate_tree(trace: dict, rng: random.Random) -> dict:
    t = copy.deepcopy(trace)
    for _ in range(rng.randint(1, 3)):
        nodes = list(_walk(t))
        path, value = rng.choice(nodes)
        if not path:
            continue
        parent = _get(t, path[:-1])
        key = path[-1]
        choice = rng.random()
        if choice < 0.15 and isinstance(parent, (dict, list)):
            del parent[key]  # a missing field or element
        elif choice < 0.3 and isinstance(parent, list):
            parent.insert(rng.randrange(len(parent) + 1), copy.deepcopy(value))  # duplicate
        elif isinstance(value, bool) or value is None:
            parent[key] = rng.choice([True, False, None, 0, "true"])
        elif isinstance(value, int):
            parent[key] = rng.choice(_INTERESTING_INTS + [value + rng.randint(-3, 3)])
        elif isinstance(value, str):
            parent[key] = rng.choice(_INTERESTING_STRINGS + [value[::-1], value + value])
        elif isinstance(value, list) and value and rng.random() < 0.5:
            rng.shuffle(value)
        else:
            parent[key] = rng.choice([[], {}, 0, "", None])
    return t


def _mutate_text(text: str, rng: random.Random) -> str:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        i = rng.randrange(len(data))
        op = rng.random()
        if op < 0.4:
            data[i] = rng.choice(b"0123456789-+:,()[]{}<>\"%@#x?!")
        elif op < 0.7:
            del data[i : i + rng.randint(1, 8)]
        else:
            j = rng.randrange(len(data))
            data[i:i] = data[j : j + rng.randint(1, 16)]
    return data.decode("utf-8", "replace")


# --- Child processes ----------------------------------------------------------------------

_COMPILE_CHILD = textwrap.dedent(
    """
    import json, sys
    from enigma.compiler import compile_trace
    inputs = json.load(open(sys.argv[1]))
    succeeded = 0
    for i, (text, vec_width) in enumerate(inputs):
        print(i, flush=True, file=sys.stderr)  # the last index printed is the culprit
        out = compile_trace(text.encode("utf-8", "surrogatepass"), vec_width=vec_width)
        if not out.succeeded and not out.diagnostics:
            print("FAILED WITHOUT DIAGNOSTICS", i)
            sys.exit(3)
        succeeded += out.succeeded and bool(out.msl)
    print("done", len(inputs), "succeeded", succeeded)
    """
)


def _run_batch(args: list[str], what: str, inputs_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(ROOT / "python"))
    try:
        proc = subprocess.run(
            args, check=False, capture_output=True, text=True, timeout=TIMEOUT, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what}: a batch did not finish in {TIMEOUT} s; inputs in {inputs_path}")
    return proc


def test_fuzz_trace_import_and_compile(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seeds = _example_traces()
    assert len(seeds) >= 4
    inputs: list[tuple[str, int]] = []
    for n in range(ITERATIONS):
        base = rng.choice(seeds)
        if n % 4 == 3:
            text = _mutate_text(json.dumps(base), rng)  # malformed JSON, bad UTF-8 escapes...
        else:
            text = json.dumps(_mutate_tree(base, rng))
        inputs.append((text, rng.choice([0, 0, 2, 4])))
    path = tmp_path / "traces.json"
    path.write_text(json.dumps(inputs))
    script = tmp_path / "child.py"
    script.write_text(_COMPILE_CHILD)
    proc = _run_batch([sys.executable, str(script), str(path)], "trace fuzzing", path)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["?"]
        culprit = tmp_path / "culprit.json"
        try:
            culprit.write_text(inputs[int(last[0])][0])
        except (ValueError, IndexError):
            pass
        keep = ROOT / "build" / "fuzz-failures"
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"trace-seed{SEED}.json").write_text(json.dumps(inputs))
        pytest.fail(
            f"compile crashed or failed silently (exit {proc.returncode}) on input {last[0]} "
            f"(seed {SEED}; saved in {culprit} and {keep}):\n{proc.stdout[-2000:]}\n"
            f"{proc.stderr[-2000:]}"
        )
    assert f"done {len(inputs)} " in proc.stdout
    # Some mutations keep the trace valid (reordered keys, harmless values): those went
    # through the whole pipeline to MSL, so the fuzzing reached past the importer.
    succeeded = int(proc.stdout.split("succeeded")[1])
    assert 0 < succeeded < len(inputs), proc.stdout


def _mlir_seeds() -> list[str]:
    """The kernels of the MSL translation tests (split at `// -----`), without RUN lines."""
    chunks = []
    for path in sorted((ROOT / "test" / "Target" / "MSL").glob("*.mlir")):
        for chunk in path.read_text().split("// -----"):
            lines = [ln for ln in chunk.splitlines() if not ln.lstrip().startswith("//")]
            body = "\n".join(lines).strip()
            if "enigma.kernel" in body:
                chunks.append(body)
    return chunks


def test_fuzz_mlir_translation(tmp_path: Path) -> None:
    translate = ROOT / "build" / "bin" / "enigma-translate"
    if not translate.exists():
        pytest.skip("enigma-translate is not built (ENIGMA_ENABLE_MLIR=OFF)")
    rng = random.Random(SEED + 1)
    seeds = _mlir_seeds()
    assert len(seeds) >= 10
    count = max(1, ITERATIONS // 2)
    mutated = [_mutate_text(rng.choice(seeds), rng) for _ in range(count)]
    # One process for the whole batch: -split-input-file translates the chunks one by one and
    # reports each chunk's errors; a crash takes the whole process down.
    path = tmp_path / "inputs.mlir"
    path.write_text("\n// -----\n".join(m.replace("// -----", "") for m in mutated))
    proc = _run_batch(
        [str(translate), "--to-msl", "-split-input-file", str(path), "-o", os.devnull],
        "MLIR fuzzing",
        path,
    )
    crashed = proc.returncode not in (0, 1) or "Stack dump" in proc.stderr or (
        "PLEASE submit a bug report" in proc.stderr
    )
    # Every chunk was looked at: most mutations are errors, reported one per failing chunk.
    assert proc.stderr.count("error:") >= count // 4, proc.stderr[-2000:]
    if crashed:
        keep = ROOT / "build" / "fuzz-failures"
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"mlir-seed{SEED}.mlir").write_text(path.read_text())
        pytest.fail(
            f"enigma-translate crashed (exit {proc.returncode}, seed {SEED}; inputs saved in "
            f"{keep}):\n{proc.stderr[-3000:]}"
        )
