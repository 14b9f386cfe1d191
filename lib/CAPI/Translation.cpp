//===- Translation.cpp - C API of the MSL translation ---------------------===//

#include "enigma-c/Translation.h"

#include "enigma/Target/MSL/MSLEmitter.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static std::string kernelsToJSON(const std::vector<enigma::MSLKernelInfo> &kernels) {
  llvm::json::Array kernelArray;
  for (const enigma::MSLKernelInfo &kernel : kernels) {
    llvm::json::Array params;
    for (const enigma::MSLParamInfo &param : kernel.params)
      params.push_back(llvm::json::Object{{"name", param.name},
                                          {"buffer_index", param.bufferIndex},
                                          {"is_scalar", param.isScalar},
                                          {"msl_type", param.mslType},
                                          {"element_type", param.elementType},
                                          {"access", param.access},
                                          {"is_atomic", param.isAtomic},
                                          {"is_unsigned", param.isUnsigned}});
    kernelArray.push_back(llvm::json::Object{{"name", kernel.kernelName},
                                             {"entry", kernel.entryName},
                                             {"coarsen", kernel.coarsen},
                                             {"params", std::move(params)}});
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(llvm::json::Object{{"kernels", std::move(kernelArray)}});
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
