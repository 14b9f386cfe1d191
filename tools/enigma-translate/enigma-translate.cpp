//===- enigma-translate.cpp - Enigma's translations -----------------------===//
//
// mlirTranslateMain with Enigma's translations: --import-trace (JSON trace -> enigma IR) and
// --to-msl (enigma IR -> Metal Shading Language), each registered by its own library.
//
//===----------------------------------------------------------------------===//

#include "enigma/InitAll.h"
#include "enigma/Target/Registration.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::enigma::registerAllTranslations();
  return mlir::failed(mlir::mlirTranslateMain(argc, argv, "Enigma translation driver\n"))
             ? 1
             : 0;
}
