//===- Passes.h - Conversions into the Enigma dialect -----------*- C++ -*-===//

#ifndef ENIGMA_CONVERSION_PASSES_H
#define ENIGMA_CONVERSION_PASSES_H

#include "enigma/Conversion/GPUToEnigma/GPUToEnigma.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace enigma {

#define GEN_PASS_DECL
#include "enigma/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "enigma/Conversion/Passes.h.inc"

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_CONVERSION_PASSES_H
