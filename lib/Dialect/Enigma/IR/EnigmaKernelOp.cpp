//===- EnigmaKernelOp.cpp - enigma.kernel -----------------------------------===//
//
// The kernel is a real function op (Symbol + FunctionOpInterface) so upstream passes (inline,
// symbol-dce, canonicalize, cse) treat it like func.func. Its signature is verified against what
// Metal can express: buffers in the device/constant address space or scalars by value, each
// with a unique [[buffer(N)]] slot.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionImplementation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::enigma;

void KernelOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                     FunctionType type, ArrayRef<DictionaryAttr> argAttrs) {
  state.addAttribute(SymbolTable::getSymbolAttrName(), builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name), TypeAttr::get(type));
  Region *body = state.addRegion();
  (void)body;
  if (argAttrs.empty())
    return;
  assert(type.getNumInputs() == argAttrs.size());
  call_interface_impl::addArgAndResultAttrs(builder, state, argAttrs, /*resultAttrs=*/{},
                                            getArgAttrsAttrName(state.name),
                                            getResAttrsAttrName(state.name));
}

ParseResult KernelOp::parse(OpAsmParser &parser, OperationState &result) {
  auto buildFuncType = [](Builder &builder, ArrayRef<Type> argTypes, ArrayRef<Type> results,
                          function_interface_impl::VariadicFlag, std::string &) {
    return builder.getFunctionType(argTypes, results);
  };
  return function_interface_impl::parseFunctionOp(
      parser, result, /*allowVariadic=*/false, getFunctionTypeAttrName(result.name),
      buildFuncType, getArgAttrsAttrName(result.name), getResAttrsAttrName(result.name));
}

void KernelOp::print(OpAsmPrinter &p) {
  function_interface_impl::printFunctionOp(p, *this, /*isVariadic=*/false,
                                           getFunctionTypeAttrName(), getArgAttrsAttrName(),
                                           getResAttrsAttrName());
}

unsigned KernelOp::getBufferIndex(unsigned i) {
  auto attr = getArgAttrOfType<IntegerAttr>(i, kBufferIndexAttr);
  return attr ? attr.getInt() : i;
}

bool KernelOp::isScalarArg(unsigned i) { return static_cast<bool>(getArgAttr(i, kScalarAttr)); }

bool KernelOp::isSignedArg(unsigned i) { return static_cast<bool>(getArgAttr(i, kSignedAttr)); }

std::optional<Access> KernelOp::getDeclaredAccess(unsigned i) {
  if (auto attr = getArgAttrOfType<AccessAttr>(i, kAccessAttr))
    return attr.getValue();
  return std::nullopt;
}

unsigned KernelOp::getCoarsen() {
  if (auto attr = (*this)->getAttrOfType<IntegerAttr>(kCoarsenAttr))
    return attr.getInt();
  return 1;
}

std::optional<std::array<uint64_t, 3>> KernelOp::getKnownBlockSize() {
  for (StringRef name : {"known_block_size", "gpu.known_block_size"})
    if (auto sizes = (*this)->getAttrOfType<DenseI32ArrayAttr>(name);
        sizes && sizes.size() == 3 &&
        llvm::all_of(sizes.asArrayRef(), [](int32_t s) { return s > 0; }))
      return std::array<uint64_t, 3>{uint64_t(sizes[0]), uint64_t(sizes[1]), uint64_t(sizes[2])};
  return std::nullopt;
}

/// Scalars Metal can pass by value as `constant T&`.
static bool isScalarParamType(Type type) {
  if (type.isIndex() || llvm::isa<FloatType>(type))
    return true;
  if (auto intTy = llvm::dyn_cast<IntegerType>(type))
    return llvm::is_contained({1u, 8u, 16u, 32u, 64u}, intTy.getWidth());
  if (auto vecTy = llvm::dyn_cast<VectorType>(type))
    return vecTy.getRank() == 1 && vecTy.getNumElements() >= 2 && vecTy.getNumElements() <= 4 &&
           !vecTy.isScalable() && isScalarParamType(vecTy.getElementType());
  return false;
}

LogicalResult KernelOp::verify() {
  FunctionType type = getFunctionType();
  if (type.getNumResults() != 0)
    return emitOpError("must not return values (Metal kernels return void), got ")
           << type.getNumResults() << " result(s)";

  llvm::DenseMap<int64_t, unsigned> slots;
  for (unsigned i = 0, e = type.getNumInputs(); i < e; ++i) {
    Type argType = type.getInput(i);
    auto memrefType = llvm::dyn_cast<MemRefType>(argType);
    bool isScalar = static_cast<bool>(getArgAttr(i, kScalarAttr));

    // Every dialect argument attribute must be one this op understands.
    for (NamedAttribute named : function_interface_impl::getArgAttrs(*this, i)) {
      StringRef name = named.getName().getValue();
      if (!name.starts_with("enigma."))
        continue;
      if (name != kBufferIndexAttr && name != kAccessAttr && name != kScalarAttr &&
          name != kImplicitAttr && name != kLayoutAttr && name != kSignedAttr)
        return emitOpError("argument #") << i << " has unknown attribute '" << name << "'";
    }
    if (getArgAttr(i, kScalarAttr) && !llvm::isa<UnitAttr>(getArgAttr(i, kScalarAttr)))
      return emitOpError("argument #") << i << ": '" << kScalarAttr << "' must be a unit attribute";

    if (Attribute signedAttr = getArgAttr(i, kSignedAttr)) {
      if (!llvm::isa<UnitAttr>(signedAttr))
        return emitOpError("argument #") << i << ": '" << kSignedAttr
                                         << "' must be a unit attribute";
      Type elem = memrefType ? memrefType.getElementType() : argType;
      auto intTy = llvm::dyn_cast<IntegerType>(elem);
      if (!intTy || !llvm::is_contained({8u, 16u, 32u, 64u}, intTy.getWidth()))
        return emitOpError("argument #")
               << i << " of type " << argType << " is marked '" << kSignedAttr
               << "', which only applies to i8/i16/i32/i64 scalars and buffers of them";
    }

    if (Attribute implicit = getArgAttr(i, kImplicitAttr)) {
      auto str = llvm::dyn_cast<StringAttr>(implicit);
      if (!str || str.getValue() != "threads_per_grid.x")
        return emitOpError("argument #") << i << ": '" << kImplicitAttr
                                         << "' must be \"threads_per_grid.x\"";
      if (!isScalar || !argType.isInteger(32))
        return emitOpError("implicit argument #") << i << " must be an i32 scalar";
    }

    Attribute slotAttr = getArgAttr(i, kBufferIndexAttr);
    if (!slotAttr)
      return emitOpError("argument #") << i << " needs an '" << kBufferIndexAttr
                                       << "' attribute (its [[buffer(N)]] slot)";
    auto slot = llvm::dyn_cast<IntegerAttr>(slotAttr);
    if (!slot || !slot.getType().isInteger(32))
      return emitOpError("argument #") << i << ": '" << kBufferIndexAttr
                                       << "' must be an i32 integer attribute";
    if (slot.getInt() < 0 || slot.getInt() > 30)
      return emitOpError("argument #")
             << i << ": buffer index " << slot.getInt() << " is outside Metal's range [0, 30]";
    auto [it, inserted] = slots.try_emplace(slot.getInt(), i);
    if (!inserted)
      return emitOpError("arguments #") << it->second << " and #" << i
                                        << " share buffer index " << slot.getInt();

    Attribute access = getArgAttr(i, kAccessAttr);
    if (access && !llvm::isa<AccessAttr>(access))
      return emitOpError("argument #") << i << ": '" << kAccessAttr
                                       << "' must be an #enigma.access attribute";

    if (memrefType) {
      if (isScalar)
        return emitOpError("argument #") << i << " is a buffer but is marked '" << kScalarAttr
                                         << "'";
      std::optional<AddressSpace> space = getAddressSpace(memrefType);
      if (!space)
        return emitOpError("buffer argument #")
               << i << " must be in the #enigma.address_space<device> or <constant> memory space";
      if (*space != AddressSpace::Device && *space != AddressSpace::Constant)
        return emitOpError("buffer argument #")
               << i << " is in the '" << stringifyAddressSpace(*space)
               << "' address space; kernel buffers must be 'device' or 'constant'";
      if (Attribute layoutAttr = getArgAttr(i, kLayoutAttr)) {
        auto layout = llvm::dyn_cast<LayoutAttr>(layoutAttr);
        if (!layout)
          return emitOpError("argument #") << i << ": '" << kLayoutAttr
                                           << "' must be an #enigma.layout attribute";
        std::optional<int64_t> cosize = layout.getCosize();
        if (memrefType.hasStaticShape() && cosize && *cosize > memrefType.getNumElements())
          return emitOpError("buffer argument #")
                 << i << " has layout " << layout.getText() << " whose cosize " << *cosize
                 << " exceeds the buffer's " << memrefType.getNumElements() << " elements";
      }
      if (*space == AddressSpace::Constant && access &&
          llvm::cast<AccessAttr>(access).getValue() != Access::Read)
        return emitOpError("constant-space buffer argument #") << i << " can only be read";
      continue;
    }
    if (!isScalarParamType(argType))
      return emitOpError("argument #") << i << " has type " << argType
                                       << "; expected a memref buffer or a scalar";
    if (!isScalar)
      return emitOpError("scalar argument #") << i << " must be marked '" << kScalarAttr << "'";
    if (access)
      return emitOpError("scalar argument #") << i << " cannot have an access mode";
    if (getArgAttr(i, kLayoutAttr))
      return emitOpError("scalar argument #") << i << " cannot have a layout";
  }

  if (Attribute coarsen = (*this)->getAttr(kCoarsenAttr)) {
    auto intAttr = llvm::dyn_cast<IntegerAttr>(coarsen);
    if (!intAttr || intAttr.getInt() < 1 || intAttr.getInt() > 1024)
      return emitOpError("'") << kCoarsenAttr << "' must be an integer in [1, 1024]";
  }
  return success();
}

LogicalResult KernelOp::verifyRegions() {
  // Metal's limit applies to all of a kernel's threadgroup memory together.
  int64_t total = 0;
  WalkResult result = (*this)->walk([&](ThreadgroupAllocOp alloc) {
    std::optional<int64_t> bytes = getThreadgroupBytes(alloc.getMemref().getType());
    if (!bytes || llvm::AddOverflow(total, *bytes, total) || total > kMaxThreadgroupBytes) {
      alloc.emitOpError("brings the kernel's threadgroup memory over Metal's limit of ")
          << kMaxThreadgroupBytes << " bytes";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();

  // A function constant index is one MSL declaration: every use must agree on its type, its
  // signedness and its name.
  llvm::DenseMap<int64_t, FunctionConstantOp> firstConstant;
  result = (*this)->walk([&](FunctionConstantOp constant) {
    auto [it, inserted] = firstConstant.try_emplace(constant.getIndex(), constant);
    if (inserted)
      return WalkResult::advance();
    FunctionConstantOp first = it->second;
    if (first.getResult().getType() == constant.getResult().getType() &&
        first.getIsUnsigned() == constant.getIsUnsigned() &&
        first.getName() == constant.getName())
      return WalkResult::advance();
    InFlightDiagnostic diag = constant.emitOpError("function constant ")
                              << constant.getIndex() << " is used with two different "
                              << "declarations in one kernel (type, 'unsigned' and name must "
                              << "agree)";
    diag.attachNote(first.getLoc()) << "first declared here";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}
