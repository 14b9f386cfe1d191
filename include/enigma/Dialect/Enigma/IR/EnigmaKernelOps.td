//===- EnigmaKernelOps.td - Kernel function and return -----*- tablegen -*-===//

#ifndef ENIGMA_KERNEL_OPS_TD
#define ENIGMA_KERNEL_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Enigma_KernelOp : Enigma_Op<"kernel", [
    IsolatedFromAbove, Symbol, FunctionOpInterface, AutomaticAllocationScope]> {
  let summary = "a Metal compute kernel";
  let description = [{
    A Metal `kernel void` function. It returns nothing; every argument is either a buffer (a
    ranked `memref` in the `device` or `constant` address space) or a scalar passed by value
    (an integer, index or float type, `constant T&` in Metal). Each argument carries:

    - `enigma.buffer_index = N : i32` (required): its `[[buffer(N)]]` slot, unique per kernel;
    - `enigma.access = #enigma.access<read|write|read_write>` (buffers, optional): how the kernel
      uses the buffer; the MSL translation checks the body against it;
    - `enigma.scalar` (unit, scalars): marks a by-value scalar parameter;
    - `enigma.layout = #enigma.layout<...>` (buffers, optional): the CuTe layout the kernel
      indexes the buffer with; verified to fit a statically sized buffer (its cosize at most the
      buffer's element count);
    - `enigma.implicit = "threads_per_grid.x"` (scalars added by vectorization): a parameter the
      launcher fills in itself (here the original x grid size), not one the user passes;
    - `enigma.signed` (unit, optional): the argument's integers are signed in the source language
      (the trace's `i8`/`i16`/`i32`/`i64` dtypes). Only allowed on `i8`/`i16`/`i32`/`i64` scalars
      and on buffers of those element types. MLIR integers are signless and the body's
      operations carry the semantics, so the attribute changes no computation: it only makes
      the MSL signature declare the parameter with Metal's signed type (`device int*`,
      `constant char&`, `device atomic_int*`) instead of the unsigned one. Without it an integer
      parameter is declared unsigned (`device uint*`, `constant uint&`).

    The kernel may carry `enigma.coarsen = N : i32`, the number of consecutive x threads each
    thread of the kernel does the work of (set by vectorization; launchers divide the x grid).

    ```mlir
    enigma.kernel @vadd(%a: memref<?xf32, #enigma.address_space<device>>
                            {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>},
                        %n: i32 {enigma.buffer_index = 1 : i32, enigma.scalar, enigma.signed}) {
      enigma.return
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let builders = [OpBuilder<(ins "::llvm::StringRef":$name, "::mlir::FunctionType":$type,
                                 CArg<"::llvm::ArrayRef<::mlir::DictionaryAttr>", "{}">:$argAttrs)>];
  let extraClassDeclaration = [{
    /// Names of the argument attributes understood by the dialect.
    static constexpr ::llvm::StringLiteral kBufferIndexAttr = "enigma.buffer_index";
    static constexpr ::llvm::StringLiteral kAccessAttr = "enigma.access";
    static constexpr ::llvm::StringLiteral kScalarAttr = "enigma.scalar";
    static constexpr ::llvm::StringLiteral kCoarsenAttr = "enigma.coarsen";
    static constexpr ::llvm::StringLiteral kImplicitAttr = "enigma.implicit";
    static constexpr ::llvm::StringLiteral kLayoutAttr = "enigma.layout";
    static constexpr ::llvm::StringLiteral kSignedAttr = "enigma.signed";

    ::mlir::Region *getCallableRegion() { return &getBody(); }
    ::llvm::ArrayRef<::mlir::Type> getArgumentTypes() { return getFunctionType().getInputs(); }
    ::llvm::ArrayRef<::mlir::Type> getResultTypes() { return getFunctionType().getResults(); }
    bool isDeclaration() { return false; }

    /// The `[[buffer(N)]]` slot of argument `i` (verified to exist).
    unsigned getBufferIndex(unsigned i);
    /// Whether argument `i` is a by-value scalar.
    bool isScalarArg(unsigned i);
    /// Whether argument `i` is marked `enigma.signed` (declared with Metal's signed type).
    bool isSignedArg(unsigned i);
    /// The declared access of buffer argument `i`, if any.
    std::optional<::mlir::enigma::Access> getDeclaredAccess(unsigned i);
    /// The thread-coarsening factor, the `enigma.coarsen` attribute (1 when not vectorized).
    unsigned getCoarsen();
    /// The threadgroup size the kernel is always launched with: its `known_block_size` (kept
    /// from the gpu.func by convert-gpu-to-enigma) or `gpu.known_block_size`, three positive
    /// sizes; none when absent.
    std::optional<std::array<uint64_t, 3>> getKnownBlockSize();
  }];
}

def Enigma_ReturnOp : Enigma_Op<"return", [
    Pure, HasParent<"KernelOp">, ReturnLike, Terminator]> {
  let summary = "terminates an enigma.kernel";
  let description = [{
    Ends the body of an `enigma.kernel`. Kernels return nothing.

    ```mlir
    enigma.return
    ```
  }];
  let assemblyFormat = "attr-dict";
}

#endif // ENIGMA_KERNEL_OPS_TD
