/*===-- CpuRuntime.h - Internal interfaces of the CPU runtime ----*- C -*-===*\
|*                                                                            *|
|* Not installed: the pieces of lib/Runtime/CPU talk to each other through    *|
|* this header; clients use enigma-c/Runtime.h.                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_LIB_RUNTIME_CPU_CPURUNTIME_H
#define ENIGMA_LIB_RUNTIME_CPU_CPURUNTIME_H

#include "enigma-c/Runtime.h"
#include "enigma/Runtime/CpuABI.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*===-- Errors and strings (Error.c) --------------------------------------===*/

/// Sets *error (if not NULL) to `status` and a formatted message; returns
/// `status` so callers can `return enigmaCpuSetError(...)`.
EnigmaRuntimeStatus enigmaCpuSetError(EnigmaRuntimeError *error, EnigmaRuntimeStatus status,
                                      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/// malloc'ed printf; NULL only when out of memory.
char *enigmaCpuFormat(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *enigmaCpuVFormat(const char *fmt, va_list ap);
char *enigmaCpuStrndup(const char *s, size_t n);

/// A growable string.
typedef struct EnigmaCpuString {
  char *data;
  size_t size, capacity;
  bool failed; /* an allocation failed; data is unusable */
} EnigmaCpuString;
void enigmaCpuStringAppend(EnigmaCpuString *s, const char *text, size_t n);
void enigmaCpuStringPrintf(EnigmaCpuString *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/// Returns the string (owned by the caller) and resets *s; NULL on failure.
char *enigmaCpuStringTake(EnigmaCpuString *s);
void enigmaCpuStringFree(EnigmaCpuString *s);

/*===-- SHA-256 (Sha256.c) ------------------------------------------------===*/

typedef struct EnigmaCpuSha256 {
  uint32_t h[8];
  uint64_t length;
  uint8_t block[64];
  size_t used;
} EnigmaCpuSha256;
void enigmaCpuSha256Init(EnigmaCpuSha256 *s);
void enigmaCpuSha256Update(EnigmaCpuSha256 *s, const void *data, size_t n);
/// Writes 64 lowercase hex digits and a NUL to hex[65].
void enigmaCpuSha256FinalHex(EnigmaCpuSha256 *s, char hex[65]);

/*===-- Kernel signatures (Signature.c) -----------------------------------===*/

typedef struct EnigmaCpuParamDesc {
  char *name;
  char *typeName;
  EnigmaCpuParamKind kind;
  int32_t bufferIndex;
  int32_t argIndex;
  EnigmaCpuBuiltin builtin;
  uint32_t builtinComponents;
  bool readOnly;
  /* Filled in from the compiled kernel (sizeof/alignof). */
  uint32_t elementSize, elementAlign;
  int32_t threadgroupIndex; /* [[threadgroup(i)]]; -1 for other kinds */
} EnigmaCpuParamDesc;

typedef struct EnigmaCpuSignature {
  size_t numParams;
  EnigmaCpuParamDesc *params;
  size_t numArgs;
  /* argParam[i]: index in `params` of launch argument i. */
  uint32_t *argParam;
  /* Non-NULL for a template kernel found by its [[host_name]]: the instantiation the
     launcher calls ("scale<float>"). */
  char *callee;
} EnigmaCpuSignature;

/// Finds kernel `kernelName` in the MSL text and describes its parameters;
/// also rejects the constructs the CPU runtime cannot run (pointers to
/// threadgroup memory, textures...) with a message giving the line.
EnigmaRuntimeStatus enigmaCpuParseSignature(const char *source, size_t length,
                                            const char *kernelName, EnigmaCpuSignature *signature,
                                            EnigmaRuntimeError *error);
void enigmaCpuSignatureFree(EnigmaCpuSignature *signature);
/// The attribute spelling of a builtin ("thread_position_in_grid").
const char *enigmaCpuBuiltinName(EnigmaCpuBuiltin builtin);

/*===-- Function constants (Signature.c, FunctionConstants.c) -------------===*/

/// A `constant T name [[function_constant(index)]];` declaration.
typedef struct EnigmaCpuFunctionConstantDesc {
  char *name;
  char *typeName; /* as written: "float", "uint", "unsigned int" */
  uint32_t index;
  uint32_t size; /* bytes of a value */
  char kind;     /* 'b' bool, 'i' signed, 'u' unsigned, 'f' float */
  bool required; /* false when the source tests is_function_constant_defined(name) */
  int line;
  size_t attrBegin, attrEnd; /* byte range of the [[function_constant(index)]] attribute */
} EnigmaCpuFunctionConstantDesc;

/// The byte range of one is_function_constant_defined(name) call.
typedef struct EnigmaCpuDefinedQuery {
  size_t begin, end;
  uint32_t constant; /* index in `constants` */
} EnigmaCpuDefinedQuery;

typedef struct EnigmaCpuFunctionConstants {
  size_t numConstants;
  EnigmaCpuFunctionConstantDesc *constants;
  size_t numQueries;
  EnigmaCpuDefinedQuery *queries;
} EnigmaCpuFunctionConstants;

/// Finds the function constant declarations and is_function_constant_defined
/// calls of the MSL text; rejects malformed ones and unsupported types.
EnigmaRuntimeStatus enigmaCpuParseFunctionConstants(const char *source, size_t length,
                                                    EnigmaCpuFunctionConstants *fcs,
                                                    EnigmaRuntimeError *error);
void enigmaCpuFunctionConstantsFree(EnigmaCpuFunctionConstants *fcs);
/// The MSL text with each declaration initialized: `values[i]` holds the
/// `constants[i].size` bytes of its value, or is NULL for an undefined
/// constant (initialized to zero; is_function_constant_defined is false).
/// Line structure is preserved. malloc'ed, NUL-terminated; NULL when out of memory.
char *enigmaCpuSpecializeSource(const char *source, size_t length,
                                const EnigmaCpuFunctionConstants *fcs, const void *const *values,
                                size_t *specializedLength);

/// The MSL text with Metal's literal semantics spelled for the host compiler: unsuffixed
/// floating literals get an `f` (MSL has no double), `1.5h` becomes `half(1.5f)`; comments
/// and string literals are untouched, line structure is preserved (SourceRewrite.c).
/// malloc'ed, NUL-terminated; NULL when out of memory.
char *enigmaCpuRewriteMetalLiterals(const char *source, size_t length, size_t *rewrittenLength);
/// The same, for the real address-space mode (enigma/Runtime/MetalAddressSpaces.h) when
/// `realAddressSpaces`: `threadgroup` stays an address space, and kernel-scope threadgroup
/// declarations become a static plus a __local reference to it.
char *enigmaCpuRewriteMetalSource(const char *source, size_t length, bool realAddressSpaces,
                                  size_t *rewrittenLength);

/*===-- Embedded Metal-compatibility header (generated EmbeddedHeaders.c) -===*/

typedef struct EnigmaCpuEmbeddedFile {
  const char *name;
  const char *text;
  size_t size;
} EnigmaCpuEmbeddedFile;
extern const EnigmaCpuEmbeddedFile enigmaCpuEmbeddedHeaders[];
extern const size_t enigmaCpuNumEmbeddedHeaders;

/*===-- Host compiler and cache (HostCompiler.c) --------------------------===*/

typedef struct EnigmaCpuCompiled {
  void *handle; /* dlopen handle */
  EnigmaCpuRunFn run;
  EnigmaCpuRunLanesFn runLanes; /* NULL: no lane-loop form (CpuABI.h) */
  const EnigmaCpuParamLayout *layouts; /* one per parameter */
  EnigmaCpuBoundsTable *bounds;        /* the .so's enigma_cpu_bounds */
  EnigmaCpuBoundsCheck boundsCheck;    /* EXACT or GUARD */
  char *libraryPath;
  bool cached;
  int addressSpaces;         /* 1: real address spaces, 0: erased */
  bool addressSpaceFallback; /* erased after the default mode's real compile failed */
} EnigmaCpuCompiled;

/// Compiles (or loads from the cache) the MSL text with a generated launcher
/// for `kernelName`, whose parameters `signature` describes.
EnigmaRuntimeStatus enigmaCpuCompile(const char *source, size_t length, const char *kernelName,
                                     const EnigmaCpuSignature *signature,
                                     const EnigmaCpuCompileOptions *options,
                                     EnigmaCpuCompiled *compiled, EnigmaRuntimeError *error);
void enigmaCpuCompiledRelease(EnigmaCpuCompiled *compiled);
/// "<ABI>.<16 hex digits of the header's SHA-256>"; static.
const char *enigmaCpuHeaderVersion(void);

/*===-- Guarded buffer memory (GuardedMemory.c) ---------------------------===*/

/// Inaccessible address space on each side of a guarded buffer: any access
/// p[i] with a 32-bit index i and sizeof(*p) <= 16 from a buffer's start
/// lands in its own region.
#define ENIGMA_CPU_GUARD_BYTES ((size_t)64 << 30)

typedef struct EnigmaCpuRegion {
  char *base;       /* start of the reservation (first guard) */
  size_t reserved;  /* guard + data pages + guard */
  size_t dataPages; /* accessible bytes, a multiple of the page size */
  struct EnigmaCpuRegion *next;
} EnigmaCpuRegion;

/// A region whose accessible pages hold at least `bytes` (+ alignment) and
/// the pointer where data of `bytes` bytes must start so that it ends as
/// close as `align` (a power of two >= 16) allows to the trailing guard.
EnigmaRuntimeStatus enigmaCpuRegionAcquire(size_t bytes, size_t align, EnigmaCpuRegion **region,
                                           char **data, EnigmaRuntimeError *error);
/// Makes the accessible pages read-only (or read-write again).
bool enigmaCpuRegionProtect(EnigmaCpuRegion *region, bool readOnly);
/// Returns the region to the pool (it must be read-write).
void enigmaCpuRegionRelease(EnigmaCpuRegion *region);
size_t enigmaCpuPageSize(void);

/*===-- Fibers (Fiber.c) --------------------------------------------------===*/

typedef void (*EnigmaCpuFiberFn)(void *arg);
/// Prepares a stack [lo, hi) so that switching to the returned stack pointer
/// calls fn(arg) (which must never return).
void *enigmaCpuFiberInit(char *lo, char *hi, EnigmaCpuFiberFn fn, void *arg);
/// Saves the current context in *save and resumes the context `to`.
void enigmaCpuFiberSwitch(void **save, void *to);

/*===-- Scheduler (Scheduler.c) -------------------------------------------===*/

/// One buffer argument of a launch (or, in checked launches, a `constant T&`
/// scalar, also in a guarded region), for the bounds checks and error
/// messages.
typedef struct EnigmaCpuBufferInfo {
  const EnigmaCpuParamDesc *param;
  char *data;     /* what the kernel sees */
  size_t size;    /* bytes */
  char *regionLo; /* guarded reservation, or NULL when unchecked */
  char *regionHi;
  bool writeProtected; /* its copy is read-only: exact checks report writes */
} EnigmaCpuBufferInfo;

typedef struct EnigmaCpuJob {
  const char *kernelName;
  EnigmaCpuRunFn run;
  EnigmaCpuRunLanesFn runLanes; /* NULL: fibers (no lane-loop form, ENIGMA_CPU_LANES=0) */
  void *const *args;
  uint32_t grid[3];  /* threads per grid (after coarsening) */
  uint32_t block[3]; /* dispatched threadgroup size */
  uint32_t flags;    /* EnigmaCpuLaunchFlags */
  uint32_t timeoutMs; /* 0: no limit */
  const EnigmaCpuBufferInfo *buffers;
  size_t numBuffers;
  const EnigmaCpuSignature *signature;
  /* The kernel's bounds table, filled in from `buffers` for the launch. */
  EnigmaCpuBoundsTable *bounds;
  /* Kernels with [[threadgroup(n)]] parameters: numWorkerArgs rows of
   * signature->numParams pointers, row w the arguments worker w passes (its own
   * threadgroup memory); NULL: every worker passes `args`. */
  void *const *workerArgs;
  size_t numWorkerArgs;
} EnigmaCpuJob;

/// Runs every threadgroup of the job on the worker pool and waits.
EnigmaRuntimeStatus enigmaCpuRunJob(const EnigmaCpuJob *job, EnigmaRuntimeError *error);
size_t enigmaCpuNumWorkers(void);

/// Copies n bytes with all workers (large copies are memory-bound; one core
/// does not saturate the memory bus).
void enigmaCpuParallelCopy(void *dst, const void *src, size_t n);

#endif /* ENIGMA_LIB_RUNTIME_CPU_CPURUNTIME_H */
