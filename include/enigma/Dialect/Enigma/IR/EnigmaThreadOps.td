//===- EnigmaThreadOps.td - Thread and grid queries --------*- tablegen -*-===//

#ifndef ENIGMA_THREAD_OPS_TD
#define ENIGMA_THREAD_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferIntRangeInterface.td"

// Verifies that the op is nested (at any depth) in an enigma.kernel.
def Enigma_InKernel : NativeOpTrait<"InKernel"> {
  let cppNamespace = "::mlir::enigma";
}

// The accessors of a query's Metal builtin input (`metalBuiltin`): the MSL translation
// declares the kernel parameter `<type> <name> [[<name>]]` from them
// (lib/Target/MSL/Prepare.cpp).
class Enigma_MetalBuiltinInput<string name, string type> {
  code decl = [{
    /// The Metal builtin input this query reads (its attribute and parameter name).
    static constexpr ::llvm::StringLiteral getMetalBuiltinInput() { return "}] # name # [{"; }
    /// The MSL type of that input.
    static constexpr ::llvm::StringLiteral getMetalBuiltinInputType() { return "}] # type # [{"; }
  }];
}

// Both kinds of query give their integer range (InferIntRangeInterface): 32-bit limits, or
// the enclosing kernel's known_block_size (queryRange in EnigmaOps.cpp).
defvar Enigma_QueryRangeDefinition = [{
  void $cppClass::inferResultRanges(::llvm::ArrayRef<::mlir::ConstantIntRanges>,
                                    ::mlir::SetIntRangeFn setResultRange) {
    setResultRange(getResult(), queryRange(getOperation()));
  }
}];

// A query of one component of a Metal uint3 builtin, e.g. thread_position_in_grid.x.
class Enigma_DimQueryOp<string mnemonic, string metalName>
    : Enigma_Op<mnemonic, [Pure, Enigma_InKernel,
                           DeclareOpInterfaceMethods<InferIntRangeInterface,
                                                     ["inferResultRanges"]>]> {
  let summary = "component of Metal's [[" # metalName # "]] builtin";
  let description = [{
    Returns one component (`x`, `y` or `z`) of Metal's `[[}] # metalName # [{]]` builtin for
    the executing thread. Only valid inside an `enigma.kernel`.

    ```mlir
    %0 = enigma.}] # mnemonic # [{ x
    ```
  }];
  let arguments = (ins Enigma_DimAttr:$dim);
  let results = (outs Index:$result);
  let assemblyFormat = "custom<DimKeyword>($dim) attr-dict";
  let extraClassDefinition = Enigma_QueryRangeDefinition;
  string metalBuiltin = metalName;
  let extraClassDeclaration = Enigma_MetalBuiltinInput<metalName, "uint3">.decl;
}

// A query of a scalar Metal builtin, e.g. thread_index_in_simdgroup.
class Enigma_ScalarQueryOp<string mnemonic, string metalName>
    : Enigma_Op<mnemonic, [Pure, Enigma_InKernel,
                           DeclareOpInterfaceMethods<InferIntRangeInterface,
                                                     ["inferResultRanges"]>]> {
  let summary = "Metal's [[" # metalName # "]] builtin";
  let description = [{
    Returns Metal's `[[}] # metalName # [{]]` builtin for the executing thread. Only valid
    inside an `enigma.kernel`.

    ```mlir
    %0 = enigma.}] # mnemonic # [{
    ```
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
  let extraClassDefinition = Enigma_QueryRangeDefinition;
  string metalBuiltin = metalName;
  let extraClassDeclaration = Enigma_MetalBuiltinInput<metalName, "uint">.decl;
}

def Enigma_ThreadPositionInGridOp
    : Enigma_DimQueryOp<"thread_position_in_grid", "thread_position_in_grid">;
def Enigma_ThreadPositionInThreadgroupOp
    : Enigma_DimQueryOp<"thread_position_in_threadgroup", "thread_position_in_threadgroup">;
def Enigma_ThreadgroupPositionInGridOp
    : Enigma_DimQueryOp<"threadgroup_position_in_grid", "threadgroup_position_in_grid">;
def Enigma_ThreadsPerThreadgroupOp
    : Enigma_DimQueryOp<"threads_per_threadgroup", "threads_per_threadgroup">;
def Enigma_ThreadgroupsPerGridOp
    : Enigma_DimQueryOp<"threadgroups_per_grid", "threadgroups_per_grid">;
def Enigma_ThreadsPerGridOp
    : Enigma_DimQueryOp<"threads_per_grid", "threads_per_grid">;

def Enigma_ThreadIndexInThreadgroupOp
    : Enigma_ScalarQueryOp<"thread_index_in_threadgroup", "thread_index_in_threadgroup">;
def Enigma_ThreadIndexInSimdgroupOp
    : Enigma_ScalarQueryOp<"thread_index_in_simdgroup", "thread_index_in_simdgroup">;
def Enigma_SimdgroupIndexInThreadgroupOp
    : Enigma_ScalarQueryOp<"simdgroup_index_in_threadgroup", "simdgroup_index_in_threadgroup">;
def Enigma_ThreadsPerSimdgroupOp
    : Enigma_ScalarQueryOp<"threads_per_simdgroup", "threads_per_simdgroup">;
def Enigma_SimdgroupsPerThreadgroupOp
    : Enigma_ScalarQueryOp<"simdgroups_per_threadgroup", "simdgroups_per_threadgroup">;

#endif // ENIGMA_THREAD_OPS_TD
