//===- GPUToEnigma.cpp - convert-gpu-to-enigma ----------------------------===//
//
// Kernel gpu.funcs (what upstream's gpu-kernel-outlining produces from linalg, scf.parallel and
// gpu.launch) become enigma.kernels, so upstream pipelines reach MSL.
//
//===----------------------------------------------------------------------===//

#include "enigma/Conversion/Passes.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_CONVERTGPUTOENIGMA
#define GEN_PASS_DEF_ENIGMAEXTRACTKERNELS
#define GEN_PASS_DEF_ENIGMAUPDATEGPULAUNCHES
#include "enigma/Conversion/Passes.h.inc"
} // namespace enigma
} // namespace mlir

using namespace mlir;
using namespace mlir::enigma;

/// The Metal address space of a memref memory space, if it has one.
static std::optional<AddressSpace> toMetalSpace(Attribute space) {
  if (!space)
    return AddressSpace::Device;
  if (auto gpuSpace = dyn_cast<gpu::AddressSpaceAttr>(space)) {
    switch (gpuSpace.getValue()) {
    case gpu::AddressSpace::Global:
      return AddressSpace::Device;
    case gpu::AddressSpace::Workgroup:
      return AddressSpace::Threadgroup;
    case gpu::AddressSpace::Private:
      return AddressSpace::Thread;
    }
  }
  if (auto enigmaSpace = dyn_cast<AddressSpaceAttr>(space))
    return enigmaSpace.getValue();
  return std::nullopt;
}

GpuToEnigmaTypeConverter::GpuToEnigmaTypeConverter(MLIRContext *ctx) {
  addConversion([](Type type) { return type; });
  addConversion([ctx](MemRefType type) -> std::optional<Type> {
    std::optional<AddressSpace> space = toMetalSpace(type.getMemorySpace());
    if (!space)
      return std::nullopt; // Not convertible: the op using it fails to legalize.
    return MemRefType::get(type.getShape(), type.getElementType(), type.getLayout(),
                           AddressSpaceAttr::get(ctx, *space));
  });
}

/// Metal's SIMD-group size on Apple GPUs: gpu.shuffle converts only with this width.
static constexpr int64_t kSimdWidth = 32;

/// Why a gpu.shuffle cannot become a simd_shuffle, if it cannot.
static std::optional<std::string> unsupportedShuffle(gpu::ShuffleOp op) {
  APInt width;
  if (!matchPattern(op.getWidth(), m_ConstantInt(&width)) || width != kSimdWidth)
    return std::string("gpu.shuffle converts only with a constant width of 32 (the Metal "
                       "SIMD-group size)");
  return std::nullopt;
}

/// The Metal reduction of a gpu.subgroup_reduce operation (and whether integer min/max compare
/// unsigned), if there is one.
static std::optional<std::pair<ReduceKind, bool>> toReduceKind(gpu::AllReduceOperation op) {
  using R = gpu::AllReduceOperation;
  switch (op) {
  case R::ADD:
    return std::make_pair(ReduceKind::Sum, false);
  case R::MUL:
    return std::make_pair(ReduceKind::Product, false);
  case R::MINSI:
  case R::MINNUMF:
    return std::make_pair(ReduceKind::Min, false);
  case R::MINUI:
    return std::make_pair(ReduceKind::Min, true);
  case R::MAXSI:
  case R::MAXNUMF:
    return std::make_pair(ReduceKind::Max, false);
  case R::MAXUI:
    return std::make_pair(ReduceKind::Max, true);
  case R::AND:
    return std::make_pair(ReduceKind::And, false);
  case R::OR:
    return std::make_pair(ReduceKind::Or, false);
  case R::XOR:
    return std::make_pair(ReduceKind::Xor, false);
  case R::MINIMUMF:
  case R::MAXIMUMF:
    return std::nullopt; // NaN-propagating: Metal's simd_min/max are not.
  }
  return std::nullopt;
}

/// Why a gpu.subgroup_reduce cannot become a simd/quad reduction, if it cannot.
static std::optional<std::string> unsupportedReduce(gpu::SubgroupReduceOp op) {
  if (!toReduceKind(op.getOp()))
    return ("gpu.subgroup_reduce " + gpu::stringifyAllReduceOperation(op.getOp()) +
            " has no Metal SIMD-group equivalent (simd_min/simd_max do not propagate NaN)")
        .str();
  std::optional<uint32_t> size = op.getClusterSize();
  if (size && !(*size == kSimdWidth || (*size == 4 && op.getClusterStride() == 1)))
    return std::string("gpu.subgroup_reduce converts only over the whole subgroup or over "
                       "clusters of 4 consecutive lanes (a Metal quad)");
  return std::nullopt;
}

namespace {

/// A kernel gpu.func becomes an enigma.kernel of the same name.
struct KernelFuncToEnigma : public OpConversionPattern<gpu::GPUFuncOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(gpu::GPUFuncOp func, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!func.isKernel())
      return rewriter.notifyMatchFailure(func, "not a kernel");
    const TypeConverter &converter = *getTypeConverter();
    MLIRContext *ctx = func.getContext();
    FunctionType type = func.getFunctionType();
    if (type.getNumResults() != 0)
      return rewriter.notifyMatchFailure(func, "a kernel returns nothing");

    unsigned numArgs = type.getNumInputs();
    SmallVector<Type> argTypes;
    SmallVector<DictionaryAttr> argAttrs;
    TypeConverter::SignatureConversion signature(func.getBody().getNumArguments());
    for (unsigned i = 0; i < numArgs; ++i) {
      Type argType = converter.convertType(type.getInput(i));
      if (!argType)
        return rewriter.notifyMatchFailure(func, "argument type does not convert");
      if (!isa<MemRefType>(argType) && !argType.isIntOrIndexOrFloat())
        return rewriter.notifyMatchFailure(func, "argument is neither a buffer nor a scalar");
      NamedAttrList attrs;
      attrs.append(KernelOp::kBufferIndexAttr, rewriter.getI32IntegerAttr(i));
      if (!isa<MemRefType>(argType))
        attrs.append(KernelOp::kScalarAttr, rewriter.getUnitAttr());
      argTypes.push_back(argType);
      argAttrs.push_back(attrs.getDictionary(ctx));
      signature.addInputs(i, argType);
    }

    // Attributions become allocations at the top of the body (in their converted types).
    Block &entry = func.getBody().front();
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&entry);
      auto remap = [&](BlockArgument arg, bool workgroup) -> LogicalResult {
        auto memrefType = dyn_cast_or_null<MemRefType>(converter.convertType(arg.getType()));
        if (!memrefType || !memrefType.hasStaticShape())
          return failure();
        Value alloc = workgroup
                          ? ThreadgroupAllocOp::create(rewriter, arg.getLoc(), memrefType)
                                .getResult()
                          : memref::AllocaOp::create(rewriter, arg.getLoc(), memrefType)
                                .getResult();
        signature.remapInput(arg.getArgNumber(), alloc);
        return success();
      };
      for (BlockArgument arg : func.getWorkgroupAttributions())
        if (failed(remap(arg, /*workgroup=*/true)))
          return rewriter.notifyMatchFailure(func, "workgroup attribution does not convert");
      for (BlockArgument arg : func.getPrivateAttributions())
        if (failed(remap(arg, /*workgroup=*/false)))
          return rewriter.notifyMatchFailure(func, "private attribution does not convert");
    }

    auto kernel = KernelOp::create(rewriter, func.getLoc(), func.getName(),
                                   FunctionType::get(ctx, argTypes, {}), argAttrs);
    // Host gpu.launch_func ops keep naming the kernel; their verifier wants the unit attribute.
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), rewriter.getUnitAttr());
    if (auto known = func.getKnownBlockSizeAttr())
      kernel->setAttr(func.getKnownBlockSizeAttrName(), known);
    rewriter.inlineRegionBefore(func.getBody(), kernel.getBody(), kernel.getBody().end());
    if (failed(rewriter.convertRegionTypes(&kernel.getBody(), converter, &signature)))
      return rewriter.notifyMatchFailure(func, "body types do not convert");
    rewriter.eraseOp(func);
    return success();
  }
};

struct ReturnToEnigma : public OpConversionPattern<gpu::ReturnOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(gpu::ReturnOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!adaptor.getOperands().empty() || !isa<KernelOp>(op->getParentOp()))
      return rewriter.notifyMatchFailure(op, "not the return of a kernel");
    rewriter.replaceOpWithNewOp<ReturnOp>(op);
    return success();
  }
};

static Dim toDim(gpu::Dimension dim) {
  switch (dim) {
  case gpu::Dimension::x:
    return Dim::X;
  case gpu::Dimension::y:
    return Dim::Y;
  case gpu::Dimension::z:
    return Dim::Z;
  }
  llvm_unreachable("unknown dimension");
}

/// gpu.thread_id y -> enigma.thread_position_in_threadgroup y, and the like.
template <typename GpuOp, typename EnigmaOp>
struct DimQueryToEnigma : public OpConversionPattern<GpuOp> {
  using OpConversionPattern<GpuOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(GpuOp op, typename GpuOp::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<EnigmaOp>(op, rewriter.getIndexType(), toDim(op.getDimension()));
    return success();
  }
};

/// gpu.lane_id -> enigma.thread_index_in_simdgroup, and the like.
template <typename GpuOp, typename EnigmaOp>
struct ScalarQueryToEnigma : public OpConversionPattern<GpuOp> {
  using OpConversionPattern<GpuOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(GpuOp op, typename GpuOp::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 0 || !op->getResult(0).getType().isIndex())
      return rewriter.notifyMatchFailure(op, "only the index form maps to a Metal builtin");
    rewriter.replaceOpWithNewOp<EnigmaOp>(op, rewriter.getIndexType());
    return success();
  }
};

struct BarrierToEnigma : public OpConversionPattern<gpu::BarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(gpu::BarrierOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // gpu.barrier makes all prior memory accesses of the workgroup visible.
    rewriter.replaceOpWithNewOp<ThreadgroupBarrierOp>(op, MemFlags::Device | MemFlags::Threadgroup);
    return success();
  }
};

/// gpu.shuffle (width 32) -> enigma.simd_shuffle; its validity flag from the lane index.
struct ShuffleToEnigma : public OpConversionPattern<gpu::ShuffleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(gpu::ShuffleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (auto reason = unsupportedShuffle(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    Value offset = adaptor.getOffset();
    ShuffleKind kind = ShuffleKind::Index;
    switch (op.getMode()) {
    case gpu::ShuffleMode::XOR:
      kind = ShuffleKind::Xor;
      break;
    case gpu::ShuffleMode::UP:
      kind = ShuffleKind::Up;
      break;
    case gpu::ShuffleMode::DOWN:
      kind = ShuffleKind::Down;
      break;
    case gpu::ShuffleMode::IDX:
      kind = ShuffleKind::Index;
      break;
    }
    Value shuffled = SimdShuffleOp::create(rewriter, loc, adaptor.getValue().getType(),
                                           ShuffleKindAttr::get(op.getContext(), kind),
                                           adaptor.getValue(), offset);
    // valid: the lane read lies in [0, 32).
    Value valid;
    if (!op.getValid().use_empty()) {
      Type i32 = rewriter.getI32Type();
      Value width = arith::ConstantIntOp::create(rewriter, loc, i32, kSimdWidth);
      Value lane = arith::IndexCastUIOp::create(
          rewriter, loc, i32, ThreadIndexInSimdgroupOp::create(rewriter, loc));
      using P = arith::CmpIPredicate;
      switch (op.getMode()) {
      case gpu::ShuffleMode::XOR:
      case gpu::ShuffleMode::IDX:
        valid = arith::CmpIOp::create(rewriter, loc, P::ult, offset, width);
        break;
      case gpu::ShuffleMode::UP:
        valid = arith::CmpIOp::create(rewriter, loc, P::uge, lane, offset);
        break;
      case gpu::ShuffleMode::DOWN: {
        Value src = arith::AddIOp::create(rewriter, loc, lane, offset);
        valid = arith::CmpIOp::create(rewriter, loc, P::ult, src, width);
        break;
      }
      }
    } else {
      valid = arith::ConstantIntOp::create(rewriter, op.getLoc(), rewriter.getI1Type(), 1);
    }
    rewriter.replaceOp(op, {shuffled, valid});
    return success();
  }
};

/// gpu.subgroup_reduce -> enigma.simd_reduce (whole subgroup) or quad_reduce (clusters of 4).
struct SubgroupReduceToEnigma : public OpConversionPattern<gpu::SubgroupReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(gpu::SubgroupReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (auto reason = unsupportedReduce(op))
      return rewriter.notifyMatchFailure(op, *reason);
    auto [kind, isUnsigned] = *toReduceKind(op.getOp());
    auto kindAttr = ReduceKindAttr::get(op.getContext(), kind);
    UnitAttr unsignedAttr = isUnsigned ? rewriter.getUnitAttr() : UnitAttr();
    Type type = adaptor.getValue().getType();
    std::optional<uint32_t> size = op.getClusterSize();
    if (size && *size == 4)
      rewriter.replaceOpWithNewOp<QuadReduceOp>(op, type, kindAttr, unsignedAttr,
                                                adaptor.getValue());
    else
      rewriter.replaceOpWithNewOp<SimdReduceOp>(op, type, kindAttr, unsignedAttr,
                                                adaptor.getValue());
    return success();
  }
};

/// threadgroup_position_in_grid d * threads_per_threadgroup d + thread_position_in_threadgroup d
/// (upstream's `block_id * block_dim + thread_id`) is thread_position_in_grid d: gpu launches
/// have uniform blocks, so the identity holds for every thread. A constant equal to the kernel's
/// known_block_size in d stands for threads_per_threadgroup d (tiled parallel loops).
struct GlobalIdFromParts : public OpRewritePattern<arith::AddIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddIOp add, PatternRewriter &rewriter) const override {
    if (!add.getType().isIndex())
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      auto tid = add.getOperand(i).getDefiningOp<ThreadPositionInThreadgroupOp>();
      auto mul = add.getOperand(1 - i).getDefiningOp<arith::MulIOp>();
      if (!tid || !mul)
        continue;
      Dim dim = tid.getDim();
      for (unsigned j = 0; j < 2; ++j) {
        auto block = mul.getOperand(j).getDefiningOp<ThreadgroupPositionInGridOp>();
        if (!block || block.getDim() != dim)
          continue;
        Value sizeValue = mul.getOperand(1 - j);
        auto size = sizeValue.getDefiningOp<ThreadsPerThreadgroupOp>();
        bool isBlockSize = size && size.getDim() == dim;
        if (!isBlockSize) {
          auto kernel = add->getParentOfType<KernelOp>();
          std::optional<int64_t> c = getConstantIntValue(sizeValue);
          std::optional<std::array<uint64_t, 3>> known =
              kernel ? kernel.getKnownBlockSize() : std::nullopt;
          isBlockSize = c && known && uint64_t(*c) == (*known)[static_cast<unsigned>(dim)];
        }
        if (isBlockSize) {
          rewriter.replaceOpWithNewOp<ThreadPositionInGridOp>(add, rewriter.getIndexType(), dim);
          return success();
        }
      }
    }
    return failure();
  }
};

/// Any other op whose types mention a gpu memory space is rebuilt with converted types.
struct RetypeOp : public ConversionPattern {
  RetypeOp(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
      return rewriter.notifyMatchFailure(op, "gpu ops have their own patterns");
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), resultTypes)))
      return rewriter.notifyMatchFailure(op, "result types do not convert");
    OperationState state(op->getLoc(), op->getName().getStringRef(), operands, resultTypes,
                         op->getAttrs(), op->getSuccessors());
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *newOp = rewriter.create(state);
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i) {
      Region &region = newOp->getRegion(i);
      rewriter.inlineRegionBefore(op->getRegion(i), region, region.end());
      if (failed(rewriter.convertRegionTypes(&region, *getTypeConverter())))
        return rewriter.notifyMatchFailure(op, "region types do not convert");
    }
    rewriter.replaceOp(op, newOp->getResults());
    return success();
  }
};

} // namespace

void mlir::enigma::populateGpuToEnigmaConversionPatterns(const TypeConverter &converter,
                                                         RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<KernelFuncToEnigma, ReturnToEnigma, BarrierToEnigma, ShuffleToEnigma,
               SubgroupReduceToEnigma,
               DimQueryToEnigma<gpu::ThreadIdOp, ThreadPositionInThreadgroupOp>,
               DimQueryToEnigma<gpu::BlockIdOp, ThreadgroupPositionInGridOp>,
               DimQueryToEnigma<gpu::BlockDimOp, ThreadsPerThreadgroupOp>,
               DimQueryToEnigma<gpu::GridDimOp, ThreadgroupsPerGridOp>,
               DimQueryToEnigma<gpu::GlobalIdOp, ThreadPositionInGridOp>,
               ScalarQueryToEnigma<gpu::LaneIdOp, ThreadIndexInSimdgroupOp>,
               ScalarQueryToEnigma<gpu::SubgroupIdOp, SimdgroupIndexInThreadgroupOp>,
               ScalarQueryToEnigma<gpu::SubgroupSizeOp, ThreadsPerSimdgroupOp>>(converter, ctx);
  patterns.add<RetypeOp>(converter, ctx);
}

void mlir::enigma::populateGlobalIdPatterns(RewritePatternSet &patterns) {
  patterns.add<GlobalIdFromParts>(patterns.getContext());
}

void mlir::enigma::configureGpuToEnigmaConversionTarget(ConversionTarget &target,
                                                        const TypeConverter &converter) {
  target.addLegalDialect<EnigmaDialect>();
  target.addIllegalDialect<gpu::GPUDialect>();
  target.addLegalOp<gpu::GPUModuleOp>();
  target.markUnknownOpDynamicallyLegal([&converter](Operation *op) {
    return converter.isLegal(op) &&
           llvm::all_of(op->getRegions(), [&](Region &r) { return converter.isLegal(&r); });
  });
}

namespace {
/// In a kernel whose known_grid_size is one threadgroup in dimension d, gpu.thread_id d is
/// gpu.global_id d (thread_position_in_grid d, which enigma-vectorize can coarsen; a loop
/// tiled into a single threadgroup indexes by the thread id alone).
void threadIdsOfSingleBlockGrids(gpu::GPUModuleOp module) {
  module.walk([](gpu::GPUFuncOp func) {
    DenseI32ArrayAttr grid = func.getKnownGridSizeAttr();
    if (!func.isKernel() || !grid || grid.size() != 3)
      return;
    func.walk([&](gpu::ThreadIdOp tid) {
      if (grid[static_cast<unsigned>(tid.getDimension())] != 1)
        return;
      OpBuilder builder(tid);
      Value global = gpu::GlobalIdOp::create(builder, tid.getLoc(), tid.getDimension());
      tid.replaceAllUsesWith(global);
      tid.erase();
    });
  });
}
} // namespace

namespace {
struct ConvertGpuToEnigma : public enigma::impl::ConvertGpuToEnigmaBase<ConvertGpuToEnigma> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    GpuToEnigmaTypeConverter converter(ctx);

    // Say precisely what cannot convert before converting anything.
    SmallVector<gpu::GPUModuleOp> modules;
    getOperation()->walk([&](gpu::GPUModuleOp m) { modules.push_back(m); });
    bool failedCheck = false;
    for (gpu::GPUModuleOp m : modules) {
      m.getBodyRegion().walk([&](Operation *op) {
        if (auto func = dyn_cast<gpu::GPUFuncOp>(op); func && !func.isKernel()) {
          op->emitError("convert-gpu-to-enigma: only kernel gpu.funcs convert to Enigma; '")
              << func.getName() << "' is not a kernel";
          failedCheck = true;
        } else if (func) {
          if (!func.getBody().hasOneBlock()) {
            op->emitError("convert-gpu-to-enigma: kernel '")
                << func.getName() << "' has " << func.getBody().getBlocks().size()
                << " blocks; Enigma kernels are structured (one block, control flow in scf): "
                   "keep scf control flow until the kernels are converted (e.g. "
                   "--lift-cf-to-scf on the func.func before outlining)";
            failedCheck = true;
          }
          for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
            if (!isa<MemRefType>(t) && !t.isIntOrIndexOrFloat()) {
              op->emitError("convert-gpu-to-enigma: argument ")
                  << i << " of kernel '" << func.getName() << "' has type " << t
                  << ", which is neither a buffer (ranked memref) nor a scalar (integer, "
                     "index or float)";
              failedCheck = true;
            }
        } else if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()) &&
                   !isa<gpu::GPUFuncOp, gpu::ReturnOp, gpu::BarrierOp, gpu::ThreadIdOp,
                        gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp, gpu::GlobalIdOp,
                        gpu::LaneIdOp, gpu::SubgroupIdOp, gpu::SubgroupSizeOp, gpu::ShuffleOp,
                        gpu::SubgroupReduceOp>(op)) {
          op->emitError("convert-gpu-to-enigma: '")
              << op->getName() << "' has no Enigma equivalent";
          failedCheck = true;
        } else if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
          if (auto reason = unsupportedShuffle(shuffle)) {
            op->emitError("convert-gpu-to-enigma: ") << *reason;
            failedCheck = true;
          }
        } else if (auto reduce = dyn_cast<gpu::SubgroupReduceOp>(op)) {
          if (auto reason = unsupportedReduce(reduce)) {
            op->emitError("convert-gpu-to-enigma: ") << *reason;
            failedCheck = true;
          }
        }
        auto checkType = [&](Type t) {
          auto memrefType = dyn_cast<MemRefType>(t);
          if (memrefType && !toMetalSpace(memrefType.getMemorySpace())) {
            op->emitError("convert-gpu-to-enigma: the memory space of ")
                << t << " has no Metal address space (expected none, global, workgroup or "
                << "private)";
            failedCheck = true;
            return true;
          }
          return false;
        };
        for (Type t : op->getOperandTypes())
          if (checkType(t))
            return;
        for (Type t : op->getResultTypes())
          if (checkType(t))
            return;
        if (auto func = dyn_cast<gpu::GPUFuncOp>(op))
          for (Type t : func.getBody().getArgumentTypes())
            if (checkType(t))
              return;
      });
    }
    if (failedCheck)
      return signalPassFailure();

    ConversionTarget target(*ctx);
    configureGpuToEnigmaConversionTarget(target, converter);
    RewritePatternSet patterns(ctx);
    populateGpuToEnigmaConversionPatterns(converter, patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));
    RewritePatternSet globalIdPatterns(ctx);
    populateGlobalIdPatterns(globalIdPatterns);
    FrozenRewritePatternSet globalId(std::move(globalIdPatterns));
    for (gpu::GPUModuleOp m : modules) {
      threadIdsOfSingleBlockGrids(m);
      if (failed(applyPartialConversion(m, target, frozen)))
        return signalPassFailure();
      walkAndApplyPatterns(m, globalId);
    }
  }
};
} // namespace

namespace {
struct ExtractKernels : public enigma::impl::EnigmaExtractKernelsBase<ExtractKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<KernelOp> kernels;
    module.walk([&](KernelOp k) { kernels.push_back(k); });
    llvm::StringMap<KernelOp> seen;
    bool clash = false;
    for (KernelOp k : kernels) {
      auto [it, inserted] = seen.try_emplace(k.getSymName(), k);
      if (!inserted) {
        InFlightDiagnostic diag = k.emitError("enigma-extract-kernels: two kernels are named '")
                                  << k.getSymName() << "'";
        diag.attachNote(it->second.getLoc()) << "the other one";
        clash = true;
      }
    }
    if (clash)
      return signalPassFailure();
    Block *body = module.getBody();
    for (KernelOp k : kernels) {
      if (k->getParentOp() != module.getOperation())
        k->moveBefore(body, body->end());
      k->removeAttr(gpu::GPUDialect::getKernelFuncAttrName());
    }
    for (Operation &op : llvm::make_early_inc_range(*body))
      if (!isa<KernelOp>(op))
        op.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace

namespace {
struct UpdateGpuLaunches
    : public enigma::impl::EnigmaUpdateGpuLaunchesBase<UpdateGpuLaunches> {
  void runOnOperation() override {
    bool failedAny = false;
    getOperation().walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = dyn_cast_or_null<KernelOp>(
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel()));
      if (!kernel || kernel.getCoarsen() == 1)
        return;
      unsigned coarsen = kernel.getCoarsen();
      unsigned numArgs = kernel.getNumArguments();
      if (launch.getNumKernelOperands() + 1 != numArgs ||
          !kernel.getArgAttr(numArgs - 1, KernelOp::kImplicitAttr)) {
        launch.emitError("enigma-update-gpu-launches: kernel '")
            << kernel.getSymName() << "' is coarsened by " << coarsen << " and takes " << numArgs
            << " arguments, but this launch passes " << launch.getNumKernelOperands();
        failedAny = true;
        return;
      }
      Value gridX = launch.getGridSizeX(), blockX = launch.getBlockSizeX();
      if (!gridX.getType().isIndex() || !blockX.getType().isIndex()) {
        launch.emitError("enigma-update-gpu-launches: only index grid and block sizes are "
                         "supported");
        failedAny = true;
        return;
      }
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      Value threads = arith::MulIOp::create(b, loc, gridX, blockX);
      Value w = arith::ConstantIndexOp::create(b, loc, coarsen);
      Value coarse = arith::CeilDivUIOp::create(b, loc, threads, w);
      Value blocks = arith::CeilDivUIOp::create(b, loc, coarse, blockX);
      Value threads32 = arith::IndexCastUIOp::create(b, loc, b.getI32Type(), threads);
      launch.getGridSizeXMutable().assign(blocks);
      launch.getKernelOperandsMutable().append(threads32);
    });
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
