/*===-- enigma/Runtime/MetalRaceCheck.h - Race-check hooks of a kernel -*- C -*-===*\
|*                                                                            *|
|* The race checker of the CPU runtime (docs/cpu-runtime.md#race-checking).   *|
|* A race-checked build of a kernel is compiled with                          *|
|*   -DENIGMA_CPU_RACE_CHECK=1 -include MetalRaceCheck.h                      *|
|* and the EnigmaBoundsCheck pass plugin; this header then defines the hooks  *|
|* the plugin calls and the table the scheduler fills in:                     *|
|*                                                                            *|
|*   EnigmaCpuRaceTable enigma_cpu_race;                   (exported)         *|
|*   void __enigma_race_access(addr, size, flags, where, tgBase, tgName,      *|
|*                             tgSize);   before every access that may touch  *|
|*                                        a buffer or threadgroup memory      *|
|*   void __enigma_race_barrier(memFlags); before every threadgroup_barrier   *|
|*                                                                            *|
|* Without ENIGMA_CPU_RACE_CHECK it only declares the table's type (the       *|
|* scheduler, in C, includes it for that).                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_RUNTIME_METALRACECHECK_H
#define ENIGMA_RUNTIME_METALRACECHECK_H

#if defined(__OPENCL_CPP_VERSION__)
#include "MetalAddressSpaces.h" /* -include'd before metal_stdlib: its pragmas first */
#endif
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENIGMA_CPU_RACE_TABLE_VERSION 1u

/* Flags of an access. */
#define ENIGMA_CPU_RACE_READ 1u
#define ENIGMA_CPU_RACE_WRITE 2u
#define ENIGMA_CPU_RACE_ATOMIC 4u
#define ENIGMA_CPU_RACE_THREADGROUP 8u /* a kernel-scope threadgroup variable */
/* Done identically by every lane of a SIMD-group (simdgroup_matrix loads and stores, which the
 * CPU runtime performs whole in each lane where the GPU splits them between the lanes): checked
 * as lane 0's access only. */
#define ENIGMA_CPU_RACE_SIMDGROUP 16u
/* Not an access: the launcher declares each threadgroup variable (tgBase, tgName, tgSize) when
 * it starts, so accesses whose address the pass could not trace to one (through a pointer a
 * helper gets from several places) are still recognized as threadgroup memory. */
#define ENIGMA_CPU_RACE_DECLARE 32u
/* Done by a SIMD-group async copy (MetalAsyncCopy.h): two such writes of one location (several
 * SIMD-groups copying the same tile) are not reported; against other accesses it is checked. */
#define ENIGMA_CPU_RACE_ASYNC_COPY 64u

typedef struct EnigmaCpuRaceTable {
  uint32_t version; /* ENIGMA_CPU_RACE_TABLE_VERSION */
  /* `size` bytes at `addr` are accessed by the current thread (the scheduler knows which);
   * `where` is the source position or NULL. For threadgroup memory, tgBase is the start of
   * the variable (tgSize bytes) named tgName; NULL when the pass could not tell which. */
  __typeof__(void(const void *addr, uint64_t size, uint32_t flags, const char *where,
                  const void *tgBase, const char *tgName, uint64_t tgSize)) *access;
  /* The current thread is about to wait at threadgroup_barrier(memFlags). */
  __typeof__(void(uint32_t memFlags)) *barrier;
} EnigmaCpuRaceTable;

#ifdef __cplusplus
}
#endif

#if defined(__cplusplus) && defined(ENIGMA_CPU_RACE_CHECK)
extern "C" __attribute__((visibility("default"))) EnigmaCpuRaceTable enigma_cpu_race;
EnigmaCpuRaceTable enigma_cpu_race = {ENIGMA_CPU_RACE_TABLE_VERSION, nullptr, nullptr};

extern "C" __attribute__((visibility("hidden"), used, noinline)) inline void
__enigma_race_access(const void *__addr, uint64_t __size, uint32_t __flags, const char *__where,
                     const void *__tgBase, const char *__tgName, uint64_t __tgSize) {
  if (enigma_cpu_race.access)
    enigma_cpu_race.access(__addr, __size, __flags, __where, __tgBase, __tgName, __tgSize);
}

extern "C" __attribute__((visibility("hidden"), used, noinline)) inline void
__enigma_race_barrier(uint32_t __memFlags) {
  if (enigma_cpu_race.barrier)
    enigma_cpu_race.barrier(__memFlags);
}
#endif

#endif /* ENIGMA_RUNTIME_METALRACECHECK_H */
