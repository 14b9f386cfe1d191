//===- EnigmaAsyncCopyOps.td - SIMD-group async copies -----*- tablegen -*-===//
//
// Metal's undocumented SIMD-group asynchronous copies between device and threadgroup memory
// (the AIR intrinsics air.simdgroup_async_copy_{1d,2d} and air.wait_simdgroup_events; Apple
// GPU family 9, M3 and later, per the reference). The MSL translation binds them with
// `__asm("air....")` extern declarations (lib/Target/MSL/EmitAsyncCopy.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_ASYNC_COPY_OPS_TD
#define ENIGMA_ASYNC_COPY_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaSyncOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_AsyncCopyEventType : Enigma_Type<"AsyncCopyEvent", "async_copy_event"> {
  let summary = "the completion event of a SIMD-group asynchronous copy";
  let description = [{
    Metal's `simdgroup_event` handle (an opaque `_simdgroup_event_t *` in MSL). It is produced
    by the `enigma.async_copy_*` operations and consumed by `enigma.async_copy_wait`.

    ```mlir
    !enigma.async_copy_event
    ```
  }];
}

// A copy is issued once by the SIMD-group (all its active lanes execute it with the same
// operands): it reads the lanes resource like the other SIMD-group functions, so it is never
// hoisted out of or sunk into conditionals. It reads `src` and writes `dst`; the writes are
// only guaranteed to be complete after `enigma.async_copy_wait` on its event.
class Enigma_AsyncCopyOp<string mnemonic, string dims, string from, string to>
    : Enigma_Op<mnemonic, [Enigma_InKernel,
        MemoryEffects<[MemRead<Enigma_LaneResource>]>]> {
  let results = (outs Enigma_AsyncCopyEventType:$event);
  let hasVerifier = 1;
  code commonClassDeclaration = [{
    /// The address space `dst` must be in (the one `src` must be in is the other).
    static constexpr ::mlir::enigma::AddressSpace kDstSpace = ::mlir::enigma::AddressSpace::}]
      # to # [{;
    static constexpr ::mlir::enigma::AddressSpace kSrcSpace = ::mlir::enigma::AddressSpace::}]
      # from # [{;
  }];
}

class Enigma_AsyncCopy1dOp<string mnemonic, string from, string to, string direction>
    : Enigma_AsyncCopyOp<mnemonic, "1d", from, to> {
  let summary = "1-D SIMD-group async copy, " # direction;
  let description = [{
    Starts copying `count` elements from `src[src_offset ...]` to `dst[dst_offset ...]` (}]
    # direction # [{) and returns the copy's event. Both memrefs are rank 1 with the same
    element type; offsets and count are in elements. The copy is done once per SIMD-group:
    every active lane of the SIMD-group must execute it with the same operands. `dst` is only
    guaranteed to hold the data after `enigma.async_copy_wait` on the event.

    ```mlir
    %ev = enigma.}] # mnemonic # [{ %dst[%doff], %src[%soff], %count
        : memref<...>, memref<...>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "destination", [MemWrite]>:$dst, Index:$dstOffset,
                       Arg<AnyMemRef, "source", [MemRead]>:$src, Index:$srcOffset,
                       Index:$count);
  let assemblyFormat = [{
    $dst `[` $dstOffset `]` `,` $src `[` $srcOffset `]` `,` $count attr-dict
    `:` type($dst) `,` type($src)
  }];
  let extraClassDeclaration = commonClassDeclaration;
}

class Enigma_AsyncCopy2dOp<string mnemonic, string from, string to, string direction>
    : Enigma_AsyncCopyOp<mnemonic, "2d", from, to> {
  let summary = "2-D (tile) SIMD-group async copy, " # direction;
  let description = [{
    Starts copying a tile of `rows` rows of `cols` elements (}] # direction # [{): element
    (r, c) of the tile goes from `src[src_offset + r * src_row_stride + c]` to
    `dst[dst_offset + r * dst_row_stride + c]`. The row strides are Metal's
    `elements_per_row`. Operands are in elements; the rules of the 1-D copy apply.

    ```mlir
    %ev = enigma.}] # mnemonic # [{ %dst[%doff] row_stride %depr, %src[%soff] row_stride %sepr,
        tile %cols x %rows : memref<...>, memref<...>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "destination", [MemWrite]>:$dst, Index:$dstOffset,
                       Index:$dstRowStride,
                       Arg<AnyMemRef, "source", [MemRead]>:$src, Index:$srcOffset,
                       Index:$srcRowStride, Index:$cols, Index:$rows);
  let assemblyFormat = [{
    $dst `[` $dstOffset `]` `row_stride` $dstRowStride `,`
    $src `[` $srcOffset `]` `row_stride` $srcRowStride `,`
    `tile` $cols `x` $rows attr-dict `:` type($dst) `,` type($src)
  }];
  let extraClassDeclaration = commonClassDeclaration;
}

def Enigma_AsyncCopy1dD2TOp : Enigma_AsyncCopy1dOp<"async_copy_1d_d2t", "Device", "Threadgroup",
    "device to threadgroup memory">;
def Enigma_AsyncCopy1dT2DOp : Enigma_AsyncCopy1dOp<"async_copy_1d_t2d", "Threadgroup", "Device",
    "threadgroup to device memory">;
def Enigma_AsyncCopy2dD2TOp : Enigma_AsyncCopy2dOp<"async_copy_2d_d2t", "Device", "Threadgroup",
    "device to threadgroup memory">;
def Enigma_AsyncCopy2dT2DOp : Enigma_AsyncCopy2dOp<"async_copy_2d_t2d", "Threadgroup", "Device",
    "threadgroup to device memory">;

def Enigma_AsyncCopyWaitOp : Enigma_Op<"async_copy_wait", [Enigma_InKernel,
    MemoryEffects<[MemRead, MemWrite, MemRead<Enigma_LaneResource>,
                   MemWrite<Enigma_LaneResource>]>]> {
  let summary = "waits for SIMD-group async copies";
  let description = [{
    Blocks the SIMD-group until the copies of all `events` are complete; their destinations
    then hold the copied data for every lane of the SIMD-group (other SIMD-groups need a
    threadgroup barrier as usual). Metal's `air.wait_simdgroup_events`. Like a barrier, it
    reads and writes memory, so no access moves across it.

    ```mlir
    enigma.async_copy_wait %ev0, %ev1
    ```
  }];
  let arguments = (ins Variadic<Enigma_AsyncCopyEventType>:$events);
  let assemblyFormat = "$events attr-dict";
  let hasVerifier = 1;
}

#endif // ENIGMA_ASYNC_COPY_OPS_TD
