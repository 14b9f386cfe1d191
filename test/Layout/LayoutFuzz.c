//===-- LayoutFuzz.c - libFuzzer target for the layout core ----------------===//
//
// The input is two texts separated by the first newline. Each is parsed as a
// layout, an IntTuple and a tiler (through the length-taking parsers, so the
// input needs no terminator), and every operation of the core runs on
// whatever parsed. The target traps when an invariant of the API breaks:
// a success whose result does not print and parse back to itself, or a
// failure without a NULL result and a message. Sanitizers catch the rest.
//
//===----------------------------------------------------------------------===//

#include "enigma-c/Layout.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int condition) {
  if (!condition)
    __builtin_trap();
}

// A successful layout result must round-trip through its text; a failure
// must leave NULL and say why.
static void checkResult(EnigmaLayoutStatus st, EnigmaLayout result, const EnigmaLayoutError *err) {
  if (st != ENIGMA_LAYOUT_OK) {
    check(result == NULL && err->status == st && err->message[0] != '\0');
    return;
  }
  check(result != NULL && err->status == ENIGMA_LAYOUT_OK);
  char text[8192];
  intptr_t n = enigmaLayoutPrint(result, text, sizeof text);
  if (n < (intptr_t)sizeof text) {
    EnigmaLayout again = NULL;
    EnigmaLayoutError e2;
    check(enigmaLayoutParse(text, n, &again, &e2) == ENIGMA_LAYOUT_OK);
    check(enigmaLayoutEqual(result, again));
    enigmaLayoutDestroy(again);
  }
  enigmaLayoutDestroy(result);
}

typedef EnigmaLayoutStatus (*TilerOp)(EnigmaLayout, EnigmaTiler, EnigmaLayout *,
                                      EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*UnaryOp)(EnigmaLayout, EnigmaLayout *, EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*BinaryOp)(EnigmaLayout, EnigmaLayout, EnigmaLayout *,
                                       EnigmaLayoutError *);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *newline = memchr(text, '\n', size);
  size_t lenA = newline ? (size_t)(newline - text) : size;
  const char *textB = newline ? newline + 1 : text + size;
  size_t lenB = newline ? size - lenA - 1 : 0;

  EnigmaLayoutError err;
  EnigmaLayout a = NULL, b = NULL, r = NULL;
  EnigmaIntTuple ta = NULL, tb = NULL, crd = NULL;
  EnigmaTiler tiler = NULL;
  enigmaLayoutParse(text, (intptr_t)lenA, &a, &err);
  enigmaIntTupleParse(text, (intptr_t)lenA, &ta, &err);
  enigmaLayoutParse(textB, (intptr_t)lenB, &b, &err);
  enigmaIntTupleParse(textB, (intptr_t)lenB, &tb, &err);
  enigmaTilerParse(textB, (intptr_t)lenB, &tiler, &err);

  if (a) {
    static const UnaryOp unary[] = {enigmaLayoutCoalesce, enigmaLayoutFilter, enigmaLayoutFlatten,
                                    enigmaLayoutRightInverse, enigmaLayoutLeftInverse};
    for (size_t i = 0; i < sizeof unary / sizeof unary[0]; ++i) {
      r = NULL;
      checkResult(unary[i](a, &r, &err), r, &err);
    }
    int64_t n = 0, c = 0;
    if (enigmaLayoutSize(a, &n, &err) == ENIGMA_LAYOUT_OK &&
        enigmaLayoutCosize(a, &c, &err) == ENIGMA_LAYOUT_OK) {
      int64_t values[64];
      intptr_t count = n < 64 ? (intptr_t)n : 64;
      if (enigmaLayoutEvaluateRange(a, 0, count, values, &err) == ENIGMA_LAYOUT_OK) {
        for (intptr_t i = 0; i < count; ++i) {
          int64_t v;
          check(enigmaLayoutEvaluate(a, i, &v, &err) == ENIGMA_LAYOUT_OK && v == values[i]);
          EnigmaIntTuple coord = NULL;
          if (enigmaLayoutIdx2Crd(a, i, &coord, &err) == ENIGMA_LAYOUT_OK) {
            check(enigmaLayoutCrd2Idx(a, coord, &v, &err) == ENIGMA_LAYOUT_OK && v == values[i]);
            enigmaIntTupleDestroy(coord);
          }
        }
      }
    }
    r = NULL;
    checkResult(enigmaLayoutComplement(a, tb, &r, &err), r, &err);
    if (tb) {
      r = NULL;
      checkResult(enigmaLayoutCoalesceByMode(a, tb, &r, &err), r, &err);
      int64_t v;
      enigmaLayoutCrd2Idx(a, tb, &v, &err);
    }
  }
  if (ta && tb) {
    EnigmaLayout ordered = NULL;
    checkResult(enigmaLayoutCreateOrdered(ta, tb, &ordered, &err), ordered, &err);
    int64_t v;
    if (enigmaIntTupleCrd2Idx(ta, tb, &v, &err) == ENIGMA_LAYOUT_OK && v >= 0) {
      if (enigmaIntTupleIdx2Crd(ta, v, &crd, &err) == ENIGMA_LAYOUT_OK)
        enigmaIntTupleDestroy(crd);
    }
  }
  if (a && tiler) {
    static const TilerOp ops[] = {
        enigmaLayoutComposeTiler,  enigmaLayoutLogicalDivide, enigmaLayoutZippedDivide,
        enigmaLayoutTiledDivide,   enigmaLayoutFlatDivide,    enigmaLayoutLogicalProduct,
        enigmaLayoutZippedProduct, enigmaLayoutTiledProduct,  enigmaLayoutFlatProduct};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i) {
      r = NULL;
      checkResult(ops[i](a, tiler, &r, &err), r, &err);
    }
  }
  if (a && b) {
    static const BinaryOp ops[] = {enigmaLayoutCompose, enigmaLayoutBlockedProduct,
                                   enigmaLayoutRakedProduct};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i) {
      r = NULL;
      checkResult(ops[i](a, b, &r, &err), r, &err);
    }
    EnigmaIntTuple tile = NULL;
    r = NULL;
    EnigmaLayoutStatus st = enigmaLayoutMakeTV(a, b, &tile, &r, &err);
    check((st == ENIGMA_LAYOUT_OK) == (tile != NULL));
    enigmaIntTupleDestroy(tile);
    checkResult(st, r, &err);
  }
  if (a) {
    // upcast/downcast/recast by small factors chosen by the input, tile_to_shape.
    int64_t n = size ? (int64_t)(data[0] % 9) + 1 : 2;
    r = NULL;
    checkResult(enigmaLayoutUpcast(a, n, &r, &err), r, &err);
    r = NULL;
    checkResult(enigmaLayoutDowncast(a, n, &r, &err), r, &err);
    r = NULL;
    checkResult(enigmaLayoutRecast(a, 8 * n, 16, &r, &err), r, &err);
    if (tb) {
      r = NULL;
      checkResult(enigmaLayoutTileToShape(a, tb, NULL, &r, &err), r, &err);
      if (ta) {
        r = NULL;
        checkResult(enigmaLayoutTileToShape(a, tb, ta, &r, &err), r, &err);
      }
    }
  }
  {
    // Swizzled layouts: text round trip, evaluation, and cosize above every value.
    EnigmaComposedLayout c = NULL, again = NULL;
    if (enigmaComposedLayoutParse(text, (intptr_t)lenA, &c, &err) == ENIGMA_LAYOUT_OK) {
      char buf[8192];
      intptr_t len = enigmaComposedLayoutPrint(c, buf, sizeof buf);
      if (len < (intptr_t)sizeof buf) {
        check(enigmaComposedLayoutParse(buf, len, &again, &err) == ENIGMA_LAYOUT_OK);
        check(enigmaComposedLayoutEqual(c, again));
        enigmaComposedLayoutDestroy(again);
      }
      int64_t n = 0, cos = 0, values[64];
      if (enigmaComposedLayoutSize(c, &n, &err) == ENIGMA_LAYOUT_OK) {
        intptr_t count = n < 64 ? (intptr_t)n : 64;
        bool haveCosize = n <= ((int64_t)1 << 16) &&
                          enigmaComposedLayoutCosize(c, &cos, &err) == ENIGMA_LAYOUT_OK;
        if (enigmaComposedLayoutEvaluateRange(c, 0, count, values, &err) == ENIGMA_LAYOUT_OK)
          for (intptr_t i = 0; i < count; ++i) {
            int64_t v;
            check(enigmaComposedLayoutEvaluate(c, i, &v, &err) == ENIGMA_LAYOUT_OK &&
                  v == values[i]);
            check(!haveCosize || v < cos);
          }
      }
      enigmaComposedLayoutDestroy(c);
    }
  }
  enigmaLayoutDestroy(a);
  enigmaLayoutDestroy(b);
  enigmaIntTupleDestroy(ta);
  enigmaIntTupleDestroy(tb);
  enigmaTilerDestroy(tiler);
  return 0;
}
