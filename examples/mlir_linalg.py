"""MLIR from another front end: a linalg.generic on tensors (y = relu(W x + b) row by row is
two ops here: a matrix-vector product as a reduction, then a bias and ReLU), lowered by
enigma.compile_mlir through gpu-lower-to-enigma-pipeline (bufferization, linalg to parallel
loops tiled into threadgroups, gpu outlining, convert-gpu-to-enigma) to MSL, and run on the CPU
runtime."""

from __future__ import annotations

import enigma
import numpy as np

M, K = 64, 32

MLIR = f"""
#mk = affine_map<(i, k) -> (i, k)>
#k = affine_map<(i, k) -> (k)>
#i2 = affine_map<(i, k) -> (i)>
#i = affine_map<(i) -> (i)>
func.func @dense_relu(%w: tensor<{M}x{K}xf32>, %x: tensor<{K}xf32>, %b: tensor<{M}xf32>,
                      %acc: tensor<{M}xf32>) -> tensor<{M}xf32> {{
  %wx = linalg.generic {{indexing_maps = [#mk, #k, #i2], iterator_types = ["parallel", "reduction"]}}
      ins(%w, %x : tensor<{M}x{K}xf32>, tensor<{K}xf32>) outs(%acc : tensor<{M}xf32>) {{
  ^bb0(%wv: f32, %xv: f32, %s: f32):
    %p = arith.mulf %wv, %xv : f32
    %t = arith.addf %s, %p : f32
    linalg.yield %t : f32
  }} -> tensor<{M}xf32>
  %y = linalg.generic {{indexing_maps = [#i, #i, #i], iterator_types = ["parallel"]}}
      ins(%wx, %b : tensor<{M}xf32>, tensor<{M}xf32>) outs(%wx : tensor<{M}xf32>) {{
  ^bb0(%v: f32, %bv: f32, %o: f32):
    %s = arith.addf %v, %bv : f32
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }} -> tensor<{M}xf32>
  return %y : tensor<{M}xf32>
}}
"""


def run() -> dict:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((M, K)).astype(np.float32)
    x = rng.standard_normal(K).astype(np.float32)
    b = rng.standard_normal(M).astype(np.float32)
    module = enigma.compile_mlir(MLIR)
    # One kernel per linalg op, in two gpu.modules whose kernels share the function's name;
    # each parallel loop is tiled into threadgroups (one thread per output row here), and a
    # launch without block= uses the threadgroup size the kernel was compiled for.
    matvec, bias_relu = sorted(module)
    acc = np.zeros(M, np.float32)  # the reduction accumulates into its init tensor's buffer
    module[matvec](w, x, acc, grid=M)
    module[bias_relu](acc, b, grid=M)  # in place: the second op's output is its input
    expect = np.maximum(w @ x + b, 0)
    return {
        "kernel": module[matvec],
        "max_error": float(np.abs(acc - expect).max()),
        "result": f"{len(module)} kernels; y[:4] = {acc[:4]}",
    }
