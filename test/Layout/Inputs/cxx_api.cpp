// Uses the layout C API from C++ the way the MLIR dialect does: RAII
// wrappers over the handles, errors turned into values.
#include "enigma-c/Layout.h"

#include <cstdio>
#include <memory>
#include <string>

namespace {
struct LayoutDeleter {
  void operator()(EnigmaLayoutImpl *l) const { enigmaLayoutDestroy(l); }
};
struct TupleDeleter {
  void operator()(EnigmaIntTupleImpl *t) const { enigmaIntTupleDestroy(t); }
};
struct TilerDeleter {
  void operator()(EnigmaTilerImpl *t) const { enigmaTilerDestroy(t); }
};
using Layout = std::unique_ptr<EnigmaLayoutImpl, LayoutDeleter>;
using Tuple = std::unique_ptr<EnigmaIntTupleImpl, TupleDeleter>;
using Tiler = std::unique_ptr<EnigmaTilerImpl, TilerDeleter>;

std::string print(EnigmaLayout l) {
  std::string s(static_cast<size_t>(enigmaLayoutPrint(l, nullptr, 0)), '\0');
  enigmaLayoutPrint(l, s.data(), static_cast<intptr_t>(s.size()) + 1);
  return s;
}

std::string print(EnigmaIntTuple t) {
  std::string s(static_cast<size_t>(enigmaIntTuplePrint(t, nullptr, 0)), '\0');
  enigmaIntTuplePrint(t, s.data(), static_cast<intptr_t>(s.size()) + 1);
  return s;
}

Layout parse(const std::string &text) {
  EnigmaLayout l = nullptr;
  EnigmaLayoutError err;
  if (enigmaLayoutParse(text.data(), static_cast<intptr_t>(text.size()), &l, &err) !=
      ENIGMA_LAYOUT_OK)
    std::printf("parse failed: %s\n", err.message);
  return Layout(l);
}
} // namespace

int main() {
  Layout a = parse("(4,2,3):(2,1,8)");
  Layout b = parse("4:2");
  EnigmaTiler rawTiler = nullptr;
  EnigmaLayoutError err;
  enigmaTilerCreateFromLayout(b.get(), &rawTiler, &err);
  Tiler tiler(rawTiler);

  EnigmaLayout raw = nullptr;
  if (enigmaLayoutLogicalDivide(a.get(), tiler.get(), &raw, &err))
    return 1;
  Layout d(raw);
  std::printf("logical_divide = %s\n", print(d.get()).c_str());

  int64_t size = 0, cosize = 0;
  enigmaLayoutSize(d.get(), &size, &err);
  enigmaLayoutCosize(d.get(), &cosize, &err);
  std::printf("rank %ld depth %ld size %lld cosize %lld\n",
              static_cast<long>(enigmaLayoutGetRank(d.get())),
              static_cast<long>(enigmaLayoutGetDepth(d.get())), static_cast<long long>(size),
              static_cast<long long>(cosize));

  const int32_t path[] = {1};
  EnigmaLayout rawMode = nullptr;
  enigmaLayoutGetMode(d.get(), path, 1, &rawMode, &err);
  Layout mode(rawMode);
  EnigmaIntTuple rawShape = nullptr, rawStride = nullptr;
  enigmaLayoutGetShape(mode.get(), &rawShape, &err);
  enigmaLayoutGetStride(mode.get(), &rawStride, &err);
  Tuple shape(rawShape), stride(rawStride);
  std::printf("mode 1 shape %s stride %s\n", print(shape.get()).c_str(),
              print(stride.get()).c_str());

  Layout big = parse("32:1");
  EnigmaTiler rawBig = nullptr;
  enigmaTilerCreateFromLayout(big.get(), &rawBig, &err);
  Tiler bigTiler(rawBig);
  EnigmaLayout none = nullptr;
  EnigmaLayoutStatus st = enigmaLayoutLogicalDivide(b.get(), bigTiler.get(), &none, &err);
  std::printf("error %d %.46s\n", static_cast<int>(st), err.message);
  return none == nullptr ? 0 : 1;
}
