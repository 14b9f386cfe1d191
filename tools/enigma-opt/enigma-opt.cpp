//===- enigma-opt.cpp - Enigma's mlir-opt style driver --------------------===//
//
// Besides Enigma's own dialect and passes, enigma-opt loads the upstream dialects an MLIR user
// brings (linalg, tensor, bufferization, affine, cf, index, gpu) with the interface models and
// passes that take such IR to an outlined gpu.module, #enigma.target for gpu-module-to-binary,
// and the gpu-lower-to-enigma / gpu-lower-to-msl pipelines (enigma/Target/GPU/Target.h).
//
//===----------------------------------------------------------------------===//

#include "enigma/InitAll.h"
#include "enigma/Target/GPU/Target.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

using namespace mlir;

int main(int argc, char **argv) {
  enigma::registerAllPasses();
  enigma::registerGPUCompositionPasses();
  DialectRegistry registry;
  enigma::registerGPUCompositionDialects(registry);
  return asMainReturnCode(MlirOptMain(argc, argv, "Enigma optimizer driver\n", registry));
}
