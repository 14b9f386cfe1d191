//===- EnigmaLayoutAttrs.td - CuTe layouts and tilers ------*- tablegen -*-===//

#ifndef ENIGMA_LAYOUT_ATTRS_TD
#define ENIGMA_LAYOUT_ATTRS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"

def Enigma_LayoutAttr : Enigma_Attr<"Layout", "layout"> {
  let summary = "a CuTe layout, shape:stride, printed in CuTe notation";
  let description = [{
    A static CuTe layout: a hierarchical shape and a congruent stride, e.g.
    `#enigma.layout<((2,4),8):((1,2),8)>`. A bare shape means its compact column-major layout
    (`#enigma.layout<(4,8)>` is `(4,8):(1,4)`). The attribute is verified and canonicalized by
    Enigma's C layout core (the same code the Python package calls), so `(4,8)` and `(4,8):(1,4)`
    are the same attribute and always print with explicit strides.
  }];
  let parameters = (ins StringRefParameter<"canonical CuTe notation">:$text);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let skipDefaultBuilders = 1;
  let builders = [AttrBuilder<(ins "::llvm::StringRef":$text)>];
  let extraClassDeclaration = [{
    /// Parses `text` with the layout core; returns null (after reporting through `emitError`
    /// when given) if it is not a valid layout.
    static LayoutAttr parseLayout(::mlir::MLIRContext *context, ::llvm::StringRef text,
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError = nullptr);
    /// CuTe cosize (1 + the largest offset), computed by the layout core.
    std::optional<int64_t> getCosize() const;
  }];
}

def Enigma_TilerAttr : Enigma_Attr<"Tiler", "tiler"> {
  let summary = "a CuTe tiler: a layout, an integer, `_`, or a tuple of tilers";
  let description = [{
    The second operand of CuTe's divides and products. `#enigma.tiler<(4,8)>` divides mode 0 by
    4 and mode 1 by 8; `#enigma.tiler<(2,4):(1,8)>` is a layout tiler applied to the whole
    layout; `#enigma.tiler<(_,4:2)>` keeps mode 0 and divides mode 1 by `4:2`.
  }];
  let parameters = (ins StringRefParameter<"canonical CuTe notation">:$text);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // ENIGMA_LAYOUT_ATTRS_TD
