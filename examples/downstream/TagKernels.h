//===- TagKernels.h - downstream-tag-kernels --------------------*- C++ -*-===//

#ifndef DOWNSTREAM_TAGKERNELS_H
#define DOWNSTREAM_TAGKERNELS_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace downstream {

/// downstream-tag-kernels, on gpu.module: numbers each enigma.kernel (downstream.kernel_id) and
/// drops its gpu.kernel marker so that enigma-vectorize may coarsen it.
std::unique_ptr<mlir::Pass> createTagKernelsPass();

/// Registers downstream-tag-kernels with the pass registry (mlir-opt's command line).
void registerTagKernelsPass();

} // namespace downstream

#endif // DOWNSTREAM_TAGKERNELS_H
