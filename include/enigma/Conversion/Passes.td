//===- Passes.td - Conversions into the Enigma dialect ----*- tablegen -*-===//

#ifndef ENIGMA_CONVERSION_PASSES_TD
#define ENIGMA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertGpuToEnigma : Pass<"convert-gpu-to-enigma"> {
  let summary = "Convert the kernels of gpu.modules to enigma.kernels";
  let description = [{
    Converts every kernel `gpu.func` of every `gpu.module` under the op it runs on into an
    `enigma.kernel` of the same name (so the host's `gpu.launch_func` still names it):

    - memref memory spaces: none or `#gpu.address_space<global>` become
      `#enigma.address_space<device>`, `workgroup` becomes `threadgroup`, `private` becomes
      `thread`; any other memory space is an error at the op that uses it;
    - arguments: buffer indices by position; non-memref arguments are scalars passed by value;
      workgroup attributions become `enigma.threadgroup_alloc`s, private attributions
      `memref.alloca`s; `known_block_size` is kept;
    - builtins one to one: `gpu.thread_id` -> `thread_position_in_threadgroup`, `gpu.block_id` ->
      `threadgroup_position_in_grid`, `gpu.block_dim` -> `threads_per_threadgroup`,
      `gpu.grid_dim` -> `threadgroups_per_grid`, `gpu.global_id` -> `thread_position_in_grid`,
      `gpu.lane_id` -> `thread_index_in_simdgroup`, `gpu.subgroup_id` ->
      `simdgroup_index_in_threadgroup`, `gpu.subgroup_size` -> `threads_per_simdgroup`;
    - `gpu.barrier` -> `enigma.threadgroup_barrier <device|threadgroup>`,
      `gpu.return` -> `enigma.return`;
    - `gpu.shuffle` with a constant width of 32 (the SIMD-group size) -> `enigma.simd_shuffle`
      (the validity result computed from the lane index); `gpu.subgroup_reduce` ->
      `enigma.simd_reduce`, or `enigma.quad_reduce` for clusters of 4 consecutive lanes
      (`minimumf`/`maximumf` have no Metal equivalent: `simd_min`/`simd_max` do not propagate
      NaN).

    Afterwards `threadgroup_position_in_grid d * threads_per_threadgroup d +
    thread_position_in_threadgroup d` (upstream's `block_id * block_dim + thread_id`) becomes
    `thread_position_in_grid d`, which `enigma-vectorize` recognizes.

    Every other `gpu` op or form inside a kernel is an error at that op, as are non-kernel
    `gpu.func`s (Metal kernels call no device functions here yet), kernel arguments that are
    neither ranked memrefs nor integer/index/float scalars, and kernels of several blocks
    (Enigma kernels keep their control flow in `scf`).

    The pass is op-agnostic: run it on the top-level module (it converts inside each
    `gpu.module`) or nested on a `gpu.module`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::enigma::EnigmaDialect",
                           "::mlir::memref::MemRefDialect"];
}

def EnigmaExtractKernels : Pass<"enigma-extract-kernels", "::mlir::ModuleOp"> {
  let summary = "Keep only the enigma.kernels, moved to the top-level module";
  let description = [{
    Moves every `enigma.kernel` (from the `gpu.module`s `convert-gpu-to-enigma` leaves them in)
    to the top-level module and erases everything else (host functions, `gpu.module`s), so
    `enigma-translate --to-msl` can read the result. Two kernels with the same name are an
    error. The host's launches are dropped: the grid and the arguments are the caller's.
  }];
}

def EnigmaUpdateGpuLaunches : Pass<"enigma-update-gpu-launches", "::mlir::ModuleOp"> {
  let summary = "Make gpu.launch_func ops launch their coarsened enigma.kernels";
  let description = [{
    For every `gpu.launch_func` whose kernel is an `enigma.kernel` that `enigma-vectorize`
    coarsened by N (`enigma.coarsen = N`, with the implicit grid-size argument appended): the x
    grid becomes `ceil(ceil(gridX * blockX / N) / blockX)` blocks of the same size, and the
    original x thread count `gridX * blockX` is passed (as `i32`) for the implicit argument, so
    every original thread's work is done exactly once. A launch whose arguments do not match the
    kernel is an error at the launch.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def EnigmaAttachTarget : Pass<"enigma-attach-target", "::mlir::ModuleOp"> {
  let summary = "Attach #enigma.target to gpu.modules";
  let description = [{
    Appends an `#enigma.target` (with the given `format` and `flags`) to the `targets` of every
    `gpu.module` directly under the module whose name matches the `module` regular expression,
    as upstream's `nvvm-attach-target` does for NVVM. Upstream `gpu-module-to-binary` then
    serializes those modules to Metal: MSL text (format `msl`) or, on macOS, a metallib. A module
    that already carries an equal `#enigma.target` is left as it is.
  }];
  let options = [
    Option<"moduleMatcher", "module", "std::string", /*default=*/[{".*"}],
           "Regular expression the names of the gpu.modules to attach to must match">,
    Option<"format", "format", "std::string", /*default=*/[{"msl"}],
           "Object format: msl (Metal Shading Language source) or metallib (macOS only)">,
    Option<"flags", "flags", "std::string", /*default=*/[{""}],
           "Extra `xcrun metal` arguments (format=metallib only)">,
  ];
  let dependentDialects = ["::mlir::enigma::EnigmaDialect", "::mlir::gpu::GPUDialect"];
}

def EnigmaMapParallelLoops : Pass<"enigma-map-parallel-loops"> {
  let summary = "Tile scf.parallel loops into threadgroups and map them onto the GPU";
  let description = [{
    Prepares `scf.parallel` loops for upstream's `convert-parallel-loops-to-gpu` so that each
    becomes a launch of `block-size`-thread threadgroups, instead of `gpu-map-parallel-loops`'
    one loop dimension per threadgroup of one thread. Every outermost `scf.parallel` of 1 to 3
    dimensions without a `mapping` attribute and without a nested `scf.parallel` is tiled
    (upstream `tileParallelLoop`, constant inner bounds, the edge guarded by an `scf.if`): the
    innermost dimension gets `block-size` threads (`min(32, block-size)` when there are several
    dimensions, the second innermost then gets the rest), each at most the dimension's trip
    count when that is a constant; other dimensions get 1. The tile loop is mapped to
    threadgroups and the loop inside to threads, dimension order reversed: the innermost
    (contiguous) loop dimension becomes `x`, so neighbouring threads of a SIMD-group touch
    neighbouring elements and `enigma-vectorize` can coarsen the kernel. Loops it leaves (more
    than 3 dimensions, already mapped, nested parallel loops) are for `gpu-map-parallel-loops`.
  }];
  let options = [
    Option<"blockSize", "block-size", "unsigned", /*default=*/"256",
           "Threads per threadgroup of the tiled loops (1 to 1024)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect"];
}

#endif // ENIGMA_CONVERSION_PASSES_TD
