//===- InitAll.h - Register Enigma's dialects and passes --------*- C++ -*-===//
//
// The one list of what Enigma's tools and C API load: the enigma dialect, the upstream dialects
// kernels are written in, and the passes users expect from an mlir-opt style driver.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_INITALL_H
#define ENIGMA_INITALL_H

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <mutex>

#include "enigma/Dialect/Enigma/Transforms/Passes.h"

namespace mlir {
namespace enigma {

/// Adds the enigma dialect and the upstream dialects Enigma IR uses to `registry`.
inline void registerAllDialects(DialectRegistry &registry) {
  registry.insert<EnigmaDialect, arith::ArithDialect, math::MathDialect, scf::SCFDialect,
                  memref::MemRefDialect, vector::VectorDialect, func::FuncDialect,
                  ub::UBDialect>();
  func::registerInlinerExtension(registry);
}

/// Registers Enigma's passes and pipelines and the upstream passes an mlir-opt user expects
/// (canonicalize, cse, inline, symbol-dce, loop-invariant-code-motion, sccp, ...). Idempotent
/// and thread-safe: the compiler, the C API and the tools all call it.
inline void registerAllPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerTransformsPasses();
    arith::registerArithPasses();
    registerEnigmaPassesAndPipeline();
  });
}

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_INITALL_H
