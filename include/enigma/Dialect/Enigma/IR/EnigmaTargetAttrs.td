//===- EnigmaTargetAttrs.td - The Metal GPU target --------*- tablegen -*-===//

#ifndef ENIGMA_TARGET_ATTRS_TD
#define ENIGMA_TARGET_ATTRS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"

def Enigma_TargetAttr : Enigma_Attr<"Target", "target"> {
  let summary = "the Metal GPU target of a gpu.module (upstream's GPU compilation flow)";
  let description = [{
    A GPU target attribute, in the sense of upstream `#nvvm.target` and `#rocdl.target`: placed in
    a `gpu.module`'s `targets` list (by `enigma-attach-target`), it makes upstream
    `gpu-module-to-binary` serialize the module's `enigma.kernel`s into a
    `#gpu.object<#enigma.target, ...>` of the `gpu.binary` that replaces the module. The dialect
    promises `gpu::TargetAttrInterface`; the implementation lives in the `MLIREnigmaGPUTarget`
    library (`registerEnigmaTargetInterfaceExternalModels`), which the tools and the C API
    register.

    - `format = "msl"` (default): the object is the Metal Shading Language source (object format
      `assembly`), what `enigma-translate --to-msl` prints for the module.
    - `format = "metallib"`: the object is a Metal library (object format `bin`), built with
      `xcrun metal` and `xcrun metallib`; macOS only, an error elsewhere. `flags` are extra
      arguments of `xcrun metal` (split at spaces), for example `"-O2 -std=metal3.1"`.

    `gpu-module-to-binary{format=isa}` always yields MSL. The object's `properties` hold
    `enigma.kernels`: per kernel, its MSL entry point, coarsening factor and parameters in
    buffer order, the same facts the C API's compile metadata carries.

    Example: `#enigma.target`, `#enigma.target<format = "metallib", flags = "-O2">`.
  }];
  let parameters = (ins
    StringRefParameter<"object format: \"msl\" or \"metallib\"", [{"msl"}]>:$format,
    StringRefParameter<"extra `xcrun metal` arguments (metallib only)", [{""}]>:$flags
  );
  let assemblyFormat = "(`<` struct($format, $flags)^ `>`)?";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether the object is a Metal library rather than MSL source.
    bool isMetallib() const { return getFormat() == "metallib"; }
    /// getChecked for code outside the dialect library (the attribute storage is private to
    /// it): null after reporting through `emitError` when the parameters are invalid.
    static TargetAttr create(::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
                             ::mlir::MLIRContext *context, ::llvm::StringRef format,
                             ::llvm::StringRef flags);
  }];
}

#endif // ENIGMA_TARGET_ATTRS_TD
