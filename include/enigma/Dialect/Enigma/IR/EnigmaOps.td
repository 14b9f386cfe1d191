//===- EnigmaOps.td - All enigma dialect definitions -------*- tablegen -*-===//
//
// Root file for TableGen: one op family per included file.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_OPS_TD
#define ENIGMA_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "enigma/Dialect/Enigma/IR/EnigmaTypes.td"
include "enigma/Dialect/Enigma/IR/EnigmaKernelOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaThreadOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaSyncOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaSimdOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaAtomicOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaMatrixOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaAsyncCopyOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaMathOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaMatrixAlgebraOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaFunctionConstantOps.td"
include "enigma/Dialect/Enigma/IR/EnigmaLayoutAttrs.td"
include "enigma/Dialect/Enigma/IR/EnigmaTargetAttrs.td"
include "enigma/Dialect/Enigma/IR/EnigmaLayoutOps.td"

#endif // ENIGMA_OPS_TD
