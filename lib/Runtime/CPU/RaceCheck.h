/*===-- RaceCheck.h - Race-checked launches (Scheduler.c) ---------*- C -*-===*\
|*                                                                            *|
|* Not installed. Kernel.c launches the race-checked build of a kernel (the   *|
|* MSL compiled with -DENIGMA_CPU_RACE_CHECK and the pass plugin) through     *|
|* this entry; the checker itself lives in Scheduler.c, which knows the       *|
|* threads, barriers and SIMD-group exchanges (docs/cpu-runtime.md).          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_LIB_RUNTIME_CPU_RACECHECK_H
#define ENIGMA_LIB_RUNTIME_CPU_RACECHECK_H

#include "CpuRuntime.h"
#include "enigma/Runtime/MetalRaceCheck.h"

/// Flags the race-checked build is compiled with (appended to the user's flags, so they are
/// part of its cache key).
#define ENIGMA_CPU_RACE_CHECK_FLAGS "-DENIGMA_CPU_RACE_CHECK=1 -include MetalRaceCheck.h"

/// Runs the job like enigmaCpuRunJob, on one worker, with the kernel's race table (the
/// .so's enigma_cpu_race) pointing at the checker: a data race or a read of uninitialized
/// threadgroup memory stops the launch with ENIGMA_RUNTIME_ERROR_DATA_RACE or
/// ENIGMA_RUNTIME_ERROR_UNINITIALIZED_READ.
EnigmaRuntimeStatus enigmaCpuRunJobRaceChecked(const EnigmaCpuJob *job, EnigmaCpuRaceTable *race,
                                               EnigmaRuntimeError *error);

#endif /* ENIGMA_LIB_RUNTIME_CPU_RACECHECK_H */
