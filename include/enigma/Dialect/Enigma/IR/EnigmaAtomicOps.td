//===- EnigmaAtomicOps.td - Atomic memory operations -------*- tablegen -*-===//

#ifndef ENIGMA_ATOMIC_OPS_TD
#define ENIGMA_ATOMIC_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "enigma/Dialect/Enigma/IR/EnigmaThreadOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_AtomicElement : AnyTypeOf<[I32, F32]>;

// The memory order of an atomic; relaxed (Metal's only native order before MSL 4.1) when absent.
def Enigma_DefaultRelaxed
    : DefaultValuedAttr<Enigma_MemoryOrderAttr, "::mlir::enigma::MemoryOrder::Relaxed">;

def Enigma_AtomicRMWOp : Enigma_Op<"atomic_rmw", [Enigma_InKernel,
    TypesMatchWith<"value type matches element type", "memref", "value",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">,
    TypesMatchWith<"result type matches element type", "memref", "result",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Metal atomic_fetch_<kind>_explicit";
  let description = [{
    Atomically combines `value` into `memref[indices]` and returns the previous value. `order`
    (default `relaxed`, printed only otherwise) is any C++ memory order; MSL before 4.1 only has
    relaxed atomics, so the translation adds fences (docs/msl-translation.md). The element type is `i32` (Metal `atomic_int`, or `atomic_uint` with
    `unsigned`, which also makes `min`/`max` unsigned) or `f32` (`atomic_float`: add, sub,
    exchange). A buffer used by atomics is declared with an atomic element type in MSL, so every
    access to it must be atomic.

    ```mlir
    %old = enigma.atomic_rmw <add> unsigned %one, %hist[%bin]
        : memref<256xi32, #enigma.address_space<device>>
    %prev = enigma.atomic_rmw <exchange> %v, %flag[%c0] {order = #enigma.memory_order<acq_rel>}
        : memref<1xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins Enigma_AtomicKindAttr:$kind, UnitAttr:$is_unsigned,
                       Enigma_DefaultRelaxed:$order,
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
  let summary = "Metal atomic_compare_exchange_weak_explicit, strong semantics";
  let description = [{
    Atomically replaces `memref[indices]` by `value` if it equals `expected`; returns the value
    found (equal to `expected` exactly when the exchange happened). The translation loops over
    Metal's weak compare-exchange until it succeeds or observes a different value. `order` is
    the memory order on success, `failure_order` the one on failure (both default `relaxed`);
    as in C++, the failure order is a load's (not `release`/`acq_rel`) and no stronger than the
    success order.

    ```mlir
    %found = enigma.atomic_cmpxchg %expected, %new, %buf[%i]
        : memref<?xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_DefaultRelaxed:$order,
                       Enigma_DefaultRelaxed:$failure_order, Enigma_AtomicElement:$expected,
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
  let summary = "Metal atomic_load_explicit";
  let description = [{
    `order` (default `relaxed`) cannot be `release` or `acq_rel`.

    ```mlir
    %v = enigma.atomic_load %buf[%i] : memref<?xi32, #enigma.address_space<device>>
    %f = enigma.atomic_load %flag[%c0] {order = #enigma.memory_order<acquire>}
        : memref<1xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_DefaultRelaxed:$order,
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
  let summary = "Metal atomic_store_explicit";
  let description = [{
    `order` (default `relaxed`) cannot be `acquire` or `acq_rel`.

    ```mlir
    enigma.atomic_store %v, %buf[%i] : memref<?xi32, #enigma.address_space<device>>
    enigma.atomic_store %one, %flag[%c0] {order = #enigma.memory_order<release>}
        : memref<1xi32, #enigma.address_space<device>>
    ```
  }];
  let arguments = (ins UnitAttr:$is_unsigned, Enigma_DefaultRelaxed:$order,
                       Enigma_AtomicElement:$value,
                       Arg<MemRefOf<[I32, F32]>, "", [MemWrite]>:$memref,
                       Variadic<Index>:$indices);
  let assemblyFormat = [{
    (`unsigned` $is_unsigned^)? $value `,` $memref `[` $indices `]` attr-dict `:` type($memref)
  }];
  let hasVerifier = 1;
}

#endif // ENIGMA_ATOMIC_OPS_TD
