//===- GPUToEnigma.h - gpu kernels to enigma kernels ------------*- C++ -*-===//
//
// The pieces of `convert-gpu-to-enigma` for downstream pipelines: the memory-space type
// converter and the conversion patterns.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_CONVERSION_GPUTOENIGMA_GPUTOENIGMA_H
#define ENIGMA_CONVERSION_GPUTOENIGMA_GPUTOENIGMA_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace enigma {

/// Maps memref memory spaces to Metal address spaces: none or `#gpu.address_space<global>` ->
/// device, workgroup -> threadgroup, private -> thread. Memrefs already in an
/// `#enigma.address_space` and all other types are kept; any other memory space does not
/// convert (the conversion reports an error at the op using it).
class GpuToEnigmaTypeConverter : public TypeConverter {
public:
  explicit GpuToEnigmaTypeConverter(MLIRContext *ctx);
};

/// Adds the patterns converting kernel `gpu.func`s, `gpu.return`, the `gpu` builtins and
/// `gpu.barrier` to Enigma, and the pattern retyping the memrefs of any other op.
void populateGpuToEnigmaConversionPatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns);

/// Adds the pattern rewriting `threadgroup_position_in_grid d * threads_per_threadgroup d +
/// thread_position_in_threadgroup d` (upstream's `block_id * block_dim + thread_id`) to
/// `thread_position_in_grid d`, which enigma-vectorize recognizes.
void populateGlobalIdPatterns(RewritePatternSet &patterns);

/// Marks what the patterns produce legal, the `gpu` ops they replace illegal, and any other op
/// legal once its types are (`gpu.module` stays).
void configureGpuToEnigmaConversionTarget(ConversionTarget &target,
                                          const TypeConverter &converter);

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_CONVERSION_GPUTOENIGMA_GPUTOENIGMA_H
