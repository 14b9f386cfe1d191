/*===-- enigma-c/Compiler.h - Compile a kernel trace --------------*- C -*-===*\
|*                                                                            *|
|* One call compiles a kernel trace (docs/trace-format.md): trace import,     *|
|* the registered `enigma-pipeline`, and the MSL translation (or MLIR text:   *|
|* enigmaCompileMLIR). It returns an                                         *|
|* opaque result with the MLIR, the MSL, kernel metadata and diagnostics that *|
|* carry the user's Python file:line:col.                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_C_COMPILER_H
#define ENIGMA_C_COMPILER_H

#include "enigma-c/Support.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Options of enigmaCompileTrace. Initialize with enigmaCompileOptionsInit so fields added
/// later get their defaults.
typedef struct EnigmaCompileOptions {
  /// `vec-width` of enigma-pipeline: 0 (no vectorization), 2 or 4 (enigma-vectorize rejects
  /// any other width with a diagnostic).
  unsigned vecWidth;
  /// NULL or "": no dumps. Otherwise a directory (created if needed) that receives the trace
  /// (00-trace.json), the IR after import (01-imported.mlir), the IR after every pass
  /// (NN-after-<pass>.mlir) and the MSL (NN-<entry>.metal). The string is only read during the
  /// call.
  const char *dumpDir;
  /// enigmaCompileMLIR only: the name diagnostics give the MLIR text (e.g. its file path);
  /// NULL or "": "<mlir>". Only read during the call.
  const char *sourceName;
} EnigmaCompileOptions;

/// The outcome of one compile. Opaque; owned by the caller, released with
/// enigmaCompileResultDestroy.
typedef struct EnigmaCompileResultImpl *EnigmaCompileResult;

/// Sets every option to its default.
ENIGMA_CAPI_EXPORTED void enigmaCompileOptionsInit(EnigmaCompileOptions *options);

/// Compiles the `length` bytes of JSON at `trace` (no NUL terminator needed) with `options`
/// (NULL: defaults). Never returns NULL except when out of memory; failures are reported
/// through the result (enigmaCompileResultSucceeded, enigmaCompileResultGetDiagnostics).
/// Thread-safe: any number of compiles may run concurrently.
ENIGMA_CAPI_EXPORTED EnigmaCompileResult enigmaCompileTrace(const char *trace, size_t length,
                                                            const EnigmaCompileOptions *options);

/// Compiles the `length` bytes of MLIR text at `text` (no NUL terminator needed): a module of
/// `enigma.kernel`s (run through enigma-pipeline), or upstream IR, that is linalg on tensors or
/// memrefs, scf.parallel, gpu.launch or gpu.module/gpu.func kernels in host functions (run
/// through gpu-lower-to-enigma-pipeline, with the same vec-width). Every kernel is translated to
/// MSL; host code is not. The result is read as for enigmaCompileTrace; its metadata's
/// "pipeline" is the pipeline that ran and its "kernels" every translated kernel. Diagnostics
/// carry the MLIR text's own locations (`sourceName`:line:col). Thread-safe.
ENIGMA_CAPI_EXPORTED EnigmaCompileResult enigmaCompileMLIR(const char *text, size_t length,
                                                           const EnigmaCompileOptions *options);
/// Whether the compile produced MSL. NULL yields false.
ENIGMA_CAPI_EXPORTED bool enigmaCompileResultSucceeded(EnigmaCompileResult result);

/// The getters below return NUL-terminated strings owned by `result`, valid until it is
/// destroyed; they return "" for NULL or when the stage did not run.

/// The IR after the pipeline (also set when a pass failed, for debugging).
ENIGMA_CAPI_EXPORTED const char *enigmaCompileResultGetMLIR(EnigmaCompileResult result);
/// The Metal Shading Language source.
ENIGMA_CAPI_EXPORTED const char *enigmaCompileResultGetMSL(EnigmaCompileResult result);
/// JSON: {"pipeline": str, "kernels": [{"name", "module", "entry", "coarsen", "block_size",
/// "params": [{"name",
/// "buffer_index", "is_scalar", "msl_type", "element_type", "access", "is_atomic",
/// "is_unsigned", "implicit"}], "function_constants": [{"index", "name", "msl_type",
/// "element_type", "is_unsigned"}]}]}. "implicit" names what a launcher passes itself for a
/// parameter the pipeline added ("threads_per_grid.x": the undivided x grid of a coarsened
/// kernel), "" for the user's parameters. "block_size" is the threadgroup size [x, y, z] every
/// launch must use (the kernel's known_block_size), or null. "module" is the gpu.module holding the kernel
/// (enigmaCompileMLIR of upstream IR; "" otherwise): kernels of different modules may share a
/// "name", never an "entry". "function_constants" lists the Metal function
/// constants the kernel reads (declared at file scope of the MSL as `constant <msl_type>
/// <name> [[function_constant(<index>)]];`), by index; their values are given when the
/// pipeline is created (Metal) or at launch (CPU runtime).
ENIGMA_CAPI_EXPORTED const char *enigmaCompileResultGetMetadata(EnigmaCompileResult result);
/// JSON array of {"severity", "file", "line", "col", "message"}, in emission order; "file" is
/// the user's Python file for diagnostics located in the kernel ("" when unknown).
ENIGMA_CAPI_EXPORTED const char *enigmaCompileResultGetDiagnostics(EnigmaCompileResult result);
/// The same diagnostics as text, one `file:line:col: severity: message` per line.
ENIGMA_CAPI_EXPORTED const char *enigmaCompileResultGetDiagnosticsText(EnigmaCompileResult result);

/// Releases `result` and every string obtained from it. NULL is ignored.
ENIGMA_CAPI_EXPORTED void enigmaCompileResultDestroy(EnigmaCompileResult result);

/// The textual pass pipeline enigmaCompileTrace runs for `vecWidth`, written into `buffer`
/// (at most `capacity` bytes including the NUL). Returns the full length (excluding the NUL),
/// so a caller can retry with a larger buffer.
ENIGMA_CAPI_EXPORTED size_t enigmaCompilerGetPipeline(unsigned vecWidth, char *buffer,
                                                      size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_COMPILER_H */
