/*===-- enigma/Runtime/CpuABI.h - Scheduler <-> compiled kernel ABI -*- C -*-===*\
|*                                                                            *|
|* The contract between the CPU runtime's scheduler (C, in libEnigmaCAPI) and *|
|* a kernel compiled from MSL by the host C++ compiler (a .so the scheduler   *|
|* dlopens). Both sides include this header; the .so exports                  *|
|*                                                                            *|
|*   uint32_t enigma_cpu_abi_version;                                         *|
|*   uint32_t enigma_cpu_num_params;                                          *|
|*   EnigmaCpuParamLayout enigma_cpu_params[];   (one per kernel parameter)   *|
|*   EnigmaCpuBoundsTable enigma_cpu_bounds;     (filled in by the scheduler) *|
|*   void enigma_cpu_run(EnigmaCpuGroup *group, uint32_t first, uint32_t end) *|
|*                                                                            *|
|* enigma_cpu_run runs the threads [first, end) of one threadgroup one after  *|
|* the other, and stops early (after finishing the current thread) once the   *|
|* scheduler sets `stopSequential`. The scheduler does that the first time a  *|
|* thread reaches a barrier or a SIMD-group operation: from then on every     *|
|* thread of the group runs on its own fiber, one enigma_cpu_run(g, t, t+1)   *|
|* each, and the callbacks below switch between fibers.                       *|
|*                                                                            *|
|* Kernel code finds the group it runs in through a thread_local pointer that *|
|* enigma_cpu_run sets: all fibers of a threadgroup run on one OS thread, so  *|
|* the pointer (and threadgroup memory, which is thread_local too) is shared  *|
|* by exactly the threads of one threadgroup.                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_RUNTIME_CPUABI_H
#define ENIGMA_RUNTIME_CPUABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change of this header's structs or of the exported symbols:
 * the compiled-kernel cache is keyed by it and the loader checks it. */
#define ENIGMA_CPU_ABI_VERSION 5u

/* Threads of a SIMD-group (Apple GPUs execute 32 lanes). */
#define ENIGMA_CPU_SIMD_WIDTH 32u
/* Largest threadgroup Metal allows. */
#define ENIGMA_CPU_MAX_THREADS_PER_GROUP 1024u
/* Largest value a SIMD-group function exchanges between lanes (long4). */
#define ENIGMA_CPU_SIMD_SLOT_BYTES 32u
/* The slots an exchange returns are followed by an area the lanes of that exchange share
 * (ABI 3): a uint32_t flag at ENIGMA_CPU_SIMD_SHARED_FLAG, which the scheduler zeroes when it
 * completes the exchange, and ENIGMA_CPU_SIMD_WIDTH more slots at ENIGMA_CPU_SIMD_SHARED_SLOTS.
 * The first lane that needs a result common to the exchange (a reduction, every lane's prefix
 * sum) computes it there and sets the flag; the other lanes read it. */
#define ENIGMA_CPU_SIMD_SHARED_FLAG (ENIGMA_CPU_SIMD_WIDTH * ENIGMA_CPU_SIMD_SLOT_BYTES)
#define ENIGMA_CPU_SIMD_SHARED_SLOTS (ENIGMA_CPU_SIMD_SHARED_FLAG + 64u)

typedef struct EnigmaCpuGroup EnigmaCpuGroup;

/* Size and alignment of what a parameter points or refers to (0 for
 * builtins); the scheduler checks scalar sizes and reports element indices
 * with them. */
typedef struct EnigmaCpuParamLayout {
  uint32_t size;
  uint32_t align;
} EnigmaCpuParamLayout;

struct EnigmaCpuGroup {
  /* --- Constant for a launch. ------------------------------------------- */
  /* One pointer per kernel parameter in declaration order: the buffer's
   * data, or the scalar's bytes for `constant T&`; NULL for builtins. */
  void *const *args;
  uint32_t threadsPerGrid[3];
  uint32_t dispatchThreadsPerThreadgroup[3];
  uint32_t threadgroupsPerGrid[3];

  /* --- Constant for a threadgroup. -------------------------------------- */
  uint32_t threadgroupPositionInGrid[3];
  /* Actual size of this threadgroup: smaller than the dispatched size at
   * the grid's edge (dispatchThreads semantics). */
  uint32_t threadsPerThreadgroup[3];
  uint32_t threadCount;

  /* --- Changes as threads run. ------------------------------------------ */
  /* thread_index_in_threadgroup of the thread running now. */
  uint32_t current;
  /* Set by the scheduler: enigma_cpu_run must return after the current
   * thread instead of starting the next one. */
  volatile uint32_t stopSequential;
  /* Per SIMD-group of the threadgroup: the lane that performs its
   * simdgroup_matrix operations for all its lanes (the first lane that called
   * one), ~0u until one did. The scheduler resets it for every threadgroup.
   * (uint32_t, not a char type: a store to it must not look to the compiler
   * like a store that may change any memory.) */
  uint32_t matrixLeader[ENIGMA_CPU_MAX_THREADS_PER_GROUP / ENIGMA_CPU_SIMD_WIDTH];

  /* --- Callbacks into the scheduler, called on the thread's fiber. ------- */
  /* Blocks until every thread of the group reached a threadgroup barrier. */
  __typeof__(void(EnigmaCpuGroup *group)) *threadgroupBarrier;
  /* SIMD-group exchange: publishes `size` bytes (<= ENIGMA_CPU_SIMD_SLOT_BYTES)
   * of `value` for the calling lane and blocks until every active lane of its
   * SIMD-group reached the same exchange (`site` identifies the call site).
   * Returns ENIGMA_CPU_SIMD_WIDTH slots of ENIGMA_CPU_SIMD_SLOT_BYTES bytes,
   * indexed by lane, then the exchange's shared area (above), valid until the
   * caller's next exchange; *activeMask gets the lanes that took part. */
  __typeof__(const unsigned char *(EnigmaCpuGroup *group, const void *value, uint32_t size,
                                       uintptr_t site, uint64_t *activeMask)) *simdExchange;

  /* Private to the scheduler. */
  void *scheduler;
};

/* Exact bounds checking. A kernel compiled with the EnigmaBoundsCheck pass
 * plugin calls the .so's __enigma_bounds_check(address, size, access, where) before
 * every access that may touch a buffer; that function looks the address up
 * in enigma_cpu_bounds, which the scheduler fills in for each launch
 * (launches are serialized), and calls `violation` (which does not return)
 * for an access that is inside a buffer's guarded region but not entirely
 * inside its bytes. Addresses in no region (the stack, threadgroup memory)
 * pass. */
#define ENIGMA_CPU_ACCESS_READ 1u
#define ENIGMA_CPU_ACCESS_WRITE 2u

typedef struct EnigmaCpuBufferBounds {
  uintptr_t regionLo;   /* guarded reservation around the buffer */
  uintptr_t regionSize; /* 0 for a buffer passed unguarded */
  uintptr_t dataLo;     /* the buffer's bytes */
  uintptr_t dataSize;
  uint32_t param; /* index of the kernel parameter it is passed as */
  uint32_t reserved;
} EnigmaCpuBufferBounds;

/* The bytes a kernel parameter may access, for the checks' fast path: the
 * pass knows which parameter most accesses go through, and checks them
 * inline against this; an access outside them calls
 * __enigma_param_bounds_fail(address, size, access, param, where), which reports it
 * against that parameter's buffer (wherever the address lies).
 * {0, UINTPTR_MAX} accepts everything (scalars, unguarded buffers). */
typedef struct EnigmaCpuParamBounds {
  uintptr_t lo;
  uintptr_t size;
} EnigmaCpuParamBounds;

typedef struct EnigmaCpuBoundsTable {
  const EnigmaCpuBufferBounds *buffers;
  uint32_t count;
  /* `buffer` indexes `buffers`; `access` is ENIGMA_CPU_ACCESS_* or-ed;
   * `where` is the access's source position ("vadd.metal:6:10", or the
   * file and line a #line directive names), or NULL when unknown. */
  __typeof__(void(const void *address, uint64_t size, uint32_t access, uint32_t buffer,
                    const char *where)) *violation;
  /* One per kernel parameter (at least one), owned by the .so: the bytes
   * accesses may read, and those stores may write (none for a write-protected
   * argument, so a store through it is reported with its position). */
  EnigmaCpuParamBounds *params;
  EnigmaCpuParamBounds *writeParams;
  /* Called (through the .so's __enigma_trap) before an integer division the
   * host would trap on: `kind` is ENIGMA_CPU_TRAP_*; does not return. */
  __typeof__(void(uint32_t kind, const char *where)) *trap;
  /* The checks' slow paths, in the scheduler (set with `violation`): the .so's
   * __enigma_bounds_check and __enigma_param_bounds_fail forward to them with
   * this table, so no kernel compiles their loops. `check` looks the address
   * up among `buffers`; `paramFail` reports an access outside parameter
   * `param`'s fast-path bytes (see EnigmaCpuParamBounds). */
  __typeof__(void(const struct EnigmaCpuBoundsTable *table, const void *address, uint64_t size,
                  uint32_t access, const char *where)) *check;
  __typeof__(void(const struct EnigmaCpuBoundsTable *table, const void *address, uint64_t size,
                  uint32_t access, uint32_t param, const char *where)) *paramFail;
} EnigmaCpuBoundsTable;

#define ENIGMA_CPU_TRAP_DIVIDE_BY_ZERO 1u
#define ENIGMA_CPU_TRAP_DIVIDE_OVERFLOW 2u /* INT_MIN / -1, INT_MIN % -1 */

typedef void (*EnigmaCpuRunFn)(EnigmaCpuGroup *group, uint32_t first, uint32_t end);
/* Optional export of kernels the compiler put in lane-loop form (EnigmaBoundsCheck's LanesPass):
 *   uint32_t enigma_cpu_run_lanes(EnigmaCpuGroup *group, EnigmaCpuLanesScratchFn scratch)
 * runs the whole threadgroup on the calling fiber, without threadgroupBarrier or simdExchange
 * callbacks, with its per-thread state in `scratch(group, bytes)` (64-byte aligned, the worker's,
 * NULL when it cannot be had); returns 1 when every thread returned, 0 when it ran nothing (no
 * lane-loop form, or too much state) and the scheduler must run the threadgroup itself. */
typedef unsigned char *(*EnigmaCpuLanesScratchFn)(EnigmaCpuGroup *group, uint64_t bytes);
typedef uint32_t (*EnigmaCpuRunLanesFn)(EnigmaCpuGroup *group, EnigmaCpuLanesScratchFn scratch);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_RUNTIME_CPUABI_H */
