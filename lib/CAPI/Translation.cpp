//===- Translation.cpp - C API of the MSL translation ---------------------===//

#include "enigma-c/Translation.h"

#include "enigma/Target/MSL/MSLEmitter.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static std::string kernelsToJSON(const std::vector<enigma::MSLKernelInfo> &kernels) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(llvm::json::Object{{"kernels", enigma::kernelsToJSON(kernels)}});
  return out;
}

MlirLogicalResult enigmaTranslateModuleToMSLWithMetadata(MlirOperation module,
                                                         MlirStringCallback callback,
                                                         MlirStringCallback metadataCallback,
                                                         void *userData) {
  std::string msl;
  llvm::raw_string_ostream os(msl);
  std::vector<enigma::MSLKernelInfo> kernels;
  if (failed(enigma::translateToMSL(unwrap(module), os, &kernels)))
    return mlirLogicalResultFailure();
  if (callback)
    callback(mlirStringRefCreate(msl.data(), msl.size()), userData);
  if (metadataCallback) {
    std::string json = kernelsToJSON(kernels);
    metadataCallback(mlirStringRefCreate(json.data(), json.size()), userData);
  }
  return mlirLogicalResultSuccess();
}

MlirLogicalResult enigmaTranslateModuleToMSL(MlirOperation module, MlirStringCallback callback,
                                             void *userData) {
  return enigmaTranslateModuleToMSLWithMetadata(module, callback, nullptr, userData);
}
