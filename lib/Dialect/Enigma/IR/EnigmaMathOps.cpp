//===- EnigmaMathOps.cpp - Metal standard-library functions ---------------===//
//
// Verifiers and helpers of the ops in EnigmaMathOps.td. Types are checked by ODS constraints
// and type-matching traits; what remains is the lane count each pack format implies.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

using namespace mlir;
using namespace mlir::enigma;

unsigned PackOp::getFormatLanes(PackFormat format) {
  switch (format) {
  case PackFormat::Snorm2x16:
  case PackFormat::Unorm2x16:
    return 2;
  case PackFormat::Snorm4x8:
  case PackFormat::Unorm4x8:
  case PackFormat::SrgbUnorm4x8:
  case PackFormat::Unorm10a2:
    return 4;
  }
  llvm_unreachable("unknown pack format");
}

/// The vector of f32 a format packs (the error text names it).
static std::string formatVectorType(PackFormat format) {
  return "vector<" + std::to_string(PackOp::getFormatLanes(format)) + "xf32>";
}

llvm::StringRef PackOp::getMetalBuiltin(PackFormat format) {
  switch (format) {
  case PackFormat::Snorm4x8:
    return "pack_float_to_snorm4x8";
  case PackFormat::Unorm4x8:
    return "pack_float_to_unorm4x8";
  case PackFormat::Snorm2x16:
    return "pack_float_to_snorm2x16";
  case PackFormat::Unorm2x16:
    return "pack_float_to_unorm2x16";
  case PackFormat::SrgbUnorm4x8:
    return "pack_float_to_srgb_unorm4x8";
  case PackFormat::Unorm10a2:
    return "pack_float_to_unorm10a2";
  }
  llvm_unreachable("unknown pack format");
}

llvm::StringRef UnpackOp::getMetalBuiltin(PackFormat format) {
  switch (format) {
  case PackFormat::Snorm4x8:
    return "unpack_snorm4x8_to_float";
  case PackFormat::Unorm4x8:
    return "unpack_unorm4x8_to_float";
  case PackFormat::Snorm2x16:
    return "unpack_snorm2x16_to_float";
  case PackFormat::Unorm2x16:
    return "unpack_unorm2x16_to_float";
  case PackFormat::SrgbUnorm4x8: // Metal spells this one differently from its pack twin.
    return "unpack_unorm4x8_srgb_to_float";
  case PackFormat::Unorm10a2:
    return "unpack_unorm10a2_to_float";
  }
  llvm_unreachable("unknown pack format");
}

LogicalResult PackOp::verify() {
  unsigned lanes = getFormatLanes(getFormat());
  if (getValue().getType().getNumElements() != lanes)
    return emitOpError("format ") << stringifyPackFormat(getFormat()) << " packs "
                                  << formatVectorType(getFormat()) << ", got "
                                  << getValue().getType();
  return success();
}

LogicalResult UnpackOp::verify() {
  unsigned lanes = PackOp::getFormatLanes(getFormat());
  if (getResult().getType().getNumElements() != lanes)
    return emitOpError("format ") << stringifyPackFormat(getFormat()) << " unpacks to "
                                  << formatVectorType(getFormat()) << ", got "
                                  << getResult().getType();
  return success();
}
