//===- Passes.td - Enigma passes ---------------------------*- tablegen -*-===//

#ifndef ENIGMA_PASSES_TD
#define ENIGMA_PASSES_TD

include "mlir/Pass/PassBase.td"

def EnigmaCheckLayoutDivisions : Pass<"enigma-check-layout-divisions"> {
  let summary = "Reject layout divisions whose tiler exceeds the tensor";
  let description = [{
    Evaluates every `enigma.layout_{logical,zipped,tiled,flat}_divide` with the C layout core.
    A division whose tile does not fit in the mode it divides is reported at the op's location
    with the core's message (`logical_divide: tiler exceeds tensor in mode M: the tile T (size t)
    spans e elements but mode L has size s`), as is
    any other invalid division (divisibility, non-static operand); the pass fails after
    reporting all of them. Valid IR is left unchanged.

    The pass is op-agnostic: it runs on a `builtin.module`, nested under a `gpu.module`, or on
    each `enigma.kernel` (`builtin.module(enigma.kernel(enigma-check-layout-divisions))`).

    Before (fails):
    ```mlir
    %t = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
    %d = enigma.layout_zipped_divide %t by #enigma.tiler<(16,4)>
    ```
    ```
    error: invalid layout division: logical_divide: tiler exceeds tensor in mode 0: the tile 16:1
           (size 16) spans 16 elements but 8:1 has size 8
    ```
  }];
}

def EnigmaLowerLayouts : Pass<"enigma-lower-layouts"> {
  let summary = "Fold static layout algebra and lower layout_apply to index arithmetic";
  let description = [{
    Folds every layout algebra op through the C layout core (reporting the core's message for
    any that cannot be evaluated), then rewrites `enigma.layout_apply` into `arith` ops on
    `index`. A coordinate that spans several shape leaves (one index for the whole layout, or
    one per mode) is split over the leaves of the coalesced layout (or mode), so only leaves
    that really differ cost a `divui`/`remui` (a mask and a shift for powers of two); leaves
    of size 1 or stride 0 cost nothing. No `!enigma.layout` value survives.

    Before:
    ```mlir
    %l = enigma.layout_constant #enigma.layout<(4,(2,8)):(16,(8,1))>
    %o = enigma.layout_apply %l [%i, %j]
    ```
    After:
    ```mlir
    %c16 = arith.constant 16 : index
    %0 = arith.muli %i, %c16 : index
    %c1 = arith.constant 1 : index
    %1 = arith.andi %j, %c1 : index
    %c8 = arith.constant 8 : index
    %2 = arith.muli %1, %c8 : index
    %3 = arith.addi %0, %2 : index
    %4 = arith.shrui %j, %c1 : index
    %o = arith.addi %3, %4 : index
    ```

    A compact layout applied to one index, e.g. `(3,5):(1,3)`, lowers to the index itself.

    The pass is op-agnostic: it runs on a `builtin.module`, nested under a `gpu.module`
    (`builtin.module(gpu.module(enigma-lower-layouts))`), or on each `enigma.kernel` in parallel.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def EnigmaVectorize : Pass<"enigma-vectorize"> {
  let summary = "Thread-coarsen kernels by a width and use vector memory accesses";
  let description = [{
    Each thread of a vectorized kernel does the work of `width` consecutive threads along
    `thread_position_in_grid.x`. The kernel records `enigma.coarsen = width` and gains an
    implicit scalar argument carrying the original x grid size (launchers divide the x grid by
    the width, rounding up, and pass the original size), so users launch the same grid with or
    without vectorization and every thread's work keeps its meaning.

    The body becomes a vector fast path, taken when all `width` coarsened threads exist and take
    the same side of the kernel's bounds guard (`if (tid < n)`), and a scalar tail that runs the
    original body once per coarsened thread. In the fast path, memory accesses whose index is
    contiguous in the thread id become one `vector.load`/`vector.store` (with `alignment` set
    when `width * sizeof(T)`-byte alignment is proven), other accesses become per-lane
    gathers/scatters, and arithmetic becomes vector arithmetic.

    Kernels the pass cannot vectorize safely (barriers, cross-lane or SIMD-group matrix ops,
    atomics, threadgroup memory, thread indices other than `thread_position_in_grid`, control
    flow it does not widen, and, unless `coarsen-launched` is set, kernels marked `gpu.kernel`
    that host `gpu.launch_func` ops launch) are left unchanged with a remark saying why.

    The pass is op-agnostic: it rewrites the `enigma.kernel`s under the op it runs on (a
    `builtin.module`, a `gpu.module`, or one kernel: `builtin.module(enigma.kernel(...))`).

    Before (`width=4`):
    ```mlir
    %tid = enigma.thread_position_in_grid x
    %ok = arith.cmpi ult, %tid, %n : index
    scf.if %ok {
      %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
      memref.store %a, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
    }
    ```
    After (sketch):
    ```mlir
    %t = enigma.thread_position_in_grid x
    %base = arith.muli %t, %c4 : index
    scf.if %all_lanes_in_grid_and_guard {
      %v = vector.load %A[%base] {alignment = 16 : i64} : ..., vector<4xf32>
      vector.store %v, %C[%base] {alignment = 16 : i64} : ..., vector<4xf32>
    } else {
      scf.for %lane = %c0 to %c4 step %c1 { ... original body at %base + %lane ... }
    }
    ```
  }];
  let options = [
    Option<"vecWidth", "vec-width", "unsigned", /*default=*/"4",
           "Threads of work per vectorized thread: 2 or 4 (Metal vectors have at most 4 elements)">,
    Option<"coarsenLaunched", "coarsen-launched", "bool", /*default=*/"false",
           "Also coarsen kernels marked gpu.kernel (launched by host gpu.launch_func ops); the "
           "caller must then run enigma-update-gpu-launches on the module holding the launches">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // ENIGMA_PASSES_TD
