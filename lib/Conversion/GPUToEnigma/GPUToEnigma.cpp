//===- GPUToEnigma.cpp - convert-gpu-to-enigma ----------------------------===//
//
// Kernel gpu.funcs (what upstream's gpu-kernel-outlining produces from linalg, scf.parallel and
// gpu.launch) become enigma.kernels, so upstream pipelines reach MSL.
//
//===----------------------------------------------------------------------===//

#include "enigma/Conversion/Passes.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir {
namespace enigma {
#define GEN_PASS_DEF_CONVERTGPUTOENIGMA
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
  patterns.add<KernelFuncToEnigma, ReturnToEnigma, BarrierToEnigma,
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
        } else if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()) &&
                   !isa<gpu::GPUFuncOp, gpu::ReturnOp, gpu::BarrierOp, gpu::ThreadIdOp,
                        gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp, gpu::GlobalIdOp,
                        gpu::LaneIdOp, gpu::SubgroupIdOp, gpu::SubgroupSizeOp>(op)) {
          op->emitError("convert-gpu-to-enigma: '")
              << op->getName() << "' has no Enigma equivalent";
          failedCheck = true;
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
    for (gpu::GPUModuleOp m : modules)
      if (failed(applyPartialConversion(m, target, frozen)))
        return signalPassFailure();
  }
};
} // namespace
