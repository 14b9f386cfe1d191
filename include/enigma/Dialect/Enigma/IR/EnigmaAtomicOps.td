//===- EnigmaAtomicOps.td - Atomic memory operations -------*- tablegen -*-===//

#ifndef ENIGMA_ATOMIC_OPS_TD
#define ENIGMA_ATOMIC_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "enigma/Dialect/Enigma/IR/EnigmaThreadOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_AtomicElement : AnyTypeOf<[I32, F32]>;

def Enigma_AtomicRMWOp : Enigma_Op<"atomic_rmw", [Enigma_InKernel,
    TypesMatchWith<"value type matches element type", "memref", "value",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">,
    TypesMatchWith<"result type matches element type", "memref", "result",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Metal atomic_fetch_<kind>_explicit (relaxed)";
  let description = [{
    Atomically combines `value` into `memref[indices]` and returns the previous value. Metal's
    atomics are relaxed. The element type is `i32` (Metal `atomic_int`, or `atomic_uint` with
    `unsigned`, which also makes `min`/`max` unsigned) or `f32` (`atomic_float`: add, sub,
    exchange). A buffer used by atomics is declared with an atomic element type in MSL, so every
    access to it must be atomic.

    ```mlir
    %old = enigma.atomic_rmw <add> unsigned %one, %hist[%bin]
        : memref<256xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins Enigma_AtomicKindAttr:$kind, UnitAttr:$is_unsigned,
                       Enigma_AtomicElement:$value,
                       Arg<MemRefOf<[I32, F32]>, "", [MemRead, MemWrite]>:$memref,
                       Variadic<Index>:$indices);
  let results = (outs Enigma_AtomicElement:$result);
  let assemblyFormat = [{
    $kind (`unsigned` $is_unsigned^)? $value `,` $memref `[` $indices `]` attr-dict
    `:` type($memref)
  }];
  let hasVerifier = 1;
}

def Enigma_AtomicCmpXchgOp : Enigma_Op<"atomic_cmpxchg", [Enigma_InKernel,
    TypesMatchWith<"value type matches element type", "memref", "value",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">,
    TypesMatchWith<"expected type matches element type", "memref", "expected",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">,
    TypesMatchWith<"result type matches element type", "memref", "result",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Metal atomic_compare_exchange_weak_explicit (relaxed), strong semantics";
  let description = [{
    Atomically replaces `memref[indices]` by `value` if it equals `expected`; returns the value
    found (equal to `expected` exactly when the exchange happened). The translation loops over
    Metal's weak compare-exchange until it succeeds or observes a different value.

    ```mlir
    %found = enigma.atomic_cmpxchg %expected, %new, %buf[%i]
        : memref<?xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_AtomicElement:$expected,
                       Enigma_AtomicElement:$value,
                       Arg<MemRefOf<[I32, F32]>, "", [MemRead, MemWrite]>:$memref,
                       Variadic<Index>:$indices);
  let results = (outs Enigma_AtomicElement:$result);
  let assemblyFormat = [{
    (`unsigned` $is_unsigned^)? $expected `,` $value `,` $memref `[` $indices `]` attr-dict
    `:` type($memref)
  }];
  let hasVerifier = 1;
}

def Enigma_AtomicLoadOp : Enigma_Op<"atomic_load", [Enigma_InKernel,
    TypesMatchWith<"result type matches element type", "memref", "result",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Metal atomic_load_explicit (relaxed)";
  let description = [{
    ```mlir
    %v = enigma.atomic_load %buf[%i] : memref<?xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned,
                       Arg<MemRefOf<[I32, F32]>, "", [MemRead]>:$memref,
                       Variadic<Index>:$indices);
  let results = (outs Enigma_AtomicElement:$result);
  let assemblyFormat = [{
    (`unsigned` $is_unsigned^)? $memref `[` $indices `]` attr-dict `:` type($memref)
  }];
  let hasVerifier = 1;
}

def Enigma_AtomicStoreOp : Enigma_Op<"atomic_store", [Enigma_InKernel,
    TypesMatchWith<"value type matches element type", "memref", "value",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Metal atomic_store_explicit (relaxed)";
  let description = [{
    ```mlir
    enigma.atomic_store %v, %buf[%i] : memref<?xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_AtomicElement:$value,
                       Arg<MemRefOf<[I32, F32]>, "", [MemWrite]>:$memref,
                       Variadic<Index>:$indices);
  let assemblyFormat = [{
    (`unsigned` $is_unsigned^)? $value `,` $memref `[` $indices `]` attr-dict `:` type($memref)
  }];
  let hasVerifier = 1;
}

#endif // ENIGMA_ATOMIC_OPS_TD
