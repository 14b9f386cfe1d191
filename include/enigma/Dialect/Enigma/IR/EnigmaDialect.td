//===- EnigmaDialect.td - The enigma dialect ---------------*- tablegen -*-===//
//
// The `enigma` dialect holds what is Metal- or layout-specific. Generic computation stays in
// upstream dialects (arith, math, scf, memref, vector) so upstream passes keep working.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_DIALECT_TD
#define ENIGMA_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Enigma_Dialect : Dialect {
  let name = "enigma";
  let cppNamespace = "::mlir::enigma";
  let summary = "Metal kernels and CuTe layouts for Apple GPUs";
  let description = [{
    The `enigma` dialect models Metal compute kernels: the kernel function itself, Metal's
    thread/grid builtins, barriers, threadgroup memory, SIMD-group and quad-group cross-lane
    operations, atomics and SIMD-group matrices. Buffers are `memref`s whose memory space is an
    `#enigma.address_space` attribute, so upstream `memref`, `vector`, `arith`, `math` and `scf`
    operations and passes compose with it unchanged.

    Side effects are modelled honestly: barriers read and write memory, cross-lane operations
    read the other lanes of their group (a dedicated `lanes` resource) and are never
    speculatable, so no upstream pass hoists, sinks or merges them across control flow.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes (defined next to their storage in EnigmaLayout.cpp).
    void registerAttributes();
  }];
}

class Enigma_Op<string mnemonic, list<Trait> traits = []>
    : Op<Enigma_Dialect, mnemonic, traits>;

class Enigma_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Enigma_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class Enigma_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Enigma_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

#endif // ENIGMA_DIALECT_TD
