//===- EnigmaDialect.cpp - Dialect, enums, attributes and types -----------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/Transforms/InliningUtils.h"


using namespace mlir;
using namespace mlir::enigma;

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.cpp.inc"
#include "enigma/Dialect/Enigma/IR/EnigmaEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaTypes.cpp.inc"

namespace {
/// Lets upstream `-inline` inline func.func helpers into kernels. Enigma's ops have no
/// constraint that inlining could break: queries are per-thread, barriers and cross-lane ops
/// stay in the same (convergent) position relative to the caller's control flow.
struct EnigmaInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final { return true; }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final { return true; }
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final { return true; }
};
} // namespace

void EnigmaDialect::initialize() {
  addInterfaces<EnigmaInlinerInterface>();
  addOperations<
#define GET_OP_LIST
#include "enigma/Dialect/Enigma/IR/EnigmaOps.cpp.inc"
      >();
  registerAttributes();
  addTypes<
#define GET_TYPEDEF_LIST
#include "enigma/Dialect/Enigma/IR/EnigmaTypes.cpp.inc"
      >();
}

std::optional<AddressSpace> mlir::enigma::getAddressSpace(MemRefType type) {
  if (auto space = llvm::dyn_cast_or_null<AddressSpaceAttr>(type.getMemorySpace()))
    return space.getValue();
  return std::nullopt;
}

LogicalResult mlir::enigma::verifyInKernel(Operation *op) {
  if (!op->getParentOfType<KernelOp>())
    return op->emitOpError("is only valid inside an 'enigma.kernel'");
  return success();
}

//===----------------------------------------------------------------------===//
// SimdgroupMatrixType
//===----------------------------------------------------------------------===//

LogicalResult
SimdgroupMatrixType::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows,
                            int64_t cols, Type elementType) {
  // Metal defines simdgroup matrices of 8x8 elements only.
  if (rows != 8 || cols != 8)
    return emitError() << "simdgroup matrices are 8x8 in Metal, got " << rows << "x" << cols;
  if (!elementType.isF32() && !elementType.isF16() && !elementType.isBF16())
    return emitError() << "simdgroup matrix element type must be f32, f16 or bf16, got "
                       << elementType;
  return success();
}

Type SimdgroupMatrixType::parse(AsmParser &parser) {
  SmallVector<int64_t, 2> dims;
  Type elementType;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false, /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseGreater())
    return {};
  if (dims.size() != 2) {
    parser.emitError(loc, "expected a rows x cols shape, got ") << dims.size() << " dimensions";
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); }, parser.getContext(), dims[0],
                    dims[1], elementType);
}

void SimdgroupMatrixType::print(AsmPrinter &printer) const {
  printer << "<" << getRows() << "x" << getCols() << "x" << getElementType() << ">";
}
