/*===-- enigma-c/Runtime.h - CPU runtime for MSL kernels ----------*- C -*-===*\
|*                                                                            *|
|* Runs the exact Metal Shading Language text of a kernel on the CPU: the     *|
|* host C++ compiler compiles it against a Metal-compatibility header, and a  *|
|* scheduler runs threadgroups over all cores with Metal's threadgroup,       *|
|* barrier and SIMD-group semantics. docs/cpu-runtime.md describes the        *|
|* design, the guarantees and the limits.                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Conventions used by every function below:
 *
 *  - EnigmaCpuKernel is an opaque handle owned by the caller, created by
 *    enigmaRuntimeCpuKernelCreate and released exactly once with
 *    enigmaRuntimeCpuKernelDestroy (Destroy(NULL) does nothing). Strings and
 *    parameter descriptions read from a kernel stay valid until it is
 *    destroyed. A kernel may be launched from several threads; launches are
 *    serialized (each one already uses every core).
 *
 *  - Fallible functions return an EnigmaRuntimeStatus. On failure nothing is
 *    leaked and, if `error` is not NULL, error->status gets the code and
 *    error->message a malloc'ed, NUL-terminated, human-readable message that
 *    the caller releases with enigmaRuntimeErrorDestroy. On success
 *    error->status is ENIGMA_RUNTIME_OK and error->message is NULL. The
 *    EnigmaRuntimeError struct itself is the caller's (a stack variable is
 *    fine). No function aborts or prints.
 *
 *  - Errors of a kernel while it runs (an out-of-bounds buffer access, a
 *    barrier not reached by every thread, an integer division by zero, a
 *    stack overflow...) come back from enigmaRuntimeCpuKernelLaunch as such
 *    messages naming the kernel, the buffer, the index and the thread; the
 *    process is not corrupted and the kernel can be launched again.
 *
 * Environment variables (read at each call, so tests can change them):
 *   ENIGMA_CXX            host C++ compiler (default: clang++-22, clang++, g++)
 *   ENIGMA_CPU_CXXFLAGS   extra compiler flags, e.g. "-O3 -march=native"
 *   ENIGMA_CPU_BOUNDS_CHECK  "exact" or "guard" (see EnigmaCpuBoundsCheck)
 *   ENIGMA_CPU_BOUNDS_PLUGIN path of the EnigmaBoundsCheck pass plugin (default:
 *                         beside libEnigmaCAPI.so); setting it also vouches
 *                         that the host compiler can load it
 *   ENIGMA_CPU_ADDRESS_SPACES  "1": real address spaces (C++ for OpenCL), "0":
 *                         erased; unset or "default": real where clang and the
 *                         pass plugin are used, erased again for Metal that C++
 *                         for OpenCL alone rejects (see EnigmaCpuAddressSpaces)
 *   ENIGMA_CACHE_DIR      compiled-kernel cache (default $XDG_CACHE_HOME/enigma
 *                         or ~/.cache/enigma)
 *   ENIGMA_CACHE_MAX_MB   size limit of the compiled kernels in the cache, in MiB
 *                         (default 1024; 0: no limit); least recently used first
 *   ENIGMA_CPU_THREADS    worker threads (default: the CPUs this process may
 *                         use; read when the pool starts)
 *   ENIGMA_CPU_STACK_SIZE stack of each simulated GPU thread, bytes or with a
 *                         K/M suffix (default 256K; read when the pool starts)
 *   ENIGMA_CPU_TIMEOUT    time limit of a launch in seconds (default: none),
 *                         see EnigmaCpuLaunchConfig.timeoutMs
 *   ENIGMA_RACE_CHECK     1: every launch is race-checked (ENIGMA_CPU_LAUNCH_RACE_CHECK)
 */

#ifndef ENIGMA_C_RUNTIME_H
#define ENIGMA_C_RUNTIME_H

#include "enigma-c/Support.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*/
/* Status and errors                                                          */
/*===----------------------------------------------------------------------===*/

typedef enum EnigmaRuntimeStatus {
  ENIGMA_RUNTIME_OK = 0,
  /// A NULL handle or pointer, a wrong number of arguments, a scalar of the
  /// wrong size, a grid or threadgroup size Metal does not allow...
  ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT = 1,
  /// The kernel is not in the source, or its signature uses something the
  /// CPU runtime does not support (textures, [[threadgroup(n)]] arguments,
  /// pointers to threadgroup memory...). The message says what and where.
  ENIGMA_RUNTIME_ERROR_UNSUPPORTED = 2,
  /// The host compiler rejected the source; the message holds its output.
  ENIGMA_RUNTIME_ERROR_COMPILE = 3,
  /// No host compiler, an unwritable cache directory, dlopen or mmap failed.
  ENIGMA_RUNTIME_ERROR_SYSTEM = 4,
  /// The kernel read or wrote outside a buffer (or wrote a read-only one).
  ENIGMA_RUNTIME_ERROR_OUT_OF_BOUNDS = 5,
  /// A threadgroup_barrier that not every thread of the threadgroup reached.
  ENIGMA_RUNTIME_ERROR_DIVERGENT_BARRIER = 6,
  /// Any other fault while the kernel ran: a bad pointer, an integer
  /// division by zero, a stack overflow, a trap.
  ENIGMA_RUNTIME_ERROR_KERNEL_FAULT = 7,
  /// The launch did not finish within its time limit (an infinite loop, a
  /// thread spinning on a value no other thread will set); it was interrupted.
  ENIGMA_RUNTIME_ERROR_TIMEOUT = 8,
  /// Race-checked launches (ENIGMA_CPU_LAUNCH_RACE_CHECK): two threads accessed the same
  /// threadgroup or device memory, at least one writing, without a barrier or SIMD-group
  /// function ordering them (device memory: from different threadgroups, unless both atomic).
  ENIGMA_RUNTIME_ERROR_DATA_RACE = 9,
  /// Race-checked launches: a thread read threadgroup memory no thread of its threadgroup
  /// had written.
  ENIGMA_RUNTIME_ERROR_UNINITIALIZED_READ = 10,
} EnigmaRuntimeStatus;

typedef struct EnigmaRuntimeError {
  EnigmaRuntimeStatus status;
  /// malloc'ed message, or NULL; release with enigmaRuntimeErrorDestroy.
  char *message;
} EnigmaRuntimeError;

/// Frees error->message and resets *error to {ENIGMA_RUNTIME_OK, NULL}.
/// Accepts NULL.
ENIGMA_CAPI_EXPORTED void enigmaRuntimeErrorDestroy(EnigmaRuntimeError *error);

/*===----------------------------------------------------------------------===*/
/* Kernels                                                                    */
/*===----------------------------------------------------------------------===*/

typedef struct EnigmaCpuKernelImpl *EnigmaCpuKernel;

/// How a kernel's buffer accesses are checked (docs/cpu-runtime.md).
typedef enum EnigmaCpuBoundsCheck {
  /// ENIGMA_CPU_BOUNDS_CHECK from the environment ("exact" or "guard") if
  /// set, else EXACT when this runtime can compile exact checks with the
  /// chosen compiler, else GUARD.
  ENIGMA_CPU_BOUNDS_CHECK_DEFAULT = 0,
  /// Every access that may touch a buffer is checked against the buffer's
  /// bytes: any out-of-bounds access is reported. Needs the EnigmaBoundsCheck
  /// pass plugin built with this runtime and the clang it was built for;
  /// otherwise kernel creation fails with ENIGMA_RUNTIME_ERROR_UNSUPPORTED.
  ENIGMA_CPU_BOUNDS_CHECK_EXACT = 1,
  /// Guard pages only (no instrumentation, a little faster): accesses more
  /// than a few bytes outside a buffer are reported, but reads and writes in
  /// the alignment slack after its end (under 16 bytes) or on the page
  /// before its start are not.
  ENIGMA_CPU_BOUNDS_CHECK_GUARD = 2,
} EnigmaCpuBoundsCheck;

/// Optional compile settings; any field may be NULL or 0 (then the
/// environment or the default applies). The strings are only read during the
/// call.
typedef struct EnigmaCpuCompileOptions {
  /// Host C++ compiler: a path or a name looked up in PATH.
  const char *cxx;
  /// Extra flags, split at spaces, appended after the runtime's own.
  const char *cxxFlags;
  /// Cache directory for compiled kernels and the extracted header.
  const char *cacheDir;
  /// Bounds checking; part of the cache key.
  EnigmaCpuBoundsCheck boundsCheck;
} EnigmaCpuCompileOptions;

/// Parses the signature of kernel `kernelName` in the MSL text
/// `source[0..sourceLength)`, compiles the text unchanged with the host
/// compiler (or loads it from the cache, keyed by the text, the kernel name,
/// the header version, the compiler and its flags) and returns the kernel in
/// *kernel (NULL on failure). `options` may be NULL.
ENIGMA_CAPI_EXPORTED EnigmaRuntimeStatus enigmaRuntimeCpuKernelCreate(
    const char *source, size_t sourceLength, const char *kernelName,
    const EnigmaCpuCompileOptions *options, EnigmaCpuKernel *kernel, EnigmaRuntimeError *error);

/// Releases a kernel. Accepts NULL.
ENIGMA_CAPI_EXPORTED void enigmaRuntimeCpuKernelDestroy(EnigmaCpuKernel kernel);

/// The kernel's name (owned by the kernel).
ENIGMA_CAPI_EXPORTED const char *enigmaRuntimeCpuKernelGetName(EnigmaCpuKernel kernel);
/// Path of the compiled shared object in the cache (owned by the kernel).
ENIGMA_CAPI_EXPORTED const char *enigmaRuntimeCpuKernelGetLibraryPath(EnigmaCpuKernel kernel);
/// True when enigmaRuntimeCpuKernelCreate found the kernel in the disk cache
/// instead of running the compiler.
ENIGMA_CAPI_EXPORTED bool enigmaRuntimeCpuKernelWasCached(EnigmaCpuKernel kernel);
/// The bounds checking the kernel was compiled with: EXACT or GUARD (never
/// DEFAULT); DEFAULT for a NULL kernel.
ENIGMA_CAPI_EXPORTED EnigmaCpuBoundsCheck enigmaRuntimeCpuKernelGetBoundsCheck(EnigmaCpuKernel kernel);

/// How Metal's address spaces were compiled (docs/cpu-runtime.md, "Compiling the MSL").
typedef enum EnigmaCpuAddressSpaces {
  /// Erased: `device`, `thread`, `threadgroup` as an address space are nothing, `constant`
  /// is `const` (g++, a clang without the pass plugin, a `-std=` flag, or
  /// ENIGMA_CPU_ADDRESS_SPACES=0).
  ENIGMA_CPU_ADDRESS_SPACES_ERASED = 0,
  /// Real: address spaces are types (C++ for OpenCL), as in Metal.
  ENIGMA_CPU_ADDRESS_SPACES_REAL = 1,
  /// Erased because the default mode's real-mode compile hit a limitation of C++ for OpenCL
  /// (not an address-space mismatch); the real mode's output is kept in the cache's errors/.
  ENIGMA_CPU_ADDRESS_SPACES_ERASED_FALLBACK = 2,
} EnigmaCpuAddressSpaces;

/// The address-space mode the kernel was compiled in; ERASED for a NULL kernel.
ENIGMA_CAPI_EXPORTED EnigmaCpuAddressSpaces
enigmaRuntimeCpuKernelGetAddressSpaces(EnigmaCpuKernel kernel);

/*===----------------------------------------------------------------------===*/
/* Parameters                                                                 */
/*===----------------------------------------------------------------------===*/

typedef enum EnigmaCpuParamKind {
  /// `device T*`, `constant T*` or `device T&`: a launch argument whose data
  /// the kernel reads and (unless read-only) writes.
  ENIGMA_CPU_PARAM_BUFFER = 0,
  /// `constant T& name [[buffer(i)]]`: a launch argument of exactly
  /// elementSize bytes, passed by value.
  ENIGMA_CPU_PARAM_SCALAR = 1,
  /// A builtin such as [[thread_position_in_grid]]: not a launch argument.
  ENIGMA_CPU_PARAM_BUILTIN = 2,
  /// `threadgroup T* name [[threadgroup(i)]]`: threadgroup memory whose length
  /// each launch gives (EnigmaCpuLaunchConfig.threadgroupMemoryLengths[i], as
  /// Metal's setThreadgroupMemoryLength:atIndex:); not a launch argument.
  ENIGMA_CPU_PARAM_THREADGROUP = 3,
} EnigmaCpuParamKind;

typedef enum EnigmaCpuBuiltin {
  ENIGMA_CPU_BUILTIN_NONE = 0,
  ENIGMA_CPU_BUILTIN_THREAD_POSITION_IN_GRID,
  ENIGMA_CPU_BUILTIN_THREAD_POSITION_IN_THREADGROUP,
  ENIGMA_CPU_BUILTIN_THREADGROUP_POSITION_IN_GRID,
  ENIGMA_CPU_BUILTIN_THREADS_PER_THREADGROUP,
  ENIGMA_CPU_BUILTIN_DISPATCH_THREADS_PER_THREADGROUP,
  ENIGMA_CPU_BUILTIN_THREADGROUPS_PER_GRID,
  ENIGMA_CPU_BUILTIN_THREADS_PER_GRID,
  ENIGMA_CPU_BUILTIN_GRID_SIZE,
  ENIGMA_CPU_BUILTIN_GRID_ORIGIN,
  ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_THREADGROUP,
  ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_SIMDGROUP,
  ENIGMA_CPU_BUILTIN_SIMDGROUP_INDEX_IN_THREADGROUP,
  ENIGMA_CPU_BUILTIN_THREADS_PER_SIMDGROUP,
  ENIGMA_CPU_BUILTIN_THREAD_EXECUTION_WIDTH,
  ENIGMA_CPU_BUILTIN_SIMDGROUPS_PER_THREADGROUP,
  ENIGMA_CPU_BUILTIN_DISPATCH_SIMDGROUPS_PER_THREADGROUP,
  ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_QUADGROUP,
  ENIGMA_CPU_BUILTIN_QUADGROUP_INDEX_IN_THREADGROUP,
  ENIGMA_CPU_BUILTIN_QUADGROUPS_PER_THREADGROUP,
  ENIGMA_CPU_BUILTIN_DISPATCH_QUADGROUPS_PER_THREADGROUP,
} EnigmaCpuBuiltin;

/// One kernel parameter, in declaration order. Strings are owned by the
/// kernel.
typedef struct EnigmaCpuParam {
  /// Parameter name as written.
  const char *name;
  /// What a buffer points to / a scalar's type / a builtin's type, without
  /// address space and cv-qualifiers: "float", "atomic_uint", "uint3", "Params".
  const char *typeName;
  EnigmaCpuParamKind kind;
  /// The [[buffer(i)]] index; -1 for builtins and threadgroup memory.
  int32_t bufferIndex;
  /// Position among the launch arguments (buffers and scalars sorted by
  /// buffer index); -1 for builtins and threadgroup memory.
  int32_t argIndex;
  EnigmaCpuBuiltin builtin;
  /// Number of components of a builtin (1, 2 or 3); 0 otherwise.
  uint32_t builtinComponents;
  /// The kernel only reads it (`const`, or the `constant` address space).
  bool readOnly;
  /// sizeof / alignof of the element (buffer) or value (scalar), as the host
  /// compiler laid it out (which matches Metal's layout); 0 for builtins.
  uint32_t elementSize;
  uint32_t elementAlign;
  /// The [[threadgroup(i)]] index of threadgroup memory; -1 otherwise.
  int32_t threadgroupIndex;
} EnigmaCpuParam;

/// Number of parameters (including builtins).
ENIGMA_CAPI_EXPORTED size_t enigmaRuntimeCpuKernelGetNumParams(EnigmaCpuKernel kernel);
/// Number of launch arguments (buffers and scalars).
ENIGMA_CAPI_EXPORTED size_t enigmaRuntimeCpuKernelGetNumArgs(EnigmaCpuKernel kernel);
/// Fills *param with parameter `index` (declaration order).
ENIGMA_CAPI_EXPORTED EnigmaRuntimeStatus enigmaRuntimeCpuKernelGetParam(EnigmaCpuKernel kernel,
                                                                        size_t index,
                                                                        EnigmaCpuParam *param,
                                                                        EnigmaRuntimeError *error);

/*===----------------------------------------------------------------------===*/
/* Launch                                                                     */
/*===----------------------------------------------------------------------===*/

/// A launch argument: a buffer's bytes (read, and written back unless the
/// parameter is read-only) or a scalar's bytes (read). `data` may be NULL
/// only when `size` is 0.
typedef struct EnigmaCpuArg {
  void *data;
  size_t size;
} EnigmaCpuArg;

typedef enum EnigmaCpuLaunchFlags {
  ENIGMA_CPU_LAUNCH_DEFAULT = 0,
  /// Pass buffers in place instead of through guarded copies: faster, but an
  /// out-of-bounds access is only reported if it happens to fault, and may
  /// corrupt memory (see docs/cpu-runtime.md).
  ENIGMA_CPU_LAUNCH_UNCHECKED = 1,
  /// Apple-silicon barrier semantics: a thread that has returned no longer
  /// takes part in threadgroup barriers. By default a barrier that some
  /// threads of the group never reach is reported as an error.
  ENIGMA_CPU_LAUNCH_EXITED_THREADS_SKIP_BARRIERS = 2,
  /// Run the race-checked build of the kernel (compiled on first use, with exact bounds
  /// checks; a separate cache entry): reports data races and reads of uninitialized
  /// threadgroup memory (ENIGMA_RUNTIME_ERROR_DATA_RACE, _UNINITIALIZED_READ). Threadgroups
  /// then run one at a time on one worker. ENIGMA_RACE_CHECK=1 in the environment sets it
  /// for every launch. See docs/cpu-runtime.md#race-checking.
  ENIGMA_CPU_LAUNCH_RACE_CHECK = 4,
} EnigmaCpuLaunchFlags;

typedef struct EnigmaCpuLaunchConfig {
  /// Total threads per dimension (dispatchThreads: the last threadgroup of a
  /// dimension is partial when the block does not divide the grid). A zero
  /// dimension launches nothing.
  uint32_t grid[3];
  /// Threads per threadgroup; each >= 1, product <= 1024.
  uint32_t block[3];
  /// For kernels whose threads each do `coarsen` threads' work along x: the
  /// x grid actually launched is ceil(grid[0] / coarsen). 0 means 1.
  uint32_t coarsen;
  /// EnigmaCpuLaunchFlags, or-ed.
  uint32_t flags;
  /// Time limit in milliseconds; 0 means ENIGMA_CPU_TIMEOUT (seconds) from
  /// the environment, and no limit when that is unset. A launch that exceeds
  /// it is interrupted and fails with ENIGMA_RUNTIME_ERROR_TIMEOUT, naming a
  /// thread that was still running.
  uint32_t timeoutMs;
  /// Bytes of threadgroup memory for each [[threadgroup(i)]] parameter, by
  /// index i (Metal's setThreadgroupMemoryLength:atIndex:): every index a
  /// kernel declares needs a length, a positive multiple of 16; together at
  /// most ENIGMA_CPU_MAX_THREADGROUP_MEMORY bytes. Each threadgroup gets its
  /// own memory of that length, uninitialized as on the GPU. May be NULL when
  /// the kernel declares none.
  const uint32_t *threadgroupMemoryLengths;
  uint32_t numThreadgroupMemoryLengths;
} EnigmaCpuLaunchConfig;

/// Threadgroup memory Apple GPUs give a threadgroup (maxThreadgroupMemoryLength).
#define ENIGMA_CPU_MAX_THREADGROUP_MEMORY 32768u

/// Runs the kernel over the grid and waits for it. `args[i]` is the i-th
/// launch argument (parameters with a [[buffer(n)]] index, sorted by n);
/// `numArgs` must equal enigmaRuntimeCpuKernelGetNumArgs. Buffers are copied
/// into guarded memory, the kernel runs, and writable buffers are copied
/// back (also when the kernel fails, so they show what it wrote).
ENIGMA_CAPI_EXPORTED EnigmaRuntimeStatus
enigmaRuntimeCpuKernelLaunch(EnigmaCpuKernel kernel, const EnigmaCpuArg *args, size_t numArgs,
                             const EnigmaCpuLaunchConfig *config, EnigmaRuntimeError *error);

/*===----------------------------------------------------------------------===*/
/* Function constants                                                         */
/*===----------------------------------------------------------------------===*/
/*
 * Metal function constants (`constant T name [[function_constant(i)]];` at
 * program scope) get their values when a pipeline is created, and the
 * function is compiled for them. The CPU runtime does the same per launch:
 * enigmaRuntimeCpuKernelLaunchWithConstants specializes the kernel for the
 * values (each declaration becomes an initialized constant, each
 * is_function_constant_defined(name) true or false; see docs/cpu-runtime.md),
 * compiles that text on first use (the disk cache keys it like any text) and
 * keeps it with the kernel for later launches with the same values.
 * enigmaRuntimeCpuKernelCreate compiles the text with every constant
 * undefined, which launches that supply no value run.
 */

/// One function constant the kernel's source declares, in source order.
/// Strings are owned by the kernel.
typedef struct EnigmaCpuFunctionConstant {
  /// The name as declared.
  const char *name;
  /// The type as written: "bool", "char", "uchar", "short", "ushort", "int",
  /// "uint", "long", "ulong", "half", "float" (or a C spelling of one).
  const char *typeName;
  /// The [[function_constant(index)]] index.
  uint32_t index;
  /// Bytes of a value (sizeof the type): EnigmaCpuFunctionConstantValue.size.
  uint32_t size;
  /// False when the source tests is_function_constant_defined(name): then a
  /// launch may leave it undefined (it reads as zero on the CPU; its value is
  /// undefined in Metal). Launching without a value for a required constant
  /// fails with ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT naming it.
  bool required;
} EnigmaCpuFunctionConstant;

/// Number of function constants the source declares (0 for most kernels).
ENIGMA_CAPI_EXPORTED size_t enigmaRuntimeCpuKernelGetNumFunctionConstants(EnigmaCpuKernel kernel);
/// Fills *constant with function constant `index` (source order, not the
/// [[function_constant]] index).
ENIGMA_CAPI_EXPORTED EnigmaRuntimeStatus enigmaRuntimeCpuKernelGetFunctionConstant(
    EnigmaCpuKernel kernel, size_t index, EnigmaCpuFunctionConstant *constant,
    EnigmaRuntimeError *error);

/// The value of function constant `index`: `size` bytes at `data` in the
/// host's representation of its type (a bool is one byte, 0 or 1). Only read
/// during the call.
typedef struct EnigmaCpuFunctionConstantValue {
  uint32_t index;
  const void *data;
  size_t size;
} EnigmaCpuFunctionConstantValue;

/// enigmaRuntimeCpuKernelLaunch with function constant values (any order, at
/// most one per index). Fails with ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
/// before running anything, for an index the source does not declare, a
/// value of the wrong size, a bool byte other than 0 or 1, or a required
/// constant left without a value; with the compile errors of
/// enigmaRuntimeCpuKernelCreate when the specialization does not compile.
/// `constants` may be NULL when `numConstants` is 0;
/// enigmaRuntimeCpuKernelLaunch(k, ...) is this with no values.
ENIGMA_CAPI_EXPORTED EnigmaRuntimeStatus enigmaRuntimeCpuKernelLaunchWithConstants(
    EnigmaCpuKernel kernel, const EnigmaCpuArg *args, size_t numArgs,
    const EnigmaCpuFunctionConstantValue *constants, size_t numConstants,
    const EnigmaCpuLaunchConfig *config, EnigmaRuntimeError *error);

/*===----------------------------------------------------------------------===*/
/* Runtime information                                                        */
/*===----------------------------------------------------------------------===*/

/// Version of the Metal-compatibility header and launcher ABI, e.g.
/// "2.<sha256 prefix of the header text>" (ABI 2). Static string.
ENIGMA_CAPI_EXPORTED const char *enigmaRuntimeGetHeaderVersion(void);

/// Number of worker threads launches use (starts the pool if needed).
ENIGMA_CAPI_EXPORTED size_t enigmaRuntimeCpuGetNumWorkers(void);

/// The in-process host compiler (libEnigmaHostCC.so beside this library, loaded on first use):
/// its path, or NULL when it was not built, does not load, or ENIGMA_CPU_IN_PROCESS is 0. It
/// compiles the kernels whose host compiler is clang of its LLVM major version.
ENIGMA_CAPI_EXPORTED const char *enigmaRuntimeCpuGetInProcessCompiler(void);

/// How many kernel compile commands this process ran in process and as compiler processes
/// (cache hits count in neither; a kernel compiled again without the PCH counts twice).
ENIGMA_CAPI_EXPORTED void enigmaRuntimeCpuGetCompileCounts(uint64_t *inProcess,
                                                           uint64_t *processes);

/// How many compiled kernels this process linked into shared objects in process (lld's ELF
/// linker in libEnigmaHostCC.so) and with an `ld` process (kernels compiled by clang; g++'s
/// compile-and-link commands count in neither).
ENIGMA_CAPI_EXPORTED void enigmaRuntimeCpuGetLinkCounts(uint64_t *inProcess, uint64_t *processes);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_RUNTIME_H */
