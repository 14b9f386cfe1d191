//===- LayoutCore.h - C++ handles over the C layout core --------*- C++ -*-===//
//
// The layout algebra exists once, in C (include/enigma-c/Layout.h). This header only gives C++
// callers owning handles and one way to turn a failed call into an MLIR diagnostic message.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_DIALECT_ENIGMA_IR_LAYOUTCORE_H
#define ENIGMA_DIALECT_ENIGMA_IR_LAYOUTCORE_H

#include "enigma-c/Layout.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>

namespace mlir {
class Operation;
class Attribute;
} // namespace mlir
#include <string>

namespace mlir {
namespace enigma {
namespace layout {

struct LayoutDeleter {
  void operator()(EnigmaLayout l) const { enigmaLayoutDestroy(l); }
};
struct TilerDeleter {
  void operator()(EnigmaTiler t) const { enigmaTilerDestroy(t); }
};
struct IntTupleDeleter {
  void operator()(EnigmaIntTuple t) const { enigmaIntTupleDestroy(t); }
};
using Layout = std::unique_ptr<EnigmaLayoutImpl, LayoutDeleter>;
using Tiler = std::unique_ptr<EnigmaTilerImpl, TilerDeleter>;
using IntTuple = std::unique_ptr<EnigmaIntTupleImpl, IntTupleDeleter>;

/// The outcome of a core call: ok, or the core's status and message.
struct Status {
  EnigmaLayoutStatus code = ENIGMA_LAYOUT_OK;
  std::string message;
  bool ok() const { return code == ENIGMA_LAYOUT_OK; }
  static Status from(EnigmaLayoutStatus code, const EnigmaLayoutError &error) {
    Status s;
    s.code = code;
    if (code != ENIGMA_LAYOUT_OK)
      s.message = error.message[0] ? error.message : enigmaLayoutStatusGetName(code);
    return s;
  }
};

inline Status parseLayout(llvm::StringRef text, Layout &out) {
  EnigmaLayoutError error{};
  EnigmaLayout raw = nullptr;
  EnigmaLayoutStatus code = enigmaLayoutParse(text.data(), text.size(), &raw, &error);
  out.reset(raw);
  return Status::from(code, error);
}

inline Status parseTiler(llvm::StringRef text, Tiler &out) {
  EnigmaLayoutError error{};
  EnigmaTiler raw = nullptr;
  EnigmaLayoutStatus code = enigmaTilerParse(text.data(), text.size(), &raw, &error);
  out.reset(raw);
  return Status::from(code, error);
}

/// Prints through the core's snprintf-style printers.
template <typename Handle, typename PrintFn>
std::string printWith(Handle handle, PrintFn print) {
  intptr_t n = print(handle, nullptr, 0);
  if (n < 0)
    return "<invalid>";
  std::string text(static_cast<size_t>(n) + 1, '\0');
  print(handle, text.data(), n + 1);
  text.resize(static_cast<size_t>(n));
  return text;
}

inline std::string print(const Layout &l) { return printWith(l.get(), enigmaLayoutPrint); }
inline std::string print(const Tiler &t) { return printWith(t.get(), enigmaTilerPrint); }
inline std::string print(const IntTuple &t) { return printWith(t.get(), enigmaIntTuplePrint); }

/// One leaf of a layout: a (shape, stride) pair, with the top-level mode it belongs to.
struct Leaf {
  int64_t shape;
  int64_t stride;
  unsigned mode;
};

/// The leaves of a layout in colexicographic order (CuTe's flatten order), from the core's
/// preorder serialization. Returns false if the handle is invalid.
inline bool getLeaves(const Layout &l, llvm::SmallVectorImpl<Leaf> &leaves, unsigned &rank) {
  intptr_t n = enigmaLayoutToPreorder(l.get(), nullptr, 0);
  if (n < 0)
    return false;
  llvm::SmallVector<int64_t> nodes(n);
  enigmaLayoutToPreorder(l.get(), nodes.data(), n);
  // Preorder, 3 int64_t per node: (0, shape, stride) for a leaf, (r, 0, 0) for a tuple.
  if (nodes.empty())
    return false;
  if (nodes[0] == 0) {
    rank = 1;
    leaves.push_back({nodes[1], nodes[2], 0});
    return true;
  }
  rank = static_cast<unsigned>(nodes[0]);
  // Walk the top-level tuple's children, tracking how many nodes remain in each subtree.
  size_t pos = 3;
  for (unsigned mode = 0; mode < rank; ++mode) {
    int64_t pending = 1;
    while (pending > 0) {
      if (pos + 2 >= nodes.size())
        return false;
      int64_t r = nodes[pos];
      if (r == 0)
        leaves.push_back({nodes[pos + 1], nodes[pos + 2], mode});
      pending += r - 1;
      pos += 3;
    }
  }
  return pos == nodes.size();
}

/// A layout attribute's value: a layout, or (CuTe's ComposedLayout) the swizzled layout
/// `swizzle o offset o layout`, whose text is "Sw<B,M,S> o offset o shape:stride".
struct ComposedDeleter {
  void operator()(EnigmaComposedLayout c) const { enigmaComposedLayoutDestroy(c); }
};
using Composed = std::unique_ptr<EnigmaComposedLayoutImpl, ComposedDeleter>;

struct AnyLayout {
  /// The layout (the inner one of a swizzled layout).
  Layout layout;
  /// Set for a swizzled layout.
  std::optional<EnigmaSwizzle> swizzle;
  int64_t offset = 0;
  bool swizzled() const { return swizzle.has_value(); }
};

/// Whether `text` is a swizzled layout's (it starts with "Sw").
inline bool isSwizzledText(llvm::StringRef text) { return text.ltrim().starts_with("Sw"); }

/// The composed handle of a swizzled layout (for its cosize and evaluation).
inline Status makeComposed(const AnyLayout &l, Composed &out) {
  EnigmaLayoutError error{};
  EnigmaComposedLayout raw = nullptr;
  EnigmaSwizzle sw = l.swizzle.value_or(EnigmaSwizzle{0, 0, 0});
  EnigmaLayoutStatus code = enigmaComposedLayoutCreate(sw, l.offset, l.layout.get(), &raw, &error);
  out.reset(raw);
  return Status::from(code, error);
}

inline Status parseAnyLayout(llvm::StringRef text, AnyLayout &out) {
  out.swizzle.reset();
  out.offset = 0;
  if (!isSwizzledText(text))
    return parseLayout(text, out.layout);
  EnigmaLayoutError error{};
  EnigmaComposedLayout raw = nullptr;
  EnigmaLayoutStatus code = enigmaComposedLayoutParse(text.data(), text.size(), &raw, &error);
  Composed composed(raw);
  if (code != ENIGMA_LAYOUT_OK)
    return Status::from(code, error);
  out.swizzle = enigmaComposedLayoutGetSwizzle(composed.get());
  out.offset = enigmaComposedLayoutGetOffset(composed.get());
  EnigmaLayout inner = nullptr;
  code = enigmaComposedLayoutGetLayout(composed.get(), &inner, &error);
  out.layout.reset(inner);
  return Status::from(code, error);
}

/// Canonical text: the layout's, or "Sw<B,M,S> o offset o layout".
inline std::string print(const AnyLayout &l) {
  if (!l.swizzled())
    return print(l.layout);
  Composed composed;
  if (!makeComposed(l, composed).ok())
    return "<invalid>";
  return printWith(composed.get(), enigmaComposedLayoutPrint);
}

/// 1 + the largest offset (the composed cosize for a swizzled layout).
inline Status cosize(const AnyLayout &l, int64_t &out) {
  EnigmaLayoutError error{};
  if (!l.swizzled())
    return Status::from(enigmaLayoutCosize(l.layout.get(), &out, &error), error);
  Composed composed;
  Status status = makeComposed(l, composed);
  if (!status.ok())
    return status;
  return Status::from(enigmaComposedLayoutCosize(composed.get(), &out, &error), error);
}

} // namespace layout

/// Evaluates a layout algebra op through the layout core, given its operands' constant values
/// (null where unknown): on success, `results` holds one attribute per op result (LayoutAttr,
/// or an index IntegerAttr for size/cosize); on failure, the core's status and message.
layout::Status evaluateLayoutOp(Operation *op, llvm::ArrayRef<Attribute> operands,
                                llvm::SmallVectorImpl<Attribute> &results);

} // namespace enigma
} // namespace mlir

#endif // ENIGMA_DIALECT_ENIGMA_IR_LAYOUTCORE_H
