//===- MSLEmitter.cpp - The MSL printer: kernels, dispatch, entry points --===//
//
// The printer walks a prepared kernel (see Prepare.cpp) and writes MSL. It never mutates IR.
// `emitOp` is the one dispatch: a TypeSwitch from each operation to its printer (Emit*.cpp).
// Every SSA value except constants and memref views lives in a named variable, so each printed
// statement is one operation whose operands are names or literals: precedence is local to one
// statement and integer widths are restored by the declared type of the variable.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "enigma/InitAll.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

InFlightDiagnostic msl::emitUnsupported(Operation *op, llvm::StringRef why) {
  InFlightDiagnostic diag = op->emitError("cannot translate '") << op->getName() << "' to MSL";
  if (!why.empty())
    diag << ": " << why;
  return diag;
}

/// The MSL type a function constant is declared with: signedness from its `unsigned` flag.
static std::optional<std::string> functionConstantType(FunctionConstantOp constant) {
  Type type = constant.getResult().getType();
  if (type.isInteger() && !type.isInteger(1) && !constant.getIsUnsigned())
    return getSignedTypeName(type);
  return getValueTypeName(type);
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

FailureOr<std::string> KernelPrinter::typeName(Type type, Operation *op) {
  if (std::optional<std::string> name = getValueTypeName(type))
    return *name;
  return op->emitError("cannot translate to MSL: type ") << type << " has no exact MSL equivalent";
}

FailureOr<std::string> KernelPrinter::signedTypeName(Type type, Operation *op) {
  if (std::optional<std::string> name = getSignedTypeName(type))
    return *name;
  return op->emitError("cannot translate to MSL: no signed MSL type for ") << type;
}

std::string KernelPrinter::nameOf(Value value) {
  auto it = plan.names.find(value);
  if (it == plan.names.end()) {
    unnamedValue = true;
    return "<unnamed>";
  }
  return it->second;
}

std::string KernelPrinter::expr(Value value) {
  auto cached = constants.find(value);
  if (cached != constants.end())
    return cached->second;
  return nameOf(value);
}

FailureOr<std::string> KernelPrinter::asSigned(Value value, Operation *op) {
  Type elem = getElementTypeOrSelf(value.getType());
  if (elem.isInteger(1)) {
    // Sign-extending i1: true is -1.
    if (getNumLanes(value.getType()))
      return emitUnsupported(op, "signed operation on a vector of i1");
    return "(-int(" + expr(value) + "))";
  }
  FailureOr<std::string> signedName = signedTypeName(value.getType(), op);
  if (failed(signedName))
    return failure();
  return *signedName + "(" + expr(value) + ")";
}

LogicalResult KernelPrinter::declare(Value result, llvm::StringRef rhs, Operation *op) {
  FailureOr<std::string> type = typeName(result.getType(), op);
  if (failed(type))
    return failure();
  // Metal's library and (depending on the version) its operators compute bfloat in float,
  // and float does not convert implicitly to bfloat: round explicitly. For + - * / and sqrt
  // the float result rounded to bfloat is the correctly rounded bfloat result (float has more
  // than twice bfloat's precision), so this is exact.
  if (getElementTypeOrSelf(result.getType()).isBF16() && !rhs.starts_with(*type + "(") &&
      !llvm::isa<BlockArgument>(result)) {
    os << *type << " " << nameOf(result) << " = " << *type << "(" << rhs << ");\n";
    return success();
  }
  os << *type << " " << nameOf(result) << " = " << rhs << ";\n";
  return success();
}

LogicalResult
KernelPrinter::emitElementwise(Operation *op,
                               llvm::function_ref<std::string(llvm::ArrayRef<std::string>)> fn,
                               bool scalarize) {
  Value result = op->getResult(0);
  unsigned lanes = getNumLanes(result.getType());
  // Operand types are checked as well: every operand must be expressible.
  for (Value operand : op->getOperands())
    if (failed(typeName(operand.getType(), op)))
      return failure();
  if (isMatrixType(result.getType())) {
    // Metal matrices have + and - but no elementwise * or /, nor functions over them: every
    // elementwise operation is built column by column (and lane by lane when `scalarize`),
    // `float2x2(f(a[0], b[0]), f(a[1], b[1]))`. Never `a * b`, Metal's linear-algebra product.
    auto matrixType = llvm::cast<VectorType>(result.getType());
    FailureOr<std::string> type = typeName(matrixType, op);
    FailureOr<std::string> columnType =
        typeName(VectorType::get({matrixType.getDimSize(1)}, matrixType.getElementType()), op);
    if (failed(type) || failed(columnType))
      return failure();
    std::string rhs = *type + "(";
    for (int64_t column = 0; column < matrixType.getDimSize(0); ++column) {
      std::string col = "[" + std::to_string(column) + "]";
      auto operandsAt = [&](const std::string &suffix) {
        llvm::SmallVector<std::string> operands;
        for (Value operand : op->getOperands())
          operands.push_back(isMatrixType(operand.getType()) ? expr(operand) + suffix
                                                             : expr(operand));
        return operands;
      };
      rhs += column ? ", " : "";
      if (!scalarize) {
        rhs += fn(operandsAt(col));
        continue;
      }
      rhs += *columnType + "(";
      for (int64_t row = 0; row < matrixType.getDimSize(1); ++row)
        rhs += (row ? ", " : "") + fn(operandsAt(col + "[" + std::to_string(row) + "]"));
      rhs += ")";
    }
    return declare(result, rhs + ")", op);
  }
  if (!lanes || !scalarize) {
    llvm::SmallVector<std::string> operands;
    for (Value operand : op->getOperands())
      operands.push_back(expr(operand));
    return declare(result, fn(operands), op);
  }
  FailureOr<std::string> type = typeName(result.getType(), op);
  if (failed(type))
    return failure();
  std::string rhs = *type + "(";
  for (unsigned lane = 0; lane < lanes; ++lane) {
    llvm::SmallVector<std::string> operands;
    for (Value operand : op->getOperands()) {
      if (getNumLanes(operand.getType()))
        operands.push_back(expr(operand) + "." + kLaneNames[lane]);
      else
        operands.push_back(expr(operand));
    }
    if (lane)
      rhs += ", ";
    rhs += fn(operands);
  }
  rhs += ")";
  return declare(result, rhs, op);
}

//===----------------------------------------------------------------------===//
// Blocks and dispatch
//===----------------------------------------------------------------------===//

LogicalResult KernelPrinter::emitBlock(Block &block) {
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>() && !llvm::isa<KernelOp>(op.getParentOp()))
      continue; // scf terminators are printed by their parent op
    if (failed(emitOp(&op)))
      return failure();
  }
  return success();
}

/// The first file position a location holds (through names, fusions and call sites).
std::optional<FileLineColLoc> mlir::enigma::findSourcePosition(Location loc) {
  std::optional<FileLineColLoc> found;
  loc->walk([&](Location inner) {
    if (auto file = llvm::dyn_cast<FileLineColLoc>(inner); file && file.getLine() != 0) {
      found = file;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

void KernelPrinter::noteSourcePosition(Operation *op) {
  std::optional<FileLineColLoc> pos = findSourcePosition(op->getLoc());
  if (!pos)
    return;
  linesBefore += std::count(text.begin() + linesCountedTo, text.end(), '\n');
  linesCountedTo = text.size();
  unsigned mslLine = linesBefore + 1;
  if (!sourceMap.empty()) {
    MSLSourcePosition &last = sourceMap.back();
    if (last.file == pos->getFilename().getValue() && last.line == pos->getLine() &&
        last.column == pos->getColumn())
      return;
    if (last.mslLine == mslLine) { // the previous op printed nothing
      sourceMap.pop_back();
      if (!sourceMap.empty() && sourceMap.back().file == pos->getFilename().getValue() &&
          sourceMap.back().line == pos->getLine() && sourceMap.back().column == pos->getColumn())
        return;
    }
  }
  sourceMap.push_back({mslLine, pos->getFilename().str(), pos->getLine(), pos->getColumn()});
}

LogicalResult KernelPrinter::emitOp(Operation *op) {
  noteSourcePosition(op);
  KernelPrinter &p = *this;
  auto print = [&](auto op) { return printOperation(p, op); };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      // arith and ub.
      .Case<arith::ConstantOp, ub::PoisonOp, arith::CeilDivUIOp, arith::CmpIOp, arith::SelectOp,
            arith::TruncIOp, arith::IndexCastOp, arith::IndexCastUIOp, arith::FPToSIOp,
            arith::FPToUIOp, arith::TruncFOp, arith::BitcastOp, arith::NegFOp, arith::CmpFOp,
            arith::AddUIExtendedOp>(print)
      .Case([&](arith::AddIOp op) { return printBinary(p, op, "+", "!="); })
      .Case([&](arith::SubIOp op) { return printBinary(p, op, "-", "!="); })
      .Case([&](arith::MulIOp op) { return printBinary(p, op, "*", "&&"); })
      .Case([&](arith::AndIOp op) { return printBinary(p, op, "&", "&&"); })
      .Case([&](arith::OrIOp op) { return printBinary(p, op, "|", "||"); })
      .Case([&](arith::XOrIOp op) { return printBinary(p, op, "^", "!="); })
      .Case([&](arith::ShLIOp op) { return printBinary(p, op, "<<"); })
      .Case([&](arith::MulFOp op) { return printBinary(p, op, "*"); })
      .Case([&](arith::DivFOp op) { return printBinary(p, op, "/"); })
      .Case([&](arith::AddFOp op) { return printAddSubF(p, op, "+"); })
      .Case([&](arith::SubFOp op) { return printAddSubF(p, op, "-"); })
      .Case([&](arith::ShRUIOp op) { return printUnsignedBinary(p, op, ">>"); })
      .Case([&](arith::DivUIOp op) { return printUnsignedBinary(p, op, "/"); })
      .Case([&](arith::RemUIOp op) { return printUnsignedBinary(p, op, "%"); })
      .Case([&](arith::ShRSIOp op) { return printSignedBinary(p, op, ">>"); })
      .Case([&](arith::DivSIOp op) { return printSignedBinary(p, op, "/"); })
      .Case([&](arith::RemSIOp op) { return printSignedBinary(p, op, "%"); })
      .Case([&](arith::MinSIOp op) { return printSignedMinMax(p, op, "min"); })
      .Case([&](arith::MaxSIOp op) { return printSignedMinMax(p, op, "max"); })
      .Case([&](arith::CeilDivSIOp op) { return printSignedDivRounded(p, op, /*ceil=*/true); })
      .Case([&](arith::FloorDivSIOp op) { return printSignedDivRounded(p, op, false); })
      .Case<arith::ExtSIOp, arith::SIToFPOp>(
          [&](Operation *op) { return printConversion(p, op, /*signExtendSource=*/true); })
      .Case<arith::ExtUIOp, arith::UIToFPOp, arith::ExtFOp>(
          [&](Operation *op) { return printConversion(p, op, false); })
      .Case([&](arith::MinimumFOp op) { return printMinimumMaximumF(p, op, /*isMin=*/true); })
      .Case([&](arith::MaximumFOp op) { return printMinimumMaximumF(p, op, false); })
      .Case([&](arith::MulUIExtendedOp op) { return printMulExtended(p, op, /*isSigned=*/false); })
      .Case([&](arith::MulSIExtendedOp op) { return printMulExtended(p, op, true); })
      // The Metal function of the same semantics (scalars and vectors alike).
      .Case([&](arith::MinUIOp op) { return printCall(p, op, "min"); })
      .Case([&](arith::MaxUIOp op) { return printCall(p, op, "max"); })
      .Case([&](arith::RemFOp op) { return printCall(p, op, "fmod"); })
      .Case([&](arith::MinNumFOp op) { return printCall(p, op, "fmin"); })
      .Case([&](arith::MaxNumFOp op) { return printCall(p, op, "fmax"); })
      // math.
      .Case([&](math::SqrtOp op) { return printCall(p, op, "sqrt"); })
      .Case([&](math::RsqrtOp op) { return printCall(p, op, "rsqrt"); })
      .Case([&](math::ExpOp op) { return printCall(p, op, "exp"); })
      .Case([&](math::Exp2Op op) { return printCall(p, op, "exp2"); })
      .Case([&](math::LogOp op) { return printCall(p, op, "log"); })
      .Case([&](math::Log2Op op) { return printCall(p, op, "log2"); })
      .Case([&](math::Log10Op op) { return printCall(p, op, "log10"); })
      .Case([&](math::SinOp op) { return printCall(p, op, "sin"); })
      .Case([&](math::CosOp op) { return printCall(p, op, "cos"); })
      .Case([&](math::TanOp op) { return printCall(p, op, "tan"); })
      .Case([&](math::AsinOp op) { return printCall(p, op, "asin"); })
      .Case([&](math::AcosOp op) { return printCall(p, op, "acos"); })
      .Case([&](math::AtanOp op) { return printCall(p, op, "atan"); })
      .Case([&](math::Atan2Op op) { return printCall(p, op, "atan2"); })
      .Case([&](math::SinhOp op) { return printCall(p, op, "sinh"); })
      .Case([&](math::CoshOp op) { return printCall(p, op, "cosh"); })
      .Case([&](math::TanhOp op) { return printCall(p, op, "tanh"); })
      .Case([&](math::AsinhOp op) { return printCall(p, op, "asinh"); })
      .Case([&](math::AcoshOp op) { return printCall(p, op, "acosh"); })
      .Case([&](math::AtanhOp op) { return printCall(p, op, "atanh"); })
      .Case([&](math::PowFOp op) { return printCall(p, op, "pow"); })
      .Case([&](math::FmaOp op) { return printCall(p, op, "fma"); })
      .Case([&](math::FloorOp op) { return printCall(p, op, "floor"); })
      .Case([&](math::CeilOp op) { return printCall(p, op, "ceil"); })
      .Case([&](math::RoundOp op) { return printCall(p, op, "round"); })
      .Case([&](math::RoundEvenOp op) { return printCall(p, op, "rint"); })
      .Case([&](math::TruncOp op) { return printCall(p, op, "trunc"); })
      .Case([&](math::AbsFOp op) { return printCall(p, op, "fabs"); })
      .Case([&](math::CopySignOp op) { return printCall(p, op, "copysign"); })
      .Case([&](math::IsNaNOp op) { return printCall(p, op, "isnan"); })
      .Case([&](math::IsInfOp op) { return printCall(p, op, "isinf"); })
      .Case([&](math::IsFiniteOp op) { return printCall(p, op, "isfinite"); })
      .Case([&](math::IsNormalOp op) { return printCall(p, op, "isnormal"); })
      .Case([&](math::CountLeadingZerosOp op) { return printCall(p, op, "clz"); })
      .Case([&](math::CountTrailingZerosOp op) { return printCall(p, op, "ctz"); })
      .Case([&](math::CtPopOp op) { return printCall(p, op, "popcount"); })
      .Case<math::AbsIOp>(print)
      .Case<math::ErfOp, math::ErfcOp, math::ExpM1Op, math::Log1pOp, math::CbrtOp>(
          [&](Operation *op) {
            return emitUnsupported(op, "Metal's standard library has no such function");
          })
      // scf.
      .Case<scf::ForOp, scf::IfOp, scf::WhileOp>(print)
      // memref and vector.
      .Case<memref::LoadOp, memref::StoreOp, memref::AllocaOp, memref::DimOp, vector::LoadOp,
            vector::StoreOp, vector::TransferReadOp, vector::TransferWriteOp, vector::ExtractOp,
            vector::InsertOp, vector::BroadcastOp, vector::FromElementsOp, vector::TransposeOp,
            vector::FMAOp, vector::ReductionOp>(print)
      .Case<memref::ReinterpretCastOp, memref::CastOp, memref::SubViewOp>(
          [&](Operation *op) { return printView(p, op); })
      // enigma.
      .Case<ReturnOp, ThreadgroupAllocOp>( // allocations are declared at kernel scope
          [](Operation *) { return success(); })
      .Case<FunctionConstantOp, ThreadgroupBarrierOp, SimdgroupBarrierOp, SimdReduceOp,
            QuadReduceOp, SimdScanOp, QuadScanOp, SimdShuffleOp, QuadShuffleOp, SimdBroadcastOp,
            QuadBroadcastOp, MatmulOp, DeterminantOp, AtomicRMWOp, AtomicLoadOp, AtomicStoreOp,
            AtomicCmpXchgOp, SimdgroupMatrixFillOp, SimdgroupMatrixLoadOp, SimdgroupMatrixStoreOp,
            SimdgroupMatrixMultiplyAccumulateOp, AsyncCopy1dD2TOp, AsyncCopy1dT2DOp,
            AsyncCopy2dD2TOp, AsyncCopy2dT2DOp, AsyncCopyWaitOp>(print)
      .Default([&](Operation *op) -> LogicalResult {
        // The two table-driven families: thread/grid queries (the builtin-input table) and
        // Metal standard-library calls (every op with getMetalBuiltin() in ODS).
        if (std::optional<unsigned> input = getQueryBuiltin(op))
          return printQuery(p, op, *input);
        if (std::optional<BuiltinCall> call = getBuiltinCall(op))
          return printBuiltinCall(p, op, *call);
        if (!op->getDialect())
          return emitUnsupported(op, "unregistered operation");
        return emitUnsupported(op);
      });
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

LogicalResult KernelPrinter::printKernel(MSLKernelInfo *info) {
  KernelOp kernel = plan.kernel;
  Block &entry = kernel.getBody().front();

  // Parameters in buffer-index order, then the used builtins in their fixed order.
  llvm::SmallVector<unsigned> order;
  for (unsigned i = 0, e = entry.getNumArguments(); i < e; ++i)
    order.push_back(i);
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    return kernel.getBufferIndex(a) < kernel.getBufferIndex(b);
  });

  llvm::SmallVector<std::string> params;
  llvm::SmallVector<std::string> signedCopies;
  MSLKernelInfo kernelInfo;
  kernelInfo.kernelName = kernel.getSymName().str();
  kernelInfo.entryName = plan.entryName;
  kernelInfo.coarsen = kernel.getCoarsen();
  kernelInfo.blockSize = kernel.getKnownBlockSize();
  for (unsigned i : order) {
    BlockArgument arg = entry.getArgument(i);
    MSLParamInfo param;
    auto paramName = plan.paramNames.find(arg);
    param.name = paramName != plan.paramNames.end() ? paramName->second : nameOf(arg);
    param.bufferIndex = kernel.getBufferIndex(i);
    param.isAtomic = false;
    param.isUnsigned = false;
    if (auto implicit = kernel.getArgAttrOfType<StringAttr>(i, KernelOp::kImplicitAttr))
      param.implicit = implicit.getValue().str();
    Type elemType = arg.getType();
    if (auto memref = llvm::dyn_cast<MemRefType>(arg.getType())) {
      elemType = memref.getElementType();
      param.isScalar = false;
      if (!getValueTypeName(elemType))
        return kernel.emitError("cannot translate to MSL: buffer argument #")
               << i << " has element type " << elemType << " with no exact MSL equivalent";
      const RootUse &use = plan.roots[arg];
      std::optional<AddressSpace> space = getAddressSpace(memref);
      std::string elemName = plan.rootElementType(arg);
      param.isAtomic = use.isAtomic();
      param.isUnsigned = getIntegerWidth(elemType) > 1 &&
                         (use.isAtomic() ? elemName == "atomic_uint" : !kernel.isSignedArg(i));
      if (use.read && use.write)
        param.access = "read_write";
      else if (use.write)
        param.access = "write";
      else
        param.access = "read";
      if (space && *space == AddressSpace::Constant)
        param.mslType = "constant " + elemName + "*";
      else if (!use.write)
        param.mslType = "device const " + elemName + "*";
      else
        param.mslType = "device " + elemName + "*";
    } else {
      param.isScalar = true;
      FailureOr<std::string> type = typeName(arg.getType(), kernel);
      if (failed(type))
        return failure();
      bool isSigned = kernel.isSignedArg(i);
      if (isSigned) {
        FailureOr<std::string> signedType = signedTypeName(arg.getType(), kernel);
        if (failed(signedType))
          return failure();
        param.mslType = "constant " + *signedType + "&";
        // The body holds the value unsigned, like every integer: an unsigned copy first.
        if (plan.paramNames.count(arg))
          signedCopies.push_back(*type + " " + nameOf(arg) + " = " + param.name + ";");
      } else {
        param.mslType = "constant " + *type + "&";
      }
      param.isUnsigned = getIntegerWidth(elemType) > 1 && !isSigned;
    }
    param.elementType = printMLIRType(elemType);
    params.push_back(param.mslType + " " + param.name + " [[buffer(" +
                     std::to_string(param.bufferIndex) + ")]]");
    kernelInfo.params.push_back(std::move(param));
  }
  for (unsigned input : plan.builtinUsed.set_bits()) {
    const BuiltinInput &builtin = getBuiltinInputs()[input];
    params.push_back((builtin.type + " " + builtin.name + " [[" + builtin.name + "]]").str());
  }

  os << "kernel void " << plan.entryName << "(";
  std::string continuation = ",\n" + std::string(plan.entryName.size() + 13, ' ');
  for (auto [idx, param] : llvm::enumerate(params)) {
    if (idx)
      os << continuation;
    os << param;
  }
  os << ") {\n";

  // The function constants the kernel reads (declared at file scope), by index.
  std::map<int64_t, MSLFunctionConstantInfo> constants;
  kernel.walk([&](FunctionConstantOp constant) {
    MSLFunctionConstantInfo fc;
    fc.index = constant.getIndex();
    if (plan.functionConstantNames) {
      auto it = plan.functionConstantNames->find(constant.getIndex());
      if (it != plan.functionConstantNames->end())
        fc.name = it->second;
    }
    fc.mslType = functionConstantType(constant).value_or("");
    fc.elementType = printMLIRType(constant.getResult().getType());
    fc.isUnsigned = constant.getIsUnsigned();
    constants.try_emplace(fc.index, std::move(fc));
  });
  for (auto &entry : constants)
    kernelInfo.functionConstants.push_back(std::move(entry.second));

  {
    raw_indented_ostream::DelimitedScope body(os);
    // Threadgroup memory lives at kernel scope (Metal requires it there).
    for (ThreadgroupAllocOp alloc : plan.threadgroupAllocs) {
      MemRefType type = alloc.getType();
      if (!getValueTypeName(type.getElementType()))
        return alloc.emitError("cannot translate to MSL: threadgroup element type ")
               << type.getElementType() << " has no exact MSL equivalent";
      os << "threadgroup " << plan.rootElementType(alloc.getResult()) << " "
         << nameOf(alloc.getResult()) << "[" << type.getNumElements() << "];\n";
    }
    for (const std::string &copy : signedCopies)
      os << copy << "\n";
    if (failed(emitBlock(entry)))
      return failure();
  }
  if (unnamedValue)
    return kernel.emitError("cannot translate to MSL: internal error: a value has no name");
  os << "}\n";
  kernelInfo.sourceMap = std::move(sourceMap);
  if (info)
    *info = std::move(kernelInfo);
  return success();
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Whether `op` is a gpu.module or a gpu.binary.
static bool isGpuContainer(Operation &op) {
  return llvm::isa<gpu::GPUModuleOp, gpu::BinaryOp>(op);
}

/// The top-level ops to translate. A kernel translates as a module holding just it; a gpu.module
/// holds kernels only. A host module (one holding gpu.modules or gpu.binary ops, as upstream's
/// GPU pipelines leave it) contributes the kernels of its gpu.modules and of its own top level,
/// or, when it has no kernels left, the MSL object of its gpu.binary (what
/// gpu-module-to-binary produced for #enigma.target); host code is not device code and is
/// skipped. `options.module` restricts a host module to the named gpu.module/gpu.binary.
/// Returns the gpu.binary's MSL when that is the output.
static FailureOr<std::optional<StringRef>>
collectKernels(Operation *module, const MSLTranslateOptions &options,
               llvm::SmallVectorImpl<Operation *> &tops) {
  if (llvm::isa<KernelOp>(module)) {
    tops.push_back(module);
    return std::optional<StringRef>();
  }
  if (module->getNumRegions() != 1 || !module->getRegion(0).hasOneBlock())
    return module->emitError("cannot translate to MSL: expected a module with one block");
  Block &body = module->getRegion(0).front();
  bool isHost = llvm::isa<gpu::GPUModuleOp>(module) ? false
                                                      : llvm::any_of(body, isGpuContainer);
  if (!isHost) {
    if (!options.module.empty())
      return module->emitError("cannot translate to MSL: --msl-module=")
             << options.module << " selects a gpu.module or gpu.binary, and this module has none";
    for (Operation &op : body)
      tops.push_back(&op);
    return std::optional<StringRef>();
  }

  bool found = options.module.empty();
  llvm::SmallVector<std::pair<gpu::BinaryOp, StringRef>> objects;
  for (Operation &op : body) {
    if (llvm::isa<KernelOp>(op)) {
      if (options.module.empty())
        tops.push_back(&op);
      continue;
    }
    if (auto gpuModule = llvm::dyn_cast<gpu::GPUModuleOp>(op)) {
      if (!options.module.empty() && gpuModule.getName() != options.module)
        continue;
      found = true;
      for (Operation &inner : gpuModule.getBody()->getOperations()) {
        if (llvm::isa<KernelOp>(inner)) {
          tops.push_back(&inner);
          continue;
        }
        InFlightDiagnostic diag = inner.emitError("cannot translate to MSL: gpu.module '")
                                  << gpuModule.getName() << "' holds '" << inner.getName()
                                  << "', not an enigma.kernel";
        if (llvm::isa<gpu::GPUFuncOp>(inner))
          diag << " (run convert-gpu-to-enigma first, or enigma-opt "
                  "--gpu-lower-to-msl-pipeline)";
        return failure();
      }
      continue;
    }
    if (auto binary = llvm::dyn_cast<gpu::BinaryOp>(op)) {
      if (!options.module.empty() && binary.getName() != options.module)
        continue;
      found = true;
      for (Attribute attr : binary.getObjects()) {
        auto object = llvm::cast<gpu::ObjectAttr>(attr);
        auto target = llvm::dyn_cast<TargetAttr>(object.getTarget());
        if (!target)
          continue;
        if (object.getFormat() != gpu::CompilationTarget::Assembly)
          return binary.emitError("cannot translate to MSL: the #enigma.target object of "
                                  "gpu.binary '")
                 << binary.getName() << "' is a metallib, not MSL source";
        objects.emplace_back(binary, object.getObject().getValue());
      }
    }
  }
  if (!found)
    return module->emitError("cannot translate to MSL: --msl-module=")
           << options.module << " names no gpu.module or gpu.binary of this module";
  if (!tops.empty()) {
    if (!objects.empty()) {
      InFlightDiagnostic diag = objects.front().first.emitError(
          "cannot translate to MSL: the module has both enigma.kernels and a serialized MSL "
          "object; select one with --msl-module=<name>");
      diag.attachNote(tops.front()->getLoc()) << "a kernel to translate";
      return failure();
    }
    return std::optional<StringRef>();
  }
  if (objects.empty())
    return module->emitError("cannot translate to MSL: no enigma.kernel in the module's "
                             "gpu.modules and no gpu.binary with an #enigma.target MSL object "
                             "(lower gpu kernels with convert-gpu-to-enigma or enigma-opt "
                             "--gpu-lower-to-msl-pipeline)");
  if (objects.size() > 1) {
    InFlightDiagnostic diag = module->emitError(
        "cannot translate to MSL: several gpu.binary objects are MSL (");
    llvm::interleaveComma(objects, diag,
                          [&](auto entry) { diag << "'" << entry.first.getName() << "'"; });
    diag << "); select one with --msl-module=<name>";
    return failure();
  }
  return std::optional<StringRef>(objects.front().second);
}

LogicalResult mlir::enigma::translateToMSL(Operation *module, llvm::raw_ostream &os,
                                           std::vector<MSLKernelInfo> *kernels,
                                           const MSLTranslateOptions &options) {
  if (failed(verify(module)))
    return failure();
  llvm::SmallVector<Operation *> tops;
  FailureOr<std::optional<StringRef>> object = collectKernels(module, options, tops);
  if (failed(object))
    return failure();
  // A gpu.binary's MSL object is already the translation.
  if (*object) {
    os << **object;
    return success();
  }

  std::string buffer;
  buffer.reserve(4096);
  llvm::raw_string_ostream out(buffer);
  out << "#include <metal_stdlib>\n"
         "using namespace metal;\n";
  std::vector<MSLKernelInfo> infos;
  Namer entryNames;
  bool failedAny = false;

  // Function constants are declared once per index at file scope, as Metal requires (a
  // [[function_constant]] declaration inside a function is an error). An index is one
  // declaration for the whole library, so the kernels must agree on it.
  std::map<int64_t, FunctionConstantOp> fcDecls;
  llvm::DenseMap<int64_t, std::string> fcNames;
  for (Operation *top : tops) {
    if (!llvm::isa<KernelOp>(top))
      continue;
    top->walk([&](FunctionConstantOp constant) {
      auto [it, inserted] = fcDecls.try_emplace(constant.getIndex(), constant);
      FunctionConstantOp first = it->second;
      if (!inserted && (first.getResult().getType() != constant.getResult().getType() ||
                        first.getIsUnsigned() != constant.getIsUnsigned() ||
                        first.getName() != constant.getName())) {
        InFlightDiagnostic diag =
            constant.emitError("cannot translate to MSL: function constant ")
            << constant.getIndex()
            << " is declared differently by two kernels of the module (one MSL library has "
               "one declaration per index: type, 'unsigned' and name must agree)";
        diag.attachNote(first.getLoc()) << "first declared here";
        failedAny = true;
      }
    });
  }
  if (failedAny)
    return failure();
  std::string fcText;
  for (auto &[index, constant] : fcDecls) {
    std::optional<std::string> type = functionConstantType(constant);
    if (!type)
      return constant.emitError("cannot translate to MSL: function constant type ")
             << constant.getResult().getType() << " has no MSL equivalent";
    std::optional<StringRef> given = constant.getName();
    std::string name =
        entryNames.unique(given ? given->str() : "enigma_fc_" + std::to_string(index));
    fcNames[index] = name;
    fcText += "constant " + *type + " " + name + " [[function_constant(" +
              std::to_string(index) + ")]];\n";
  }
  if (!fcText.empty())
    out << "\n" << fcText;
  emitAsyncCopyDeclarations(tops, out);

  for (Operation *op : tops) {
    auto kernel = llvm::dyn_cast<KernelOp>(op);
    if (!kernel) {
      InFlightDiagnostic diag =
          op->emitError("cannot translate to MSL: only enigma.kernel operations may appear at "
                        "module level, found '")
          << op->getName() << "'";
      if (llvm::isa<FunctionOpInterface>(op))
        diag << " (host code is skipped only beside gpu.modules; this module has no GPU "
                "kernels: write the parallel work as gpu.launch, gpu.func, scf.parallel or "
                "linalg ops, then lower with gpu-lower-to-msl-pipeline)";
      failedAny = true;
      continue;
    }
    FailureOr<KernelPlan> plan = prepareKernel(kernel, entryNames, &fcNames);
    if (failed(plan)) {
      failedAny = true;
      continue;
    }
    out << "\n";
    KernelPrinter printer(*plan, out, buffer);
    MSLKernelInfo info;
    if (failed(printer.printKernel(&info))) {
      failedAny = true;
      continue;
    }
    infos.push_back(std::move(info));
  }
  if (failedAny)
    return failure();
  os << buffer;
  if (kernels)
    *kernels = std::move(infos);
  return success();
}

void mlir::enigma::registerToMSLTranslation() {
  static llvm::cl::opt<std::string> mslModule(
      "msl-module",
      llvm::cl::desc("--to-msl: translate only the gpu.module or gpu.binary of this name"),
      llvm::cl::init(""));
  static TranslateFromMLIRRegistration registration(
      "to-msl", "translate enigma kernels to Metal Shading Language",
      [](Operation *op, llvm::raw_ostream &os) {
        MSLTranslateOptions options;
        options.module = mslModule;
        return translateToMSL(op, os, nullptr, options);
      },
      [](DialectRegistry &registry) {
        registerAllDialects(registry);
        // What upstream GPU pipelines leave beside the kernels: host code launching them.
        registry.insert<gpu::GPUDialect, cf::ControlFlowDialect, index::IndexDialect>();
      });
}

llvm::json::Array mlir::enigma::kernelsToJSON(llvm::ArrayRef<MSLKernelInfo> kernels) {
  llvm::json::Array kernelArray;
  for (const MSLKernelInfo &kernel : kernels) {
    llvm::json::Array params;
    for (const MSLParamInfo &param : kernel.params)
      params.push_back(llvm::json::Object{{"name", param.name},
                                          {"buffer_index", param.bufferIndex},
                                          {"is_scalar", param.isScalar},
                                          {"msl_type", param.mslType},
                                          {"element_type", param.elementType},
                                          {"access", param.access},
                                          {"is_atomic", param.isAtomic},
                                          {"is_unsigned", param.isUnsigned},
                                          {"implicit", param.implicit}});
    llvm::json::Array functionConstants;
    for (const MSLFunctionConstantInfo &fc : kernel.functionConstants)
      functionConstants.push_back(llvm::json::Object{{"index", fc.index},
                                                     {"name", fc.name},
                                                     {"msl_type", fc.mslType},
                                                     {"element_type", fc.elementType},
                                                     {"is_unsigned", fc.isUnsigned}});
    llvm::json::Array sourceMap;
    for (const MSLSourcePosition &pos : kernel.sourceMap)
      sourceMap.push_back(llvm::json::Array{pos.mslLine, pos.file, pos.line, pos.column});
    llvm::json::Value blockSize = nullptr;
    if (kernel.blockSize)
      blockSize = llvm::json::Array{(*kernel.blockSize)[0], (*kernel.blockSize)[1],
                                    (*kernel.blockSize)[2]};
    kernelArray.push_back(llvm::json::Object{{"name", kernel.kernelName},
                                             {"entry", kernel.entryName},
                                             {"coarsen", kernel.coarsen},
                                             {"block_size", std::move(blockSize)},
                                             {"params", std::move(params)},
                                             {"function_constants", std::move(functionConstants)},
                                             {"source_map", std::move(sourceMap)}});
  }
  return kernelArray;
}
