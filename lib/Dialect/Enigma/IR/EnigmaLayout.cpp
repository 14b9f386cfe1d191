//===- EnigmaLayout.cpp - Layout attributes, types and algebra ops --------===//
//
// Every computation on layouts goes through the C layout core; this file only parses CuTe
// notation out of MLIR's token stream, and folds ops whose operands are constant.
//
//===----------------------------------------------------------------------===//

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "enigma/Dialect/Enigma/IR/LayoutCore.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::enigma;

// All attribute storage classes live here: LayoutAttr::get needs its storage type.
#define GET_ATTRDEF_CLASSES
#include "enigma/Dialect/Enigma/IR/EnigmaAttrs.cpp.inc"

void EnigmaDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "enigma/Dialect/Enigma/IR/EnigmaAttrs.cpp.inc"
      >();
  // #enigma.target's gpu::TargetAttrInterface is implemented by the MLIREnigmaGPUTarget library
  // (registerEnigmaTargetInterfaceExternalModels), so the dialect does not depend on the MSL
  // translation.
  declarePromisedInterface<gpu::TargetAttrInterface, TargetAttr>();
}

//===----------------------------------------------------------------------===//
// TargetAttr
//===----------------------------------------------------------------------===//

TargetAttr TargetAttr::create(function_ref<InFlightDiagnostic()> emitError, MLIRContext *context,
                              StringRef format, StringRef flags) {
  return getChecked(emitError, context, format, flags);
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef format, StringRef flags) {
  if (format != "msl" && format != "metallib")
    return emitError() << "#enigma.target format must be \"msl\" or \"metallib\", got \""
                       << format << "\"";
  if (format == "msl" && !flags.empty())
    return emitError() << "#enigma.target flags are `xcrun metal` arguments: they need "
                          "format = \"metallib\"";
  return success();
}

//===----------------------------------------------------------------------===//
// CuTe notation from MLIR tokens
//===----------------------------------------------------------------------===//

/// int-tuple ::= integer | `(` int-tuple (`,` int-tuple)* `)`
static ParseResult parseIntTupleText(AsmParser &parser, std::string &out) {
  if (succeeded(parser.parseOptionalLParen())) {
    out += '(';
    do {
      if (parseIntTupleText(parser, out))
        return failure();
      out += ',';
    } while (succeeded(parser.parseOptionalComma()));
    out.back() = ')';
    return parser.parseRParen();
  }
  int64_t value;
  if (parser.parseInteger(value))
    return failure();
  out += std::to_string(value);
  return success();
}

/// layout ::= int-tuple (`:` int-tuple)?
static ParseResult parseLayoutText(AsmParser &parser, std::string &out) {
  if (parseIntTupleText(parser, out))
    return failure();
  if (succeeded(parser.parseOptionalColon())) {
    out += ':';
    return parseIntTupleText(parser, out);
  }
  return success();
}

/// any-layout ::= (`Sw` `<` int `,` int `,` int `>` `o` (int `o`)?)? layout
/// A swizzled layout, CuTe's printed ComposedLayout: "Sw<3,4,3> o 0 o (8,64):(64,1)".
static ParseResult parseAnyLayoutText(AsmParser &parser, std::string &out) {
  if (failed(parser.parseOptionalKeyword("Sw")))
    return parseLayoutText(parser, out);
  int64_t b, m, s;
  if (parser.parseLess() || parser.parseInteger(b) || parser.parseComma() ||
      parser.parseInteger(m) || parser.parseComma() || parser.parseInteger(s) ||
      parser.parseGreater() || parser.parseKeyword("o"))
    return failure();
  out += "Sw<" + std::to_string(b) + "," + std::to_string(m) + "," + std::to_string(s) + "> o ";
  if (succeeded(parser.parseOptionalLParen())) {
    // A parenthesized shape: no offset.
    out += '(';
    do {
      if (parseIntTupleText(parser, out))
        return failure();
      out += ',';
    } while (succeeded(parser.parseOptionalComma()));
    out.back() = ')';
    if (parser.parseRParen())
      return failure();
  } else {
    // An integer: the offset if "o" follows, else the (integral) shape of the layout.
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    if (succeeded(parser.parseOptionalKeyword("o"))) {
      out += std::to_string(value) + " o ";
      return parseLayoutText(parser, out);
    }
    out += std::to_string(value);
  }
  if (succeeded(parser.parseOptionalColon())) {
    out += ':';
    return parseIntTupleText(parser, out);
  }
  return success();
}

/// tiler ::= `_` | layout | `(` tiler (`,` tiler)* `)` (`:` int-tuple)?
static ParseResult parseTilerText(AsmParser &parser, std::string &out) {
  if (succeeded(parser.parseOptionalKeyword("_"))) {
    out += '_';
    return success();
  }
  if (succeeded(parser.parseOptionalLParen())) {
    out += '(';
    do {
      if (parseTilerText(parser, out))
        return failure();
      out += ',';
    } while (succeeded(parser.parseOptionalComma()));
    out.back() = ')';
    if (parser.parseRParen())
      return failure();
  } else {
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    out += std::to_string(value);
  }
  if (succeeded(parser.parseOptionalColon())) {
    out += ':';
    return parseIntTupleText(parser, out);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LayoutAttr
//===----------------------------------------------------------------------===//

/// Whether every size and index of `l` fits in 64 bits: then applying it to a coordinate
/// within its size never overflows, and lowering may use plain 64-bit arithmetic.
static bool fitsIn64Bits(const layout::Layout &l) {
  int64_t size = 0, cosize = 0;
  EnigmaLayoutError error{};
  return enigmaLayoutSize(l.get(), &size, &error) == ENIGMA_LAYOUT_OK &&
         enigmaLayoutCosize(l.get(), &cosize, &error) == ENIGMA_LAYOUT_OK;
}
/// The same for a swizzled layout: its inner layout, and every offset it produces.
static bool fitsIn64Bits(const layout::AnyLayout &l) {
  int64_t cosize = 0;
  return fitsIn64Bits(l.layout) && (!l.swizzled() || layout::cosize(l, cosize).ok());
}
static constexpr const char *kTooLarge =
    "is too large: its size or largest index does not fit in 64 bits";

LayoutAttr LayoutAttr::parseLayout(MLIRContext *context, StringRef text,
                                   function_ref<InFlightDiagnostic()> emitError) {
  layout::AnyLayout parsed;
  layout::Status status = layout::parseAnyLayout(text, parsed);
  if (!status.ok()) {
    if (emitError)
      emitError() << "invalid layout '" << text << "': " << status.message;
    return {};
  }
  if (!fitsIn64Bits(parsed)) {
    if (emitError)
      emitError() << "layout '" << text << "' " << kTooLarge;
    return {};
  }
  return Base::get(context, layout::print(parsed));
}

LayoutAttr LayoutAttr::get(MLIRContext *context, StringRef text) {
  return Base::get(context, text);
}

std::optional<int64_t> LayoutAttr::getCosize() const {
  layout::AnyLayout parsed;
  int64_t cosize = 0;
  if (!layout::parseAnyLayout(getText(), parsed).ok() || !layout::cosize(parsed, cosize).ok())
    return std::nullopt;
  return cosize;
}

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError, StringRef text) {
  layout::AnyLayout parsed;
  layout::Status status = layout::parseAnyLayout(text, parsed);
  if (!status.ok())
    return emitError() << "invalid layout '" << text << "': " << status.message;
  if (layout::print(parsed) != text)
    return emitError() << "layout '" << text << "' is not in canonical form '"
                       << layout::print(parsed) << "'";
  if (!fitsIn64Bits(parsed))
    return emitError() << "layout '" << text << "' " << kTooLarge;
  return success();
}

Attribute LayoutAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::string text;
  if (parser.parseLess() || parseAnyLayoutText(parser, text) || parser.parseGreater())
    return {};
  return parseLayout(parser.getContext(), text,
                     [&] { return parser.emitError(loc); });
}

void LayoutAttr::print(AsmPrinter &printer) const { printer << "<" << getText() << ">"; }

//===----------------------------------------------------------------------===//
// TilerAttr
//===----------------------------------------------------------------------===//

LogicalResult TilerAttr::verify(function_ref<InFlightDiagnostic()> emitError, StringRef text) {
  layout::Tiler parsed;
  layout::Status status = layout::parseTiler(text, parsed);
  if (!status.ok())
    return emitError() << "invalid tiler '" << text << "': " << status.message;
  if (layout::print(parsed) != text)
    return emitError() << "tiler '" << text << "' is not in canonical form '"
                       << layout::print(parsed) << "'";
  return success();
}

Attribute TilerAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::string text;
  if (parser.parseLess() || parseTilerText(parser, text) || parser.parseGreater())
    return {};
  layout::Tiler parsed;
  layout::Status status = layout::parseTiler(text, parsed);
  if (!status.ok()) {
    parser.emitError(loc) << "invalid tiler '" << text << "': " << status.message;
    return {};
  }
  return TilerAttr::get(parser.getContext(), layout::print(parsed));
}

void TilerAttr::print(AsmPrinter &printer) const { printer << "<" << getText() << ">"; }

//===----------------------------------------------------------------------===//
// Evaluation through the layout core (shared by the folders and the passes)
//===----------------------------------------------------------------------===//

namespace {
using UnaryFn = EnigmaLayoutStatus (*)(EnigmaLayout, EnigmaLayout *, EnigmaLayoutError *);
using TilerFn = EnigmaLayoutStatus (*)(EnigmaLayout, EnigmaTiler, EnigmaLayout *,
                                       EnigmaLayoutError *);
using BinaryFn = EnigmaLayoutStatus (*)(EnigmaLayout, EnigmaLayout, EnigmaLayout *,
                                        EnigmaLayoutError *);

/// Collects the results of one core call.
struct Evaluation {
  MLIRContext *ctx;
  SmallVectorImpl<Attribute> &results;
  EnigmaLayoutError error{};

  layout::Status finish(EnigmaLayoutStatus code, EnigmaLayout raw) {
    layout::Layout owned(raw);
    layout::Status status = layout::Status::from(code, error);
    if (status.ok())
      status = push(owned);
    return status;
  }
  /// Adds `l` to the results, unless it is too large to be a layout attribute.
  layout::Status push(const layout::Layout &l) {
    layout::Status status;
    if (!fitsIn64Bits(l)) {
      status.code = ENIGMA_LAYOUT_ERROR_OVERFLOW;
      status.message = "the result '" + layout::print(l) + "' " + kTooLarge;
      return status;
    }
    results.push_back(LayoutAttr::get(ctx, layout::print(l)));
    return status;
  }
  layout::Status unary(const layout::Layout &in, UnaryFn fn) {
    EnigmaLayout out = nullptr;
    return finish(fn(in.get(), &out, &error), out);
  }
  layout::Status binary(const layout::Layout &a, const layout::Layout &b, BinaryFn fn) {
    EnigmaLayout out = nullptr;
    return finish(fn(a.get(), b.get(), &out, &error), out);
  }
  layout::Status tiler(const layout::Layout &in, TilerAttr tilerAttr, TilerFn fn) {
    layout::Tiler tiler;
    layout::Status status = layout::parseTiler(tilerAttr.getText(), tiler);
    if (!status.ok())
      return status;
    EnigmaLayout out = nullptr;
    return finish(fn(in.get(), tiler.get(), &out, &error), out);
  }
  layout::Status index(EnigmaLayoutStatus code, int64_t value) {
    layout::Status status = layout::Status::from(code, error);
    if (status.ok())
      results.push_back(IntegerAttr::get(IndexType::get(ctx), value));
    return status;
  }
};

layout::Status notConstant() {
  layout::Status status;
  status.code = ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT;
  status.message = "a layout operand is not a static layout";
  return status;
}
} // namespace

static layout::Status evaluateOnLayouts(Operation *op, ArrayRef<layout::Layout> in,
                                        Evaluation &eval);

layout::Status mlir::enigma::evaluateLayoutOp(Operation *op, ArrayRef<Attribute> operands,
                                              SmallVectorImpl<Attribute> &results) {
  // Every layout operand must be a constant the core accepts. A swizzled first operand is
  // evaluated as CuTe does: the operation acts on its inner layout and the result keeps the
  // swizzle and offset (mode selection, coalesce, composition, divides, products).
  SmallVector<layout::Layout, 2> in;
  std::optional<layout::AnyLayout> swizzled;
  for (auto [value, attr] : llvm::zip_equal(op->getOperands(), operands)) {
    if (!llvm::isa<LayoutType>(value.getType()))
      continue;
    auto layoutAttr = llvm::dyn_cast_or_null<LayoutAttr>(attr);
    if (!layoutAttr)
      return notConstant();
    layout::AnyLayout parsed;
    layout::Status status = layout::parseAnyLayout(layoutAttr.getText(), parsed);
    if (!status.ok())
      return status;
    if (parsed.swizzled()) {
      if (!in.empty() || isa<LayoutRightInverseOp, LayoutLeftInverseOp, LayoutMakeTVOp>(op)) {
        status.code = ENIGMA_LAYOUT_ERROR_UNSUPPORTED;
        status.message = "'" + op->getName().getStringRef().str() + "' of the swizzled layout '" +
                         layoutAttr.getText().str() + "' is not supported";
        return status;
      }
      swizzled = layout::AnyLayout{nullptr, parsed.swizzle, parsed.offset};
      EnigmaLayout copy = enigmaLayoutClone(parsed.layout.get());
      swizzled->layout.reset(copy);
    }
    in.push_back(std::move(parsed.layout));
  }
  Evaluation eval{op->getContext(), results};
  if (swizzled && !isa<LayoutConstantOp>(op)) {
    if (isa<LayoutCosizeOp>(op)) {
      int64_t n = 0;
      layout::Status status = layout::cosize(*swizzled, n);
      if (status.ok())
        results.push_back(IntegerAttr::get(IndexType::get(op->getContext()), n));
      return status;
    }
    if (auto c = dyn_cast<LayoutComplementOp>(op); c && !c.getCotarget()) {
      // complement(Sw o O o L) = complement(L, cosize(Sw o O o L)).
      int64_t n = 0;
      layout::Status status = layout::cosize(*swizzled, n);
      if (!status.ok())
        return status;
      EnigmaIntTuple raw = nullptr;
      EnigmaLayoutStatus code = enigmaIntTupleCreateInt(n, &raw, &eval.error);
      layout::IntTuple cotarget(raw);
      if (code != ENIGMA_LAYOUT_OK)
        return layout::Status::from(code, eval.error);
      EnigmaLayout out = nullptr;
      return eval.finish(enigmaLayoutComplement(in[0].get(), cotarget.get(), &out, &eval.error),
                         out);
    }
    layout::Status status = evaluateOnLayouts(op, in, eval);
    if (!status.ok() || isa<LayoutSizeOp, LayoutComplementOp>(op))
      return status;
    // Re-apply the swizzle and offset to each layout result.
    for (Attribute &result : results) {
      auto attr = llvm::dyn_cast<LayoutAttr>(result);
      if (!attr)
        continue;
      layout::AnyLayout wrapped{nullptr, swizzled->swizzle, swizzled->offset};
      status = layout::parseLayout(attr.getText(), wrapped.layout);
      if (!status.ok())
        return status;
      if (!fitsIn64Bits(wrapped)) {
        status.code = ENIGMA_LAYOUT_ERROR_OVERFLOW;
        status.message = "the result '" + layout::print(wrapped) + "' " + kTooLarge;
        return status;
      }
      result = LayoutAttr::get(op->getContext(), layout::print(wrapped));
    }
    return status;
  }
  return evaluateOnLayouts(op, in, eval);
}

/// The operation on plain layouts `in` (one per layout operand).
static layout::Status evaluateOnLayouts(Operation *op, ArrayRef<layout::Layout> in,
                                        Evaluation &eval) {
  SmallVectorImpl<Attribute> &results = eval.results;
  return llvm::TypeSwitch<Operation *, layout::Status>(op)
      .Case([&](LayoutConstantOp c) {
        results.push_back(c.getLayoutAttr());
        return layout::Status();
      })
      .Case([&](LayoutCoalesceOp) { return eval.unary(in[0], enigmaLayoutCoalesce); })
      .Case([&](LayoutFilterOp) { return eval.unary(in[0], enigmaLayoutFilter); })
      .Case([&](LayoutRightInverseOp) { return eval.unary(in[0], enigmaLayoutRightInverse); })
      .Case([&](LayoutLeftInverseOp) { return eval.unary(in[0], enigmaLayoutLeftInverse); })
      .Case([&](LayoutComplementOp c) {
        layout::IntTuple cotarget;
        if (std::optional<int64_t> n = c.getCotarget()) {
          EnigmaIntTuple raw = nullptr;
          EnigmaLayoutStatus code = enigmaIntTupleCreateInt(*n, &raw, &eval.error);
          cotarget.reset(raw);
          if (code != ENIGMA_LAYOUT_OK)
            return layout::Status::from(code, eval.error);
        }
        EnigmaLayout out = nullptr;
        return eval.finish(
            enigmaLayoutComplement(in[0].get(), cotarget.get(), &out, &eval.error), out);
      })
      .Case([&](LayoutCompositionOp) { return eval.binary(in[0], in[1], enigmaLayoutCompose); })
      .Case([&](LayoutLogicalDivideOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutLogicalDivide);
      })
      .Case([&](LayoutZippedDivideOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutZippedDivide);
      })
      .Case([&](LayoutTiledDivideOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutTiledDivide);
      })
      .Case([&](LayoutFlatDivideOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutFlatDivide);
      })
      .Case([&](LayoutLogicalProductOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutLogicalProduct);
      })
      .Case([&](LayoutZippedProductOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutZippedProduct);
      })
      .Case([&](LayoutTiledProductOp o) {
        return eval.tiler(in[0], o.getTiler(), enigmaLayoutTiledProduct);
      })
      .Case([&](LayoutBlockedProductOp) {
        return eval.binary(in[0], in[1], enigmaLayoutBlockedProduct);
      })
      .Case([&](LayoutRakedProductOp) {
        return eval.binary(in[0], in[1], enigmaLayoutRakedProduct);
      })
      .Case([&](LayoutMakeTVOp) {
        EnigmaIntTuple tileRaw = nullptr;
        EnigmaLayout tvRaw = nullptr;
        EnigmaLayoutStatus code =
            enigmaLayoutMakeTV(in[0].get(), in[1].get(), &tileRaw, &tvRaw, &eval.error);
        layout::IntTuple tileShape(tileRaw);
        layout::Layout tv(tvRaw);
        if (code != ENIGMA_LAYOUT_OK)
          return layout::Status::from(code, eval.error);
        EnigmaLayout tile = nullptr;
        layout::Status status = eval.finish(
            enigmaLayoutCreateCompact(tileShape.get(), &tile, &eval.error), tile);
        if (status.ok())
          status = eval.push(tv);
        return status;
      })
      .Case([&](LayoutModeOp m) {
        SmallVector<int32_t> path;
        for (int64_t i : m.getPath()) {
          if (i < 0 || i > INT32_MAX) {
            layout::Status status;
            status.code = ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT;
            status.message = "mode index " + std::to_string(i) + " is out of range";
            return status;
          }
          path.push_back(static_cast<int32_t>(i));
        }
        EnigmaLayout out = nullptr;
        return eval.finish(
            enigmaLayoutGetMode(in[0].get(), path.data(), path.size(), &out, &eval.error), out);
      })
      .Case([&](LayoutSizeOp) {
        int64_t n = 0;
        return eval.index(enigmaLayoutSize(in[0].get(), &n, &eval.error), n);
      })
      .Case([&](LayoutCosizeOp) {
        int64_t n = 0;
        return eval.index(enigmaLayoutCosize(in[0].get(), &n, &eval.error), n);
      })
      .Default([](Operation *other) {
        layout::Status status;
        status.code = ENIGMA_LAYOUT_ERROR_UNSUPPORTED;
        status.message = "'" + other->getName().getStringRef().str() +
                         "' is not a foldable layout operation";
        return status;
      });
}

//===----------------------------------------------------------------------===//
// Folding: a failed evaluation does not fold; the passes report why.
//===----------------------------------------------------------------------===//

static OpFoldResult foldSingle(Operation *op, ArrayRef<Attribute> operands) {
  SmallVector<Attribute, 2> results;
  if (!evaluateLayoutOp(op, operands, results).ok() || results.size() != 1)
    return {};
  return results.front();
}

#define ENIGMA_SINGLE_RESULT_FOLDER(OpTy)                                                     \
  OpFoldResult OpTy::fold(FoldAdaptor adaptor) {                                              \
    return foldSingle(getOperation(), adaptor.getOperands());                                \
  }
ENIGMA_SINGLE_RESULT_FOLDER(LayoutCoalesceOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutFilterOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutRightInverseOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutLeftInverseOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutComplementOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutCompositionOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutLogicalDivideOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutZippedDivideOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutTiledDivideOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutFlatDivideOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutLogicalProductOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutZippedProductOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutTiledProductOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutBlockedProductOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutRakedProductOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutModeOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutSizeOp)
ENIGMA_SINGLE_RESULT_FOLDER(LayoutCosizeOp)
#undef ENIGMA_SINGLE_RESULT_FOLDER

OpFoldResult LayoutConstantOp::fold(FoldAdaptor) { return getLayoutAttr(); }

LogicalResult LayoutMakeTVOp::fold(FoldAdaptor adaptor, SmallVectorImpl<OpFoldResult> &results) {
  SmallVector<Attribute, 2> attrs;
  if (!evaluateLayoutOp(getOperation(), adaptor.getOperands(), attrs).ok())
    return failure();
  results.append(attrs.begin(), attrs.end());
  return success();
}

LogicalResult LayoutApplyOp::verify() {
  // The number of coordinates can only be checked against a known layout.
  auto constant = getLayout().getDefiningOp<LayoutConstantOp>();
  if (!constant)
    return success();
  layout::AnyLayout any;
  if (!layout::parseAnyLayout(constant.getLayout().getText(), any).ok())
    return success();
  const layout::Layout &in = any.layout;
  llvm::SmallVector<layout::Leaf> leaves;
  unsigned rank = 0;
  if (!layout::getLeaves(in, leaves, rank))
    return emitOpError("cannot decompose layout ") << constant.getLayout();
  size_t n = getCoords().size();
  if (n == 1 || n == rank || n == leaves.size())
    return success();
  return emitOpError("expects 1, ") << rank << " (one per mode) or " << leaves.size()
                                    << " (one per leaf) coordinates for layout "
                                    << constant.getLayout().getText() << ", got " << n;
}

LogicalResult LayoutModeOp::verify() {
  for (int64_t i : getPath())
    if (i < 0 || i > INT32_MAX)
      return emitOpError("mode index ") << i << " is out of range";
  auto constant = getLayout().getDefiningOp<LayoutConstantOp>();
  if (!constant)
    return success();
  SmallVector<Attribute, 1> results;
  layout::Status status = evaluateLayoutOp(*this, {constant.getLayoutAttr()}, results);
  if (!status.ok())
    return emitOpError() << status.message;
  return success();
}

OpFoldResult LayoutApplyOp::fold(FoldAdaptor adaptor) {
  auto layoutAttr = llvm::dyn_cast_or_null<LayoutAttr>(adaptor.getLayout());
  if (!layoutAttr)
    return {};
  SmallVector<int64_t> values;
  for (Attribute a : adaptor.getCoords()) {
    auto i = llvm::dyn_cast_or_null<IntegerAttr>(a);
    if (!i || i.getValue().isNegative())
      return {};
    values.push_back(i.getInt());
  }
  layout::AnyLayout any;
  if (!layout::parseAnyLayout(layoutAttr.getText(), any).ok())
    return {};
  layout::Layout &l = any.layout;
  SmallVector<layout::Leaf> leaves;
  unsigned rank = 0;
  if (!layout::getLeaves(l, leaves, rank))
    return {};
  EnigmaLayoutError error{};
  // One coordinate per leaf addresses the flattened layout.
  if (values.size() == leaves.size() && values.size() != rank) {
    EnigmaLayout flat = nullptr;
    if (enigmaLayoutFlatten(l.get(), &flat, &error) != ENIGMA_LAYOUT_OK)
      return {};
    l.reset(flat);
  } else if (values.size() != rank && values.size() != 1) {
    return {};
  }
  SmallVector<layout::IntTuple> parts;
  for (int64_t v : values) {
    EnigmaIntTuple raw = nullptr;
    if (enigmaIntTupleCreateInt(v, &raw, &error) != ENIGMA_LAYOUT_OK)
      return {};
    parts.emplace_back(raw);
  }
  layout::IntTuple coord;
  if (parts.size() == 1) {
    coord = std::move(parts.front());
  } else {
    SmallVector<EnigmaIntTuple> handles;
    for (layout::IntTuple &p : parts)
      handles.push_back(p.get());
    EnigmaIntTuple raw = nullptr;
    if (enigmaIntTupleCreateTuple(handles.data(), handles.size(), &raw, &error) !=
        ENIGMA_LAYOUT_OK)
      return {};
    coord.reset(raw);
  }
  int64_t offset = 0;
  if (enigmaLayoutCrd2Idx(l.get(), coord.get(), &offset, &error) != ENIGMA_LAYOUT_OK)
    return {};
  if (any.swizzled() &&
      (llvm::AddOverflow(offset, any.offset, offset) ||
       enigmaSwizzleApply(*any.swizzle, offset, &offset, &error) != ENIGMA_LAYOUT_OK))
    return {};
  return IntegerAttr::get(IndexType::get(getContext()), offset);
}

Operation *EnigmaDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                              Location loc) {
  if (auto layoutAttr = llvm::dyn_cast<LayoutAttr>(value))
    return LayoutConstantOp::create(builder, loc, type, layoutAttr);
  if (auto intAttr = llvm::dyn_cast<IntegerAttr>(value); intAttr && type.isIndex())
    return arith::ConstantIndexOp::create(builder, loc, intAttr.getInt());
  return nullptr;
}
