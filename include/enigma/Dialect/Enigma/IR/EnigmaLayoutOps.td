//===- EnigmaLayoutOps.td - CuTe layout algebra ops --------*- tablegen -*-===//
//
// Layouts are compile-time values (like CuTe's static layouts): every op folds through the C
// layout core when its operands are constants, `enigma-check-layout-divisions` reports divisions
// whose tiler exceeds the tensor, and `enigma-lower-layouts` folds the rest and lowers
// `enigma.layout_apply` to index arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_LAYOUT_OPS_TD
#define ENIGMA_LAYOUT_OPS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "enigma/Dialect/Enigma/IR/EnigmaLayoutAttrs.td"
include "enigma/Dialect/Enigma/IR/EnigmaTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Enigma_LayoutConstantOp : Enigma_Op<"layout_constant", [ConstantLike, Pure]> {
  let summary = "a static layout value";
  let description = [{
    ```mlir
    %l = enigma.layout_constant #enigma.layout<(4,8):(1,4)>
    ```
  }];
  let arguments = (ins Enigma_LayoutAttr:$layout);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "qualified($layout) attr-dict";
  let hasFolder = 1;
}

class Enigma_LayoutUnaryOp<string mnemonic, string what> : Enigma_Op<mnemonic, [Pure]> {
  let summary = "CuTe " # what;
  let description = [{
    `}] # what # [{` of a layout, folded by the layout core.

    ```mlir
    %r = enigma.}] # mnemonic # [{ %l
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$layout attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutCoalesceOp : Enigma_LayoutUnaryOp<"layout_coalesce", "coalesce">;
def Enigma_LayoutFilterOp : Enigma_LayoutUnaryOp<"layout_filter", "filter">;
def Enigma_LayoutRightInverseOp : Enigma_LayoutUnaryOp<"layout_right_inverse", "right_inverse">;
def Enigma_LayoutLeftInverseOp : Enigma_LayoutUnaryOp<"layout_left_inverse", "left_inverse">;

def Enigma_LayoutComplementOp : Enigma_Op<"layout_complement", [Pure]> {
  let summary = "CuTe complement(layout, cotarget)";
  let description = [{
    Without `cotarget`, the cotarget is `cosize(filter(layout))`, as in CuTe.

    ```mlir
    %c = enigma.layout_complement %l cotarget 24
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout, OptionalAttr<I64Attr>:$cotarget);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$layout (`cotarget` $cotarget^)? attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutCompositionOp : Enigma_Op<"layout_composition", [Pure]> {
  let summary = "CuTe composition(a, b) = a o b";
  let description = [{
    ```mlir
    %c = enigma.layout_composition %a, %b
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$lhs, Enigma_LayoutType:$rhs);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict";
  let hasFolder = 1;
}

// Divides and products whose second operand is a tiler.
class Enigma_LayoutTilerOp<string mnemonic, string what> : Enigma_Op<mnemonic, [Pure]> {
  let summary = "CuTe " # what # "(layout, tiler)";
  let description = [{
    ```mlir
    %r = enigma.}] # mnemonic # [{ %l by #enigma.tiler<(4,8)>
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout, Enigma_TilerAttr:$tiler);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$layout `by` qualified($tiler) attr-dict";
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// True for the four divides (checked by enigma-check-layout-divisions).
    static constexpr bool isDivision() { return }] # !if(!ne(!find(mnemonic, "divide"), -1), "true", "false") # [{; }
  }];
}

def Enigma_LayoutLogicalDivideOp : Enigma_LayoutTilerOp<"layout_logical_divide", "logical_divide">;
def Enigma_LayoutZippedDivideOp : Enigma_LayoutTilerOp<"layout_zipped_divide", "zipped_divide">;
def Enigma_LayoutTiledDivideOp : Enigma_LayoutTilerOp<"layout_tiled_divide", "tiled_divide">;
def Enigma_LayoutFlatDivideOp : Enigma_LayoutTilerOp<"layout_flat_divide", "flat_divide">;
def Enigma_LayoutLogicalProductOp : Enigma_LayoutTilerOp<"layout_logical_product", "logical_product">;
def Enigma_LayoutZippedProductOp : Enigma_LayoutTilerOp<"layout_zipped_product", "zipped_product">;
def Enigma_LayoutTiledProductOp : Enigma_LayoutTilerOp<"layout_tiled_product", "tiled_product">;

class Enigma_LayoutRankProductOp<string mnemonic, string what> : Enigma_Op<mnemonic, [Pure]> {
  let summary = "CuTe " # what # "(block, tiler)";
  let description = [{
    ```mlir
    %r = enigma.}] # mnemonic # [{ %block, %tiler
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$block, Enigma_LayoutType:$tiler);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$block `,` $tiler attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutBlockedProductOp : Enigma_LayoutRankProductOp<"layout_blocked_product", "blocked_product">;
def Enigma_LayoutRakedProductOp : Enigma_LayoutRankProductOp<"layout_raked_product", "raked_product">;

def Enigma_LayoutMakeTVOp : Enigma_Op<"layout_make_tv", [Pure]> {
  let summary = "CuTe make_layout_tv(thread_layout, value_layout)";
  let description = [{
    Returns the tile (the compact layout of CuTe's tiler_mn shape) and the TV layout mapping
    (thread id, value id) to the column-major index in the tile.

    ```mlir
    %tile, %tv = enigma.layout_make_tv %thr, %val
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$thread_layout, Enigma_LayoutType:$value_layout);
  let results = (outs Enigma_LayoutType:$tile, Enigma_LayoutType:$tv);
  let assemblyFormat = "$thread_layout `,` $value_layout attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutModeOp : Enigma_Op<"layout_mode", [Pure]> {
  let summary = "CuTe mode selection layout<i, j, ...>(l)";
  let description = [{
    The sub-layout at a path of mode indices: `[1, 0]` is mode 0 of mode 1 (CuTe
    `layout<1, 0>(l)`); mode 0 of an integral layout is the layout itself.

    ```mlir
    %m = enigma.layout_mode %l [1, 0]
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout, DenseI64ArrayAttr:$path);
  let results = (outs Enigma_LayoutType:$result);
  let assemblyFormat = "$layout $path attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Enigma_LayoutSizeOp : Enigma_Op<"layout_size", [Pure]> {
  let summary = "CuTe size(layout) as an index";
  let description = [{
    ```mlir
    %n = enigma.layout_size %l
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout);
  let results = (outs Index:$result);
  let assemblyFormat = "$layout attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutCosizeOp : Enigma_Op<"layout_cosize", [Pure]> {
  let summary = "CuTe cosize(layout) as an index";
  let description = [{
    ```mlir
    %n = enigma.layout_cosize %l
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout);
  let results = (outs Index:$result);
  let assemblyFormat = "$layout attr-dict";
  let hasFolder = 1;
}

def Enigma_LayoutApplyOp : Enigma_Op<"layout_apply", [Pure]> {
  let summary = "coordinate to offset: layout(coordinate)";
  let description = [{
    Evaluates the layout at a coordinate given as index values. The coordinate is either
    - one index, split colexicographically over the whole shape (CuTe `layout(i)`);
    - one index per top-level mode (rank(layout) values), each split over its mode; or
    - one index per leaf of the shape (a flat coordinate).
    Coordinates are non-negative. With constant coordinates it folds through the C core;
    otherwise `enigma-lower-layouts` lowers it to `arith` index arithmetic,
    using division and remainder only where a coordinate spans several shape leaves.

    ```mlir
    %off = enigma.layout_apply %l [%i, %j]
    ```
  }];
  let arguments = (ins Enigma_LayoutType:$layout, Variadic<Index>:$coords);
  let results = (outs Index:$result);
  let assemblyFormat = "$layout `[` $coords `]` attr-dict";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // ENIGMA_LAYOUT_OPS_TD
