//===- MapParallelLoops.cpp - enigma-map-parallel-loops -------------------===//
//
// Tiles outermost scf.parallel loops into threadgroups of `block-size` threads and maps the
// tile loop onto threadgroups, the loop inside onto threads, innermost dimension first, for
// upstream's convert-parallel-loops-to-gpu. Without it, gpu-map-parallel-loops maps a
// one-dimensional loop onto threadgroups of one thread each.
//
//===----------------------------------------------------------------------===//

#include "enigma/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_ENIGMAMAPPARALLELLOOPS
#include "enigma/Conversion/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;

namespace {

/// The constant trip count of dimension `d`, if its bounds and step are constants.
std::optional<int64_t> constantTripCount(scf::ParallelOp loop, unsigned d) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[d]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[d]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[d]);
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return *ub <= *lb ? 0 : (*ub - *lb + *step - 1) / *step;
}

/// Threads per dimension: the innermost gets the block (a SIMD-group's width of it when
/// there are more dimensions, the next one the rest), capped by constant trip counts.
SmallVector<int64_t> tileSizesFor(scf::ParallelOp loop, unsigned blockSize) {
  unsigned rank = loop.getNumLoops();
  SmallVector<int64_t> sizes(rank, 1);
  int64_t left = blockSize;
  for (unsigned k = 0; k < std::min(rank, 2u) && left > 1; ++k) {
    unsigned d = rank - 1 - k;
    int64_t want = (k == 0 && rank > 1) ? std::min<int64_t>(32, left) : left;
    if (std::optional<int64_t> trip = constantTripCount(loop, d))
      want = std::max<int64_t>(1, std::min(want, *trip));
    sizes[d] = want;
    left /= want;
  }
  return sizes;
}

/// Maps loop dimension d of a `rank`-dimensional loop onto processor `first + (rank-1-d)`:
/// the innermost dimension onto x.
LogicalResult mapReversed(scf::ParallelOp loop, gpu::Processor first) {
  MLIRContext *ctx = loop.getContext();
  unsigned rank = loop.getNumLoops();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned d = 0; d < rank; ++d) {
    auto processor = static_cast<gpu::Processor>(static_cast<int64_t>(first) + (rank - 1 - d));
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id));
  }
  return gpu::setMappingAttr(loop, mapping);
}

/// tileParallelLoop computes the tile loop's steps (the inner loop's bounds) as
/// `step * tileSize`; with a constant step they become constants here, so the launch's block
/// size is a constant and nothing but the buffers becomes a kernel argument.
void foldConstantSteps(scf::ParallelOp outer) {
  for (Value step : outer.getStep()) {
    auto mul = step.getDefiningOp<arith::MulIOp>();
    if (!mul)
      continue;
    std::optional<int64_t> a = getConstantIntValue(mul.getLhs());
    std::optional<int64_t> b = getConstantIntValue(mul.getRhs());
    if (!a || !b)
      continue;
    OpBuilder builder(mul);
    Value folded = arith::ConstantIndexOp::create(builder, mul.getLoc(), *a * *b);
    mul.getResult().replaceAllUsesWith(folded);
    mul.erase();
  }
}

struct MapParallelLoops
    : public enigma::impl::EnigmaMapParallelLoopsBase<MapParallelLoops> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation()->emitError("enigma-map-parallel-loops: block-size must be in 1..1024, got ")
          << static_cast<uint64_t>(blockSize.getValue());
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> candidates;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>())
        return;
      if (loop.getNumLoops() > 3 || loop->hasAttr(gpu::getMappingAttrName()) ||
          loop.getNumReductions() != 0)
        return;
      bool nested = false;
      loop.getBody()->walk([&](scf::ParallelOp) { nested = true; });
      if (!nested)
        candidates.push_back(loop);
    });
    for (scf::ParallelOp loop : candidates) {
      SmallVector<int64_t> sizes = tileSizesFor(loop, blockSize);
      auto [outer, inner] = scf::tileParallelLoop(loop, sizes, /*noMinMaxBounds=*/true);
      foldConstantSteps(outer);
      if (failed(mapReversed(outer, gpu::Processor::BlockX)) ||
          failed(mapReversed(inner, gpu::Processor::ThreadX))) {
        outer.emitError("enigma-map-parallel-loops: cannot map the tiled loop");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
