//===- EnigmaSyncOps.td - Barriers and threadgroup memory --*- tablegen -*-===//

#ifndef ENIGMA_SYNC_OPS_TD
#define ENIGMA_SYNC_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaEnums.td"
include "enigma/Dialect/Enigma/IR/EnigmaThreadOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Cross-lane operations read the values other lanes of their group hold. They are modelled as
// reads of this resource so that upstream passes never treat them as pure: no hoisting out of
// or sinking into conditionals (which would change which lanes take part).
def Enigma_LaneResource : Resource<"::mlir::enigma::LaneResource">;

def Enigma_ThreadgroupBarrierOp : Enigma_Op<"threadgroup_barrier", [
    Enigma_InKernel,
    MemoryEffects<[MemRead, MemWrite, MemRead<Enigma_LaneResource>,
                   MemWrite<Enigma_LaneResource>]>]> {
  let summary = "Metal threadgroup_barrier(mem_flags)";
  let description = [{
    Waits until every thread of the threadgroup reaches the barrier, then orders the memory
    named by the flags. All threads of the threadgroup must reach the same barrier.

    ```mlir
    enigma.threadgroup_barrier <threadgroup>
    enigma.threadgroup_barrier <device|threadgroup>
    ```
  }];
  let arguments = (ins Enigma_MemFlagsAttr:$flags);
  let assemblyFormat = "$flags attr-dict";
}

def Enigma_SimdgroupBarrierOp : Enigma_Op<"simdgroup_barrier", [
    Enigma_InKernel,
    MemoryEffects<[MemRead, MemWrite, MemRead<Enigma_LaneResource>,
                   MemWrite<Enigma_LaneResource>]>]> {
  let summary = "Metal simdgroup_barrier(mem_flags)";
  let description = [{
    Waits until every thread of the SIMD-group reaches the barrier, then orders the memory
    named by the flags.

    ```mlir
    enigma.simdgroup_barrier <none>
    ```
  }];
  let arguments = (ins Enigma_MemFlagsAttr:$flags);
  let assemblyFormat = "$flags attr-dict";
}

def Enigma_ThreadgroupAllocOp : Enigma_Op<"threadgroup_alloc", [Enigma_InKernel]> {
  let summary = "threadgroup memory shared by the threads of a threadgroup";
  let description = [{
    Declares a statically shaped array in the `threadgroup` address space. Every thread of a
    threadgroup sees the same memory; the MSL translation declares it once at kernel scope,
    so the op may appear anywhere in the kernel (its contents are undefined until written).

    ```mlir
    %tg = enigma.threadgroup_alloc : memref<256xf32, #enigma.address_space<threadgroup>>
    ```
  }];
  let results = (outs Res<AnyStaticShapeMemRef, "", [MemAlloc<AutomaticAllocationScopeResource>]>:$memref);
  let assemblyFormat = "attr-dict `:` type($memref)";
  let hasVerifier = 1;
}

#endif // ENIGMA_SYNC_OPS_TD
