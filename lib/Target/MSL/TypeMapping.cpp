//===- TypeMapping.cpp - MLIR types and constants as MSL ------------------===//

#include "TypeMapping.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::enigma;

unsigned msl::getNumLanes(Type type) {
  if (auto vec = llvm::dyn_cast<VectorType>(type))
    return vec.getNumElements();
  return 0;
}

bool msl::isMatrixType(Type type) {
  auto vec = llvm::dyn_cast<VectorType>(type);
  if (!vec || vec.getRank() != 2 || vec.isScalable())
    return false;
  auto inRange = [](int64_t n) { return n >= 2 && n <= 4; };
  return inRange(vec.getDimSize(0)) && inRange(vec.getDimSize(1)) &&
         (vec.getElementType().isF32() || vec.getElementType().isF16());
}

unsigned msl::getIntegerWidth(Type type) {
  type = getElementTypeOrSelf(type);
  if (type.isIndex())
    return 32;
  if (auto intTy = llvm::dyn_cast<IntegerType>(type))
    return intTy.getWidth();
  return 0;
}

/// The Metal spelling of a scalar type, from the scalar-type table the Python package and the
/// trace import share (python/enigma/scalar_types.def): the row whose MLIR type is `type` and
/// whose kind is signed integer when `isSigned`, unsigned integer or bool otherwise (index is a
/// 32-bit integer); floats have no signed form.
static std::optional<std::string> scalarTypeName(Type type, bool isSigned) {
  std::string mlir;
  bool isInt = false;
  if (type.isIndex()) {
    mlir = "i32";
    isInt = true;
  } else if (auto intTy = llvm::dyn_cast<IntegerType>(type)) {
    mlir = "i" + std::to_string(intTy.getWidth());
    isInt = true;
  } else if (type.isF32()) {
    mlir = "f32";
  } else if (type.isF16()) {
    mlir = "f16";
  } else if (type.isBF16()) {
    mlir = "bf16";
  } else {
    return std::nullopt;
  }
  auto kindMatches = [&](char kind) {
    if (!isInt)
      return kind == 'f' && !isSigned;
    return isSigned ? kind == 'i' : kind == 'u' || kind == 'b';
  };
#define ENIGMA_SCALAR_TYPE(name, mlirName, msl, bits, kind, numpy)                                 \
  if (mlir == #mlirName && kindMatches(#kind[0]))                                                  \
    return std::string(#msl);
#include "../../../python/enigma/scalar_types.def"
#undef ENIGMA_SCALAR_TYPE
  return std::nullopt;
}

static std::optional<std::string> typeName(Type type, bool isSigned) {
  if (msl::isMatrixType(type)) {
    // vector<CxRxT> is Metal's TCxR: C columns of R rows (column-major, m[i] is column i).
    auto vec = llvm::cast<VectorType>(type);
    if (isSigned)
      return std::nullopt;
    return std::string(vec.getElementType().isF32() ? "float" : "half") +
           std::to_string(vec.getDimSize(0)) + "x" + std::to_string(vec.getDimSize(1));
  }
  if (auto vec = llvm::dyn_cast<VectorType>(type)) {
    if (vec.getRank() != 1 || vec.isScalable() || vec.getNumElements() < 2 ||
        vec.getNumElements() > 4)
      return std::nullopt;
    std::optional<std::string> elem = scalarTypeName(vec.getElementType(), isSigned);
    if (!elem)
      return std::nullopt;
    return *elem + std::to_string(vec.getNumElements());
  }
  if (auto matrix = llvm::dyn_cast<SimdgroupMatrixType>(type)) {
    if (isSigned || matrix.getRows() != 8 || matrix.getCols() != 8)
      return std::nullopt;
    std::optional<std::string> elem = scalarTypeName(matrix.getElementType(), false);
    if (!elem || llvm::isa<IntegerType>(matrix.getElementType()))
      return std::nullopt;
    return "simdgroup_" + *elem + "8x8";
  }
  return scalarTypeName(type, isSigned);
}

std::optional<std::string> msl::getValueTypeName(Type type) { return typeName(type, false); }

std::optional<std::string> msl::getSignedTypeName(Type type) { return typeName(type, true); }

std::string msl::printMLIRType(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

std::optional<std::string> msl::formatIntLiteral(const llvm::APInt &value, Type type) {
  unsigned width = getIntegerWidth(type);
  if (width == 1)
    return std::string(value.isZero() ? "false" : "true");
  // Index constants are 64-bit in MLIR and 32-bit in MSL: only values that survive the
  // truncation (as signed or unsigned 32-bit numbers) are exact.
  llvm::APInt v = value;
  if (type.isIndex()) {
    if (!v.isSignedIntN(32) && !v.isIntN(32))
      return std::nullopt;
    v = v.trunc(32);
  } else if (v.getBitWidth() != width) {
    v = v.sextOrTrunc(width);
  }
  std::string suffix, typeNameStr;
  switch (width) {
  case 8:
    typeNameStr = "uchar";
    break;
  case 16:
    typeNameStr = "ushort";
    break;
  case 32:
    typeNameStr = "uint";
    suffix = "u";
    break;
  case 64:
    typeNameStr = "ulong";
    suffix = "ul";
    break;
  default:
    return std::nullopt;
  }
  llvm::SmallString<32> digits;
  if (v.isNegative()) {
    if (v.isMinSignedValue()) {
      // -2^(w-1) has no positive twin in the signed type: write the bit pattern.
      v.toString(digits, 16, /*Signed=*/false);
      if (width < 32)
        return typeNameStr + "(0x" + std::string(digits) + ")";
      return "0x" + std::string(digits) + suffix;
    }
    (-v).toString(digits, 10, /*Signed=*/false);
    if (width == 64)
      return typeNameStr + "(-" + std::string(digits) + "l)";
    return typeNameStr + "(-" + std::string(digits) + ")";
  }
  v.toString(digits, 10, /*Signed=*/false);
  if (width < 32)
    return typeNameStr + "(" + std::string(digits) + ")";
  return std::string(digits) + suffix;
}

/// The shortest "%.*g" spelling of `f` that strtof reads back bit-exactly, as a float literal.
static std::string shortestFloat(float f) {
  char buf[64];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(f));
    float back = std::strtof(buf, nullptr);
    if (std::memcmp(&back, &f, sizeof(float)) == 0)
      break;
  }
  std::string s(buf);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  s += "f";
  if (s[0] == '-')
    s = "(" + s + ")";
  return s;
}

std::optional<std::string> msl::formatFloatLiteral(const llvm::APFloat &value, Type type) {
  uint64_t bits = value.bitcastToAPInt().getZExtValue();
  std::string name;
  unsigned hexDigits;
  if (type.isF32()) {
    name = "float";
    hexDigits = 8;
  } else if (type.isF16()) {
    name = "half";
    hexDigits = 4;
  } else if (type.isBF16()) {
    name = "bfloat";
    hexDigits = 4;
  } else {
    return std::nullopt;
  }
  auto asType = [&]() {
    std::string hex;
    llvm::raw_string_ostream os(hex);
    os << llvm::format_hex(bits, hexDigits + 2);
    if (hexDigits == 8)
      return "as_type<float>(" + hex + "u)";
    return "as_type<" + name + ">(ushort(" + hex + "))";
  };
  if (value.isNaN()) {
    // The NAN macro is the canonical positive quiet NaN; any other payload is written bitwise.
    if (type.isF32() && bits == 0x7fc00000u)
      return std::string("NAN");
    return asType();
  }
  // Denormals are written bitwise: compilers that flush denormals may also flush literals.
  if (value.isDenormal())
    return asType();
  if (value.isInfinity()) {
    std::string inf = value.isNegative() ? "(-INFINITY)" : "INFINITY";
    if (type.isF32())
      return inf;
    return name + "(" + inf + ")";
  }
  // Every f16 and bf16 value is exactly a float: print the float and convert.
  bool losesInfo = false;
  llvm::APFloat asFloat = value;
  asFloat.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  if (losesInfo)
    return std::nullopt;
  std::string literal = shortestFloat(asFloat.convertToFloat());
  if (type.isF32())
    return literal;
  return name + "(" + literal + ")";
}

static std::optional<std::string> formatScalarAttr(Attribute attr, Type type) {
  if (auto intAttr = llvm::dyn_cast<IntegerAttr>(attr))
    return msl::formatIntLiteral(intAttr.getValue(), type);
  if (auto floatAttr = llvm::dyn_cast<FloatAttr>(attr))
    return msl::formatFloatLiteral(floatAttr.getValue(), type);
  return std::nullopt;
}

std::optional<std::string> msl::formatConstant(Attribute value, Type type) {
  auto vecTy = llvm::dyn_cast<VectorType>(type);
  if (!vecTy)
    return formatScalarAttr(value, type);
  std::optional<std::string> vecName = getValueTypeName(type);
  auto dense = llvm::dyn_cast<DenseElementsAttr>(value);
  if (!vecName || !dense)
    return std::nullopt;
  Type elemTy = vecTy.getElementType();
  // A matrix constructor with one scalar builds a diagonal matrix: splats list every element.
  if (dense.isSplat() && !isMatrixType(type)) {
    std::optional<std::string> elem = formatScalarAttr(dense.getSplatValue<Attribute>(), elemTy);
    if (!elem)
      return std::nullopt;
    return *vecName + "(" + *elem + ")";
  }
  std::string out = *vecName + "(";
  bool first = true;
  for (Attribute elemAttr : dense.getValues<Attribute>()) {
    std::optional<std::string> elem = formatScalarAttr(elemAttr, elemTy);
    if (!elem)
      return std::nullopt;
    if (!first)
      out += ", ";
    first = false;
    out += *elem;
  }
  return out + ")";
}
