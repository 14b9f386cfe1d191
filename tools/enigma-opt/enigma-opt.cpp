//===- enigma-opt.cpp - Enigma's mlir-opt style driver --------------------===//

#include "enigma/InitAll.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::enigma::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::enigma::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Enigma optimizer driver\n", registry));
}
