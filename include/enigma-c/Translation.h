/*===-- enigma-c/Translation.h - Enigma IR to Metal Shading Language -*- C -*-===*\
|*                                                                            *|
|* The MSL translation of `enigma-translate --to-msl`, callable in process.   *|
|* Rules of the translation: docs/msl-translation.md.                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_C_TRANSLATION_H
#define ENIGMA_C_TRANSLATION_H

#include "enigma-c/Support.h"
#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Translates every `enigma.kernel` of `module` (a `builtin.module` operation whose context has
/// the Enigma dialects loaded, see enigmaRegisterAllDialects) to Metal Shading Language.
///
/// The module is verified first and never modified; it stays owned by the caller.
/// On success, the complete MSL source is passed to `callback` (in one or more consecutive
/// pieces, together forming the text; the pieces are only valid during the call) and success is
/// returned.
/// On failure, `callback` is not called at all (no partial output) and failure is returned; the
/// reasons were reported as error diagnostics, located at the offending operations, through the
/// diagnostic handlers of the module's context (attach one with
/// mlirContextAttachDiagnosticHandler to receive them).
ENIGMA_CAPI_EXPORTED MlirLogicalResult enigmaTranslateModuleToMSL(MlirOperation module,
                                                                  MlirStringCallback callback,
                                                                  void *userData);

/// As enigmaTranslateModuleToMSL, and additionally passes to `metadataCallback` (after the MSL,
/// only on success) a JSON document describing the kernels, in source order:
///
///   {"kernels": [{"name": "vadd", "entry": "enigma_kernel_vadd", "coarsen": 1,
///                 "params": [{"name": "a", "buffer_index": 0, "is_scalar": false,
///                             "msl_type": "device const float*", "element_type": "f32",
///                             "access": "read", "is_atomic": false, "is_unsigned": false,
///                             "implicit": ""}, ...]}]}
///
/// `params` are in buffer-index order; `access` is derived from the kernel body ("read",
/// "write", "read_write"; "" for scalars); `coarsen` is the kernel's `enigma.coarsen` (1 when
/// absent), which the MSL text does not show; `implicit` is non-empty for a parameter the
/// launcher fills itself ("threads_per_grid.x": the undivided x grid of a coarsened kernel). The keys are those of the "kernels" entry of
/// enigmaCompileTrace's metadata (enigma-c/Compiler.h). `metadataCallback` may be NULL.
ENIGMA_CAPI_EXPORTED MlirLogicalResult
enigmaTranslateModuleToMSLWithMetadata(MlirOperation module, MlirStringCallback callback,
                                       MlirStringCallback metadataCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_TRANSLATION_H */
